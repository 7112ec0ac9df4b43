"""The refinement hook: after a first pass of the network, re-crop around the predicted palm."""

from __future__ import annotations

import numpy as np

from handtrack.pose import Joint

PALM_JOINTS = (Joint.WRIST, Joint.THUMB_MCP, Joint.INDEX_MCP, Joint.MIDDLE_MCP, Joint.RING_MCP, Joint.LITTLE_MCP)


#: how far (in cube half-sizes, per axis) the refinement pass may move the crop from the first centre
SECOND_PASS_REACH = 1.5


def second_pass_centre_mm(predicted_palm_mm: np.ndarray, first_centre_mm: np.ndarray,
                          cube_half_mm: float) -> np.ndarray:
    """(3,) centre of the refinement pass: the first pass's predicted palm, unless it is not finite, lies more than
    SECOND_PASS_REACH cube half-sizes from the first centre on some axis, or nearer the camera than half the first
    centre's depth (a wild prediction, a non-hand, an untrained model must not throw the crop away); then the first
    centre. The reach exceeds the cube: a hand at the edge of a crop that the localiser centred on the arm or the
    body has its palm predicted near or just past the cube's side (in mm, at the palm's own depth)."""
    palm = np.asarray(predicted_palm_mm, dtype=np.float64)
    first = np.asarray(first_centre_mm, dtype=np.float64)
    plausible = bool(np.all(np.isfinite(palm)) and np.all(np.abs(palm - first) < SECOND_PASS_REACH * cube_half_mm)
                     and palm[2] > 0.5 * first[2])
    return palm if plausible else first


def palm_centre_mm(joints_xyz_mm: np.ndarray) -> np.ndarray:
    """(3,) palm centre, the mean of the wrist and the five MCP joints of a (21, 3) pose in millimetres."""
    joints = np.asarray(joints_xyz_mm, dtype=np.float64)
    if joints.shape != (21, 3):
        raise ValueError(f"expected (21, 3) joints, got {joints.shape}")
    return joints[[int(j) for j in PALM_JOINTS]].mean(axis=0)
