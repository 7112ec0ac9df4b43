"""Temporal smoothing of joints: the One Euro filter (Casiez, Roussel, Vogel, CHI 2012), per coordinate.

Low cutoff (strong smoothing) while a hand is still, rising with speed so that fast motion is not delayed:
cutoff = min_cutoff + beta * |speed|, with the speed itself low-pass filtered at d_cutoff. Units: millimetres
and seconds (cutoffs in Hz, beta in Hz per mm/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from handtrack.geometry import project_points_to_pixels
from handtrack.pose import HandPose
from handtrack.types import Intrinsics


@dataclass(frozen=True)
class OneEuroConfig:
    min_cutoff_hz: float = 1.0
    beta: float = 0.05
    d_cutoff_hz: float = 1.0


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Filters arrays of a fixed shape (e.g. (21, 3) joints) sample by sample."""

    def __init__(self, config: OneEuroConfig = OneEuroConfig()) -> None:
        self.config = config
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or t_s <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        dx = (x - self._x) / dt
        self._dx = self._dx + _alpha(self.config.d_cutoff_hz, dt) * (dx - self._dx)
        cutoff = self.config.min_cutoff_hz + self.config.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, dt) * (x - self._x)
        self._t = t_s
        return self._x.copy()


class PoseSmoother:
    """Smooths each tracked hand's joints (camera space) and re-projects them; forgets a hand when it is lost."""

    def __init__(self, config: OneEuroConfig = OneEuroConfig()) -> None:
        self.config = config
        self._filters: list[OneEuroFilter] = []

    def reset(self) -> None:
        """Forget every hand: the next poses start new filters."""
        self._filters = []

    def __call__(self, hands: list[HandPose], timestamp_ms: float, intrinsics: Intrinsics) -> list[HandPose]:
        if len(hands) != len(self._filters):
            self._filters = [OneEuroFilter(self.config) for _ in hands]
        for hand, filt in zip(hands, self._filters):
            xyz = filt(hand.joints_xyz_mm, timestamp_ms / 1000.0)
            uv = project_points_to_pixels(xyz, intrinsics)
            hand.joints_xyz_mm = xyz.astype(np.float32)
            hand.joints_uvd = np.column_stack([uv, xyz[:, 2]]).astype(np.float32)
        return hands
