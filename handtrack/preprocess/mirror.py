"""Left hands through a right-hand model: mirror the crop, predict, mirror the joints back.

A left hand is the mirror image of a right hand. Mirroring the 128 x 128 crop left-right shows the network a
right hand; mirroring its predicted joints back (u -> -u in crop coordinates, v and d unchanged) gives the left
hand's joints in the original crop, exactly: the mirror is its own inverse in the image.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from handtrack.types import DistortionModel, Frame

HANDEDNESS_CHOICES = ("right", "left", "auto")


def mirror_crops(crops: np.ndarray) -> np.ndarray:
    """(..., S, S) crops mirrored left-right (a right hand becomes a left one and back)."""
    return np.ascontiguousarray(crops[..., ::-1])


def unmirror_joints(joints_crop: np.ndarray) -> np.ndarray:
    """(..., J, 3) crop-normalised (u, v, d) predicted on mirrored crops -> joints in the original crops."""
    out = np.array(joints_crop, dtype=np.float32, copy=True)
    out[..., 0] = -out[..., 0]
    return out


def mirror_frame(frame: Frame) -> tuple[Frame, Frame]:
    """(the frame as a pinhole camera, its left-right mirror image): the same scene with x -> -x, a right hand
    seen as a left one. Lens distortion is dropped from both (its models are not mirror-symmetric), so the two
    are exact mirrors of each other; the mirror's principal point is ``width - 1 - ppx``."""
    plain = dataclasses.replace(frame.intrinsics, model=DistortionModel.NONE, coeffs=(0.0,) * 5)
    mirror = dataclasses.replace(plain, ppx=plain.width - 1 - plain.ppx)
    return (Frame(frame.depth, frame.depth_unit_mm, plain, frame.timestamp_ms, frame.index),
            Frame(np.ascontiguousarray(frame.depth[:, ::-1]), frame.depth_unit_mm, mirror, frame.timestamp_ms,
                  frame.index))
