"""Which finger does the model take for the thumb? The 8 spread SR305 right hands through the right-hand path,
with a disk of the hand's depth erased at one marked fingertip (the finger made shorter): the share of marked
fingertips on their own finger, and in how many frames the predicted thumb tip lies nearer the little finger's
mark than the thumb's (a thumb / little finger swap).

Usage: python benchmarks/erase_fingertip.py [MODEL] [--radii 25 45]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.marked_fingertips import FINGERS, MARKED_FINGERTIPS_PX  # noqa: E402
from benchmarks.real_data import named_real_frames  # noqa: E402
from benchmarks.real_fingertips import first_look, pose_scores  # noqa: E402
from handtrack import HandTracker  # noqa: E402
from handtrack.pose import Joint  # noqa: E402
from handtrack.types import Frame  # noqa: E402

SPREAD = "sr305/20210326-230536/"


def erased(frame: Frame, centre_px: tuple[int, int], radius_px: int) -> Frame:
    """The frame with no depth within ``radius_px`` of ``centre_px`` (u, v)."""
    v, u = np.mgrid[0:frame.depth.shape[0], 0:frame.depth.shape[1]]
    depth = frame.depth.copy()
    depth[(u - centre_px[0]) ** 2 + (v - centre_px[1]) ** 2 < radius_px**2] = 0
    return dataclasses.replace(frame, depth=depth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="models/pwr-lite.onnx")
    parser.add_argument("--radii", type=int, nargs="+", default=[25, 45], help="erased disks' radii, pixels")
    args = parser.parse_args()
    tracker = HandTracker(args.model, handedness="right")
    frames = named_real_frames()
    spread = {name: tips for name, tips in MARKED_FINGERTIPS_PX.items() if name.startswith(SPREAD)}
    cases = [("unaltered", None, 0)] + [(f"{finger} end -{r} px", finger, r)
                                       for r in args.radii for finger in ("thumb", "little")]
    for label, finger, radius in cases:
        on_own, swaps = [], 0
        for name, tips in spread.items():
            frame = frames[name]
            if finger is not None:
                frame = erased(frame, tips[FINGERS.index(finger)], radius)
            pose = first_look(tracker, frame)
            on_own += [s.on_own_finger for s in pose_scores(pose, frame, tips)]
            if pose is None:
                continue
            thumb = pose.joints_uvd[Joint.THUMB_TIP, :2]
            swaps += int(np.linalg.norm(thumb - tips[4]) < np.linalg.norm(thumb - tips[0]))
        print(f"{label:20s} on their own finger {100 * np.mean(on_own):3.0f} %; thumb nearer the little finger's "
              f"mark in {swaps} of {len(spread)} frames")


if __name__ == "__main__":
    main()
