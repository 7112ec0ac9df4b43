"""The pose prior: named gestures with noise, and random poses inside the joint limits.

Angles follow :mod:`handtrack.synth.hand` (per finger: base flexion, abduction, middle flexion, last flexion;
radians). DIP flexion is coupled to PIP flexion (about two thirds of it) as in real fingers.
"""

from __future__ import annotations

import math

import numpy as np

from handtrack.pose import FINGERS
from handtrack.synth.hand import LIMITS

_D = math.pi / 180.0


def _pose(thumb: tuple[float, ...], index: tuple[float, ...], middle: tuple[float, ...], ring: tuple[float, ...],
          little: tuple[float, ...]) -> np.ndarray:
    return np.array([thumb, index, middle, ring, little], dtype=np.float64).reshape(20) * _D


OPEN = (0, 0, 0, 0)
CURLED = (80, 0, 95, 65)
GESTURES: dict[str, np.ndarray] = {
    "open": _pose((0, 10, 0, 0), (0, 10, 0, 0), OPEN, (0, -8, 0, 0), (0, -15, 0, 0)),
    "fist": _pose((45, 5, 45, 50), CURLED, CURLED, CURLED, CURLED),
    "point": _pose((40, 5, 40, 45), (0, 0, 0, 0), CURLED, CURLED, CURLED),
    "pinch": _pose((35, 25, 25, 25), (35, 0, 45, 30), (10, 0, 10, 5), (5, 0, 5, 5), (0, -5, 0, 0)),
    "ok": _pose((35, 25, 25, 30), (45, 0, 60, 40), (5, 0, 5, 5), (5, -5, 5, 5), (5, -10, 5, 5)),
    "victory": _pose((45, 5, 45, 50), (0, 12, 0, 0), (0, -8, 0, 0), CURLED, CURLED),
    "thumbs_up": _pose((-10, 30, 0, 0), CURLED, CURLED, CURLED, CURLED),
    "grasp": _pose((30, 30, 20, 20), (40, 5, 45, 30), (40, 0, 45, 30), (40, -5, 45, 30), (40, -10, 45, 30)),
}


def _limits() -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([[LIMITS[f][k][0] for k in range(4)] for f in FINGERS]).reshape(20)
    hi = np.array([[LIMITS[f][k][1] for k in range(4)] for f in FINGERS]).reshape(20)
    return lo, hi


def clamp_to_limits(angles: np.ndarray) -> np.ndarray:
    lo, hi = _limits()
    return np.clip(angles, lo, hi)


def random_pose(rng: np.random.Generator) -> np.ndarray:
    """Uniform inside the limits, with DIP flexion tied to PIP flexion (2/3, +-15 degrees)."""
    lo, hi = _limits()
    angles = rng.uniform(lo, hi)
    a = angles.reshape(5, 4)
    a[1:, 3] = a[1:, 2] * 2.0 / 3.0 + rng.uniform(-15, 15, 4) * _D
    return clamp_to_limits(angles)


def gesture_pose(name: str, rng: np.random.Generator, noise_deg: float = 10.0) -> np.ndarray:
    return clamp_to_limits(GESTURES[name] + rng.normal(0.0, noise_deg * _D, 20))


def sample_pose(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """(angles (20,), where it came from): half named gestures with noise, half random poses.
    (Real captured poses come from a pose bank, see :mod:`handtrack.synth.posebank` and ``sample_scene``.)"""
    if rng.random() < 0.5:
        name = list(GESTURES)[rng.integers(len(GESTURES))]
        return gesture_pose(name, rng), name
    return random_pose(rng), "random"
