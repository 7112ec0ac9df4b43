"""The refinement hook: after a first pass of the network, re-crop around the predicted palm."""

from __future__ import annotations

import numpy as np

from handtrack.pose import Joint

PALM_JOINTS = (Joint.WRIST, Joint.THUMB_MCP, Joint.INDEX_MCP, Joint.MIDDLE_MCP, Joint.RING_MCP, Joint.LITTLE_MCP)


def palm_centre_mm(joints_xyz_mm: np.ndarray) -> np.ndarray:
    """(3,) palm centre, the mean of the wrist and the five MCP joints of a (21, 3) pose in millimetres."""
    joints = np.asarray(joints_xyz_mm, dtype=np.float64)
    if joints.shape != (21, 3):
        raise ValueError(f"expected (21, 3) joints, got {joints.shape}")
    return joints[[int(j) for j in PALM_JOINTS]].mean(axis=0)
