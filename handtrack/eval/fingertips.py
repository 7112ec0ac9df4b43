"""Fingertips on real frames against the ends of the fingers a person marked (no 3D ground truth there).

A predicted fingertip is "on its own finger" when it lies within ``on_finger_mm`` (about a finger's width) of the
marked end of that finger in the image plane and nearer to it than to any other marked fingertip of the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from handtrack.pose import Joint

FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")
TIP_JOINTS = (Joint.THUMB_TIP, Joint.INDEX_TIP, Joint.MIDDLE_TIP, Joint.RING_TIP, Joint.LITTLE_TIP)
ON_FINGER_MM = 20.0


@dataclass(frozen=True)
class TipScore:
    finger: str
    error_mm: float  # in the image plane, at the hand's depth
    on_own_finger: bool


def score_fingertips(joints_uv_px: np.ndarray, marked_uv_px: Sequence[tuple[float, float] | None],
                     mm_per_px: float, on_finger_mm: float = ON_FINGER_MM) -> list[TipScore]:
    """Score the fingertips of predicted (21, 2) image joints (px) against the marked ends of the fingers
    (thumb .. little, None where not marked); ``mm_per_px``: the image plane's scale at the hand (z / fx)."""
    marked = {f: np.asarray(p, dtype=np.float64) for f, p in zip(FINGER_NAMES, marked_uv_px) if p is not None}
    scores = []
    for finger, joint in zip(FINGER_NAMES, TIP_JOINTS):
        if finger not in marked:
            continue
        tip = np.asarray(joints_uv_px[joint], dtype=np.float64)
        distances = {f: float(np.linalg.norm(tip - p)) for f, p in marked.items()}
        error_mm = distances[finger] * mm_per_px
        nearest = min(distances, key=distances.__getitem__)
        scores.append(TipScore(finger, error_mm, error_mm <= on_finger_mm and nearest == finger))
    return scores
