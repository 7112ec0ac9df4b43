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


def _pooled_share(hits: np.ndarray, counts: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """(R,) share of hits over the frames each resample drew: hits, counts (F,) per frame; frames (R, F) indices."""
    return hits[frames].sum(axis=1) / np.maximum(counts[frames].sum(axis=1), 1)


def share_difference_interval(a_per_frame: Sequence[Sequence[bool]], b_per_frame: Sequence[Sequence[bool]],
                              level: float = 0.9, resamples: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    """How sure is a difference in the share of fingertips on their own finger between two readings of the same
    frames (two models, two paths)? ``a_per_frame``, ``b_per_frame``: per frame, the marked tips' hits (the same
    frames in the same order). Returns (share a - share b, and the ``level`` interval of that difference from
    resampling the frames with replacement, both readings with the same draw). The frames are resampled, not the
    tips: the tips of one hand succeed or fail together (a mirrored reading misses all five)."""
    if len(a_per_frame) != len(b_per_frame) or not a_per_frame:
        raise ValueError("need the same, non-empty list of frames for both readings")
    counts = np.array([len(h) for h in a_per_frame], dtype=np.float64)
    if not np.array_equal(counts, [len(h) for h in b_per_frame]):
        raise ValueError("both readings must score the same tips of each frame")
    hits_a = np.array([sum(h) for h in a_per_frame], dtype=np.float64)
    hits_b = np.array([sum(h) for h in b_per_frame], dtype=np.float64)
    frames = np.random.default_rng(seed).integers(0, len(counts), (resamples, len(counts)))
    diffs = _pooled_share(hits_a, counts, frames) - _pooled_share(hits_b, counts, frames)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return float((hits_a.sum() - hits_b.sum()) / counts.sum()), float(low), float(high)
