"""Left hands through a right-hand model: mirror the crop, predict, mirror the joints back.

A left hand is the mirror image of a right hand. Mirroring the 128 x 128 crop left-right shows the network a
right hand; mirroring its predicted joints back (u -> -u in crop coordinates, v and d unchanged) gives the left
hand's joints in the original crop, exactly: the mirror is its own inverse in the image.
"""

from __future__ import annotations

import numpy as np

HANDEDNESS_CHOICES = ("right", "left", "auto")


def mirror_crops(crops: np.ndarray) -> np.ndarray:
    """(..., S, S) crops mirrored left-right (a right hand becomes a left one and back)."""
    return np.ascontiguousarray(crops[..., ::-1])


def unmirror_joints(joints_crop: np.ndarray) -> np.ndarray:
    """(..., J, 3) crop-normalised (u, v, d) predicted on mirrored crops -> joints in the original crops."""
    out = np.array(joints_crop, dtype=np.float32, copy=True)
    out[..., 0] = -out[..., 0]
    return out
