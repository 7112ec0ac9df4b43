"""How well the gesture measures of tracked hands (``HandPose.measures``, handtrack/gestures.py) agree with the same
measures of the true joints, on synthetic frames with ground truth.

Two sets: the demo sequence (``handtrack.synth.sequence.demo_frames``: 140 frames of one right hand going
through open, fist, point, victory, OK, pinch, thumbs-up, open; tracked in order, each hand followed) and
``--frames`` scenes of ``SyntheticSource`` (any pose, view and background; each tracked afresh). The hands are
right hands and are tracked as such (``--hand right``; ``--hand auto`` lets the classifier decide, which the palm
normal's sign then follows). Usage:

    python benchmarks/gestures.py [--model models/pwr-lite.onnx] [--frames 300] [--seed 7] [--hand right|auto]

Prints per set: the palm normal's and the hand direction's angle to the truth's (median, 90th percentile), how
often each finger's "extended" agrees with the truth's and how often all five do, the pinch distance's and the
grab strength's error (median), over the frames where a hand was tracked.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handtrack import HandTracker  # noqa: E402
from handtrack.gestures import HandMeasures, measure_hand  # noqa: E402
from handtrack.pose import FINGERS, Handedness  # noqa: E402
from handtrack.types import LabelledFrame  # noqa: E402


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.acos(float(np.clip(a @ b, -1.0, 1.0))))


def compare(tracker: HandTracker, frames: Iterable[LabelledFrame], afresh: bool) -> tuple[int, list[tuple]]:
    """(frames, [(tracked measures, true measures)] of the frames where a hand was tracked)."""
    pairs, total = [], 0
    for frame in frames:
        total += 1
        if afresh:
            tracker.reset()
        hands = tracker.track(frame)
        if hands:
            pairs.append((hands[0].measures, measure_hand(frame.joints_xyz_mm, Handedness.RIGHT)))
    return total, pairs


def report(label: str, total: int, pairs: list[tuple[HandMeasures, HandMeasures]]) -> None:
    normal = np.array([_angle_deg(p.palm_normal, t.palm_normal) for p, t in pairs])
    direction = np.array([_angle_deg(p.direction, t.direction) for p, t in pairs])
    agree = np.array([[a == b for a, b in zip(p.extended, t.extended)] for p, t in pairs])
    pinch = np.array([abs(p.pinch_distance_mm - t.pinch_distance_mm) for p, t in pairs])
    grab = np.array([abs(p.grab_strength - t.grab_strength) for p, t in pairs])
    print(f"{label}: a hand tracked in {len(pairs)} of {total} frames")
    print(f"  palm normal off by median {np.median(normal):.1f} deg, p90 {np.percentile(normal, 90):.1f}; "
          f"hand direction median {np.median(direction):.1f} deg, p90 {np.percentile(direction, 90):.1f}")
    print("  'extended' agrees with the truth: " + ", ".join(
        f"{name} {100 * agree[:, k].mean():.1f} %" for k, name in enumerate(FINGERS))
        + f"; all five {100 * agree.all(axis=1).mean():.1f} %")
    print(f"  pinch distance off by median {np.median(pinch):.1f} mm (p90 {np.percentile(pinch, 90):.1f}); "
          f"grab strength by median {np.median(grab):.2f} (p90 {np.percentile(grab, 90):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a model file (default: the bundled default)")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hand", default="right", choices=("right", "auto"))
    args = parser.parse_args()
    from handtrack.synth.generator import SyntheticSource
    from handtrack.synth.sequence import demo_frames

    tracker = HandTracker(args.model, handedness=args.hand)
    tracker.reset()
    report("demo sequence (followed)", *compare(tracker, demo_frames(), afresh=False))
    source = SyntheticSource(args.frames, seed=args.seed, profile="sr305", palm="anatomical")
    report(f"SyntheticSource seed {args.seed} (afresh)", *compare(tracker, source, afresh=True))


if __name__ == "__main__":
    main()
