"""The 21-joint hand layout and the :class:`HandPose` result type.

Joint order (0..20), the same order as MediaPipe Hands so that code written for it maps one to one:
wrist; then thumb, index, middle, ring, little finger, each from the palm outwards as MCP, PIP, DIP, TIP.
For the thumb these four are, anatomically, the CMC, MCP and IP joints and the tip; the uniform names keep
indexing regular (``finger * 4 + 1 + k``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from handtrack.gestures import HandMeasures

FINGERS: tuple[str, ...] = ("thumb", "index", "middle", "ring", "little")
FINGER_JOINTS: tuple[str, ...] = ("mcp", "pip", "dip", "tip")


class Joint(enum.IntEnum):
    """Index of each joint in every (21, ...) joint array of this project."""

    WRIST = 0
    THUMB_MCP = 1
    THUMB_PIP = 2
    THUMB_DIP = 3
    THUMB_TIP = 4
    INDEX_MCP = 5
    INDEX_PIP = 6
    INDEX_DIP = 7
    INDEX_TIP = 8
    MIDDLE_MCP = 9
    MIDDLE_PIP = 10
    MIDDLE_DIP = 11
    MIDDLE_TIP = 12
    RING_MCP = 13
    RING_PIP = 14
    RING_DIP = 15
    RING_TIP = 16
    LITTLE_MCP = 17
    LITTLE_PIP = 18
    LITTLE_DIP = 19
    LITTLE_TIP = 20


NUM_JOINTS = len(Joint)
JOINT_NAMES: tuple[str, ...] = tuple(j.name.lower() for j in Joint)


def finger_joint_indices(finger: str) -> tuple[int, int, int, int]:
    """Joint indices (MCP, PIP, DIP, TIP) of a finger named as in :data:`FINGERS`."""
    start = 1 + FINGERS.index(finger) * 4
    return (start, start + 1, start + 2, start + 3)


def skeleton_bones() -> list[tuple[int, int]]:
    """(parent, child) joint index pairs: wrist -> each MCP, then along each finger."""
    bones: list[tuple[int, int]] = []
    for finger in FINGERS:
        mcp, pip, dip, tip = finger_joint_indices(finger)
        bones += [(Joint.WRIST, mcp), (mcp, pip), (pip, dip), (dip, tip)]
    return [(int(a), int(b)) for a, b in bones]


class Handedness(str, enum.Enum):
    LEFT = "left"
    RIGHT = "right"
    UNKNOWN = "unknown"


@dataclass
class HandPose:
    """One tracked hand in one frame.

    joints_uvd: (21, 3) float32 — image column (px), image row (px), depth (mm).
    joints_xyz_mm: (21, 3) float32 — camera space, millimetres (x right, y down, z forward).
    confidence: (21,) float32 in [0, 1], per joint.
    score: hand score in [0, 1].
    handedness / handedness_score: left or right and how sure.
    crop_box_px: (left, top, right, bottom) of the crop window in image pixels.
    timings_ms: per-stage latency of the frame that produced this pose.
    """

    joints_uvd: np.ndarray
    joints_xyz_mm: np.ndarray
    confidence: np.ndarray
    score: float
    handedness: Handedness = Handedness.UNKNOWN
    handedness_score: float = 0.0
    crop_box_px: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("joints_uvd", "joints_xyz_mm"):
            arr = np.asarray(getattr(self, name), dtype=np.float32)
            if arr.shape != (NUM_JOINTS, 3):
                raise ValueError(f"{name} must have shape ({NUM_JOINTS}, 3), got {arr.shape}")
            setattr(self, name, arr)
        conf = np.asarray(self.confidence, dtype=np.float32)
        if conf.shape != (NUM_JOINTS,):
            raise ValueError(f"confidence must have shape ({NUM_JOINTS},), got {conf.shape}")
        self.confidence = conf

    def joint_xyz_mm(self, joint: Joint) -> np.ndarray:
        """(3,) camera-space position of one joint in millimetres."""
        return self.joints_xyz_mm[int(joint)]

    @property
    def measures(self) -> HandMeasures:
        """What gesture interfaces read off this hand (palm centre, normal and direction, finger curl and
        extension, pinch distance, grab strength), from its joints as they are now: :mod:`handtrack.gestures`."""
        from handtrack.gestures import measure_hand

        return measure_hand(self.joints_xyz_mm, self.handedness)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the per-hand object of the replay JSONL and the network stream)."""
        return {
            "handedness": self.handedness.value,
            "handedness_score": round(float(self.handedness_score), 4),
            "score": round(float(self.score), 4),
            "joints_xyz_mm": np.round(self.joints_xyz_mm, 2).tolist(),
            "joints_uvd": np.round(self.joints_uvd, 2).tolist(),
            "confidence": np.round(self.confidence, 4).tolist(),
            "crop_box_px": [round(float(v), 2) for v in self.crop_box_px],
            "measures": self.measures.to_dict(),
        }
