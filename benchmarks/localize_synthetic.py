"""How close the localiser's centre lies to the true palm centre, on synthetic frames with ground truth.

Issue 4's target: within 15 mm in >= 99 % of frames. Prints the share of frames with a hand found, the centre
error (3D, and split into image-plane and depth parts) and the share within 15 / 30 / 50 mm. Usage:

    python benchmarks/localize_synthetic.py [--frames 300] [--profile sr305] [--seed 7]
"""

from __future__ import annotations

import argparse

import numpy as np

from handtrack.preprocess import HandLocalizer
from handtrack.preprocess.refine import palm_centre_mm
from handtrack.synth.generator import SyntheticSource


def centre_errors_mm(frames: int, profile: str, seed: int) -> tuple[np.ndarray, int]:
    """(N, 3) centre - true palm centre (mm) of the frames where a hand was found, and the frame count."""
    source = SyntheticSource(frames, seed=seed, profile=profile)
    localizer = HandLocalizer()
    errors = []
    for frame in source:
        found = localizer.locate(frame)
        if found.found:
            errors.append(found.hands[0].centre_xyz_mm - palm_centre_mm(frame.joints_xyz_mm))
    return np.asarray(errors).reshape(-1, 3), frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--profile", default="sr305")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    errors, total = centre_errors_mm(args.frames, args.profile, args.seed)
    norm = np.linalg.norm(errors, axis=1)
    print(f"{args.profile}, {total} synthetic frames (seed {args.seed}): hand found in {100 * len(errors) / total:.1f} %")
    print(f"centre error: median {np.median(norm):.1f} mm, p95 {np.percentile(norm, 95):.1f} mm; "
          f"image plane median {np.median(np.linalg.norm(errors[:, :2], axis=1)):.1f} mm, "
          f"depth median {np.median(errors[:, 2]):+.1f} mm (positive: behind the palm)")
    print("within 15 / 30 / 50 mm: " + " / ".join(f"{100 * np.mean(norm <= t):.1f} %" for t in (15, 30, 50)))


if __name__ == "__main__":
    main()
