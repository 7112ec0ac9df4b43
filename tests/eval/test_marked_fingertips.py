"""The fingertips a person marked on the real frames (benchmarks/marked_fingertips.py) are where the tests and
the real-frame benchmark assume: each at the end of a finger, on the hand's outline."""

import numpy as np

from benchmarks.marked_fingertips import FINGERS, MARKED_FINGERTIPS_PX
from handtrack.eval.fingertips import FINGER_NAMES
from handtrack.preprocess import HandLocalizer
from tests.preprocess.hand_boxes import SR305_HAND_BOXES_PX
from tests.preprocess.test_localize import real_frames


def test_every_mark_lies_on_the_outline_of_the_hand():
    frames = dict(real_frames())
    assert set(MARKED_FINGERTIPS_PX) <= set(frames)
    assert FINGERS == FINGER_NAMES
    localizer = HandLocalizer()  # the tracker's, for the contract's 150 mm cube
    for name, marks in MARKED_FINGERTIPS_PX.items():
        frame = frames[name]
        localizer.reset()
        hand_z_mm = localizer.locate(frame).hands[0].centre_xyz_mm[2]
        depth_mm = frame.depth.astype(np.float64) * frame.depth_unit_mm
        hand = (depth_mm > 0) & (np.abs(depth_mm - hand_z_mm) < 150)
        points = [p for p in marks if p is not None]
        assert len(points) >= 1, name
        for u, v in points:
            window = hand[max(v - 3, 0): v + 4, max(u - 3, 0): u + 4]
            assert window.any() and not window.all(), f"{name}: ({u}, {v}) is not on the hand's outline"
        # different fingers, at least a finger's width (about 7 px at these distances) apart
        gaps = [np.hypot(a[0] - b[0], a[1] - b[1]) for i, a in enumerate(points) for b in points[i + 1:]]
        assert min(gaps, default=99) >= 7, name
        if name in SR305_HAND_BOXES_PX:  # the hand boxes marked in an earlier session hold every fingertip
            left, top, right, bottom = SR305_HAND_BOXES_PX[name]
            assert all(left - 10 <= u <= right + 10 and top - 10 <= v <= bottom + 10 for u, v in points), name
