"""Left hands through a right-hand model: mirror the crop, predict, mirror the joints back.

A left hand is the mirror image of a right hand. Mirroring the 128 x 128 crop left-right shows the network a
right hand; mirroring its predicted joints back (u -> -u in crop coordinates, v and d unchanged) gives the left
hand's joints in the original crop, exactly: the mirror is its own inverse in the image.

Handedness "auto" runs both orientations in one engine call and keeps the one the network is surer of (mean
heatmap confidence): a weak cue while the shipped model is weak (measured in the model card).
"""

from __future__ import annotations

import numpy as np

from handtrack.pose import Handedness

HANDEDNESS_CHOICES = ("right", "left", "auto")


def mirror_crops(crops: np.ndarray) -> np.ndarray:
    """(..., S, S) crops mirrored left-right (a right hand becomes a left one and back)."""
    return np.ascontiguousarray(crops[..., ::-1])


def unmirror_joints(joints_crop: np.ndarray) -> np.ndarray:
    """(..., J, 3) crop-normalised (u, v, d) predicted on mirrored crops -> joints in the original crops."""
    out = np.array(joints_crop, dtype=np.float32, copy=True)
    out[..., 0] = -out[..., 0]
    return out


def choose_side(confidence_right: np.ndarray, confidence_left: np.ndarray) -> tuple[Handedness, float]:
    """(J,) per-joint confidences of the crop as seen (right) and mirrored (left) -> the side and its score,
    the chosen side's share of the two mean confidences (0.5: no preference, 1: only one side fits)."""
    right, left = float(np.mean(confidence_right)), float(np.mean(confidence_left))
    total = right + left
    if total <= 0:
        return Handedness.RIGHT, 0.5
    return (Handedness.RIGHT, right / total) if right >= left else (Handedness.LEFT, left / total)
