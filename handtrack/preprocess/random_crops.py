"""Crop-like random inputs (no camera needed): export checks and engine benchmarks."""

from __future__ import annotations

import cv2
import numpy as np


def random_crops(n: int, size: int, rng: np.random.Generator, background: float = 1.0) -> np.ndarray:
    """(n, 1, size, size) float32 crop-like inputs: smooth random surfaces on a background."""
    crops = np.empty((n, 1, size, size), np.float32)
    for i in range(n):
        low = rng.normal(size=(8, 8)).astype(np.float32)
        surface = cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
        depth = np.clip(0.15 * surface, -0.9, 0.9)
        mask = cv2.resize(rng.random((6, 6)).astype(np.float32), (size, size)) > 0.45
        crops[i, 0] = np.where(mask, depth, background)
    return crops
