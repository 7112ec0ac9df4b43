"""Predicted skeletons on the real frames in ../shared/data, for people to look at (and for docs/).

Usage: python benchmarks/overlays.py MODEL OUT.png [right|left]
(the third argument is the tracker's handedness: left mirrors each crop through the right-hand model)
Tiles: the 19 SR305 frames, then the 21 close-range D400-class frames (fx assumed 610, see shared/data README).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.real_data import named_real_frames  # noqa: E402
from handtrack import HandTracker  # noqa: E402
from handtrack.viz.draw import annotate_frame  # noqa: E402


def main() -> None:
    tracker = HandTracker(sys.argv[1], handedness=sys.argv[3] if len(sys.argv) > 3 else "right")
    tiles = []
    for frame in named_real_frames().values():
        tracker.reset()
        hands = tracker.track(frame)
        image = annotate_frame(frame.depth, frame.depth_unit_mm, hands, [] if hands else ["no hand"])
        if hands:  # zoom on the hand: the crop box, squared, with a margin
            left, top, right, bottom = hands[0].crop_box_px
            cx, cy, half = (left + right) / 2, (top + bottom) / 2, max(right - left, bottom - top) * 0.6
            x0, y0 = int(max(cx - half, 0)), int(max(cy - half, 0))
            x1, y1 = int(min(cx + half, image.shape[1])), int(min(cy + half, image.shape[0]))
            image = image[y0:y1, x0:x1]
        tiles.append(cv2.resize(image, (240, 240)))
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % 8)
    grid = np.vstack([np.hstack(tiles[i: i + 8]) for i in range(0, len(tiles), 8)])
    cv2.imwrite(sys.argv[2], grid)
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
