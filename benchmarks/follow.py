"""Following a tracked hand against cropping every frame afresh: accuracy, engine work and time per frame.

Moving synthetic hands (``handtrack.synth.sequence.moving_frames``: scenes of every pose, view and background,
the hand and arm moving in a straight line and turning) go through ``HandTracker(follow=False)`` (every frame
cropped at the localiser's centre, then around the first pass's palm) and ``HandTracker(follow=True)`` (a
tracked hand cropped where its palm was, one pass unless it moved away), one sequence after the other on the same
model. Usage:

    python benchmarks/follow.py [--model models/pwr-lite.onnx] [--sequences 60] [--frames 20] [--max-speed 30]
                                [--hand right|auto] [--seed 31] [--profile sr305|d435]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from handtrack import HandTracker
from handtrack.engines import load_engine
from handtrack.preprocess.refine import palm_centre_mm
from handtrack.synth.generator import SyntheticSource
from handtrack.synth.sequence import moving_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/pwr-lite.onnx")
    parser.add_argument("--sequences", type=int, default=60)
    parser.add_argument("--frames", type=int, default=20, help="frames per sequence")
    parser.add_argument("--max-speed", type=float, default=30.0, help="mm per frame (30 mm at 30 frames/s: 0.9 m/s)")
    parser.add_argument("--hand", default="right", help="right (the synthetic hands' side) or auto")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--profile", default="sr305", help="camera profile and its sensor model (sr305, d435)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rotations", type=float, default=0.0, metavar="DEG", help="each final crop also read "
                        "turned by -DEG and +DEG degrees, the readings averaged (HandTracker(rotations_deg=...))")
    args = parser.parse_args()
    source = SyntheticSource(args.sequences, seed=args.seed, profile=args.profile, palm="anatomical-wrist")
    engine = load_engine(args.model, threads=args.threads)
    trackers = {follow: HandTracker(engine, handedness=args.hand, follow=follow, rotations_deg=args.rotations)
                for follow in (False, True)}
    errors: dict[bool, list[np.ndarray]] = {False: [], True: []}
    palms: dict[bool, list[float]] = {False: [], True: []}
    times: dict[bool, list[float]] = {False: [], True: []}
    frames_total = 0
    for index in range(args.sequences):
        frames = moving_frames(source, index, args.frames, args.max_speed)
        frames_total += len(frames)
        for follow in ((False, True) if index % 2 == 0 else (True, False)):  # alternate which runs first
            tracker = trackers[follow]
            tracker.reset()
            for frame in frames:
                t0 = time.perf_counter()
                poses = tracker.track(frame)
                times[follow].append((time.perf_counter() - t0) * 1e3)
                if poses:
                    errors[follow].append(np.linalg.norm(poses[0].joints_xyz_mm - frame.joints_xyz_mm, axis=1))
                    palms[follow].append(float(np.linalg.norm(palm_centre_mm(poses[0].joints_xyz_mm)
                                                              - palm_centre_mm(frame.joints_xyz_mm))))
    print(f"{args.model}, --hand {args.hand}: {args.sequences} moving synthetic {args.profile} sequences of "
          f"{args.frames} frames (seed {args.seed}, up to {args.max_speed:g} mm and 3 degrees per frame), "
          f"{frames_total} frames")
    for follow in (False, True):
        e, p = np.asarray(errors[follow]), np.asarray(palms[follow])
        print(f"follow={follow!s:5}: mean joint error {e.mean():.3f} mm, palm within 15 mm in "
              f"{100 * np.sum(p <= 15) / frames_total:.1f} % of frames, hand in {100 * len(p) / frames_total:.1f} %, "
              f"{trackers[follow].engine_crops / frames_total:.2f} crops through the engine per frame, median "
              f"{np.median(times[follow]):.2f} ms per frame (mean {np.mean(times[follow]):.2f})")
    ratio = np.median(times[False]) / np.median(times[True])
    print(f"following is {ratio:.2f}x as fast per frame (medians, side by side)")


if __name__ == "__main__":
    main()
