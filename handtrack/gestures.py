"""What gesture interfaces read off a hand, derived from its 21 joints in camera space (millimetres).

Everything here is a pure function of one pose's joints (``HandPose.joints_xyz_mm``, smoothed when the tracker
smooths) and its side; :func:`measure_hand` gathers it into :class:`HandMeasures` (``HandPose.measures``):

- palm centre (mm): the mean of the wrist and the five finger bases, the point the tracker re-crops around;
- hand direction: unit vector from the wrist to the middle finger's base;
- palm normal: unit vector out of the palm, the side the fingers curl towards (a right hand's and a left hand's
  joints are mirror images, so the side decides the sign; an unknown side counts as right, the pose models'
  own side);
- finger curl, per finger (thumb .. little): 0 straight, 1 curled into a fist; the sum of the angles by which
  the finger's bones turn away from the bone before them, over the sum of a fist (:data:`FULL_CURL_RAD`): for
  index to little at the MCP (against the metacarpal, wrist to the finger's base), PIP and DIP joints; for the
  thumb at its MCP and IP joints only (its base swings across the palm and away from it without curling); a
  finger counts as extended below :data:`EXTENDED_BELOW`;
- pinch distance (mm): thumb tip to index tip;
- grab strength: the mean curl of the four fingers (0 open hand, 1 fist).

How good these are follows from how good the joints are: the bundled early models put the palm and the hand's
direction in the right place more reliably than the fingertips (models/pwr-lite.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from handtrack.pose import FINGERS, Handedness, Joint, finger_joint_indices
from handtrack.preprocess.refine import palm_centre_mm

#: Total bend of a finger curled into a fist (radians): index to little about 80 + 95 + 65 degrees at MCP, PIP
#: and DIP; the thumb about 45 + 50 degrees at its MCP and IP joints.
FULL_CURL_RAD = np.array([95.0, 240.0, 240.0, 240.0, 240.0]) * math.pi / 180.0
#: A finger whose curl is below this counts as extended (60 degrees of bend for a finger, 24 for the thumb).
EXTENDED_BELOW = 0.25


@dataclass(frozen=True)
class HandMeasures:
    """One hand's gesture measures; vectors are (3,) float64 in camera space (x right, y down, z forward)."""

    palm_centre_mm: np.ndarray
    palm_normal: np.ndarray
    direction: np.ndarray
    finger_curl: np.ndarray  # (5,) thumb .. little, 0 straight .. 1 fist
    pinch_distance_mm: float
    grab_strength: float

    @property
    def extended(self) -> tuple[bool, ...]:
        """Per finger (thumb .. little): is it stretched out (curl below :data:`EXTENDED_BELOW`)?"""
        return tuple(bool(c < EXTENDED_BELOW) for c in self.finger_curl)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (the ``measures`` object of a hand in poses.jsonl and the stream)."""
        return {
            "palm_centre_mm": np.round(self.palm_centre_mm, 2).tolist(),
            "palm_normal": np.round(self.palm_normal, 4).tolist(),
            "direction": np.round(self.direction, 4).tolist(),
            "finger_curl": np.round(self.finger_curl, 3).tolist(),
            "extended": list(self.extended),
            "pinch_distance_mm": round(self.pinch_distance_mm, 2),
            "grab_strength": round(self.grab_strength, 3),
        }


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = math.sqrt(float(vector @ vector))
    return vector / norm if norm > 1e-9 else np.zeros(3)


def _joints(joints_xyz_mm: np.ndarray) -> np.ndarray:
    joints = np.asarray(joints_xyz_mm, dtype=np.float64)
    if joints.shape != (21, 3):
        raise ValueError(f"expected (21, 3) joints, got {joints.shape}")
    return joints


def hand_direction(joints_xyz_mm: np.ndarray) -> np.ndarray:
    """(3,) unit vector from the wrist to the middle finger's base."""
    joints = _joints(joints_xyz_mm)
    return _unit(joints[Joint.MIDDLE_MCP] - joints[Joint.WRIST])


def palm_normal(joints_xyz_mm: np.ndarray, handedness: Handedness = Handedness.RIGHT) -> np.ndarray:
    """(3,) unit vector out of the palm: across the knuckles (little to index base) crossed with the hand's
    direction for a right hand, the opposite for a left one (mirror images)."""
    joints = _joints(joints_xyz_mm)
    direction = hand_direction(joints)
    across = joints[Joint.INDEX_MCP] - joints[Joint.LITTLE_MCP]
    ax, ay, az = across
    dx, dy, dz = direction
    normal = _unit(np.array([ay * dz - az * dy, az * dx - ax * dz, ax * dy - ay * dx]))  # across x direction
    return -normal if handedness == Handedness.LEFT else normal


#: (5, 5) joint indices of each finger's chain: the wrist, MCP, PIP, DIP, TIP (from the metacarpal on, so that the
#: bend at the MCP joint counts; the thumb's first entry is replaced in :func:`finger_curl`).
_CHAINS = np.array([[int(Joint.WRIST), *finger_joint_indices(f)] for f in FINGERS])


def finger_curl(joints_xyz_mm: np.ndarray) -> np.ndarray:
    """(5,) thumb .. little: each finger's total bend over a fist's (:data:`FULL_CURL_RAD`), clipped to 0..1."""
    joints = _joints(joints_xyz_mm)
    chains = joints[_CHAINS]  # (5, 5, 3)
    # the thumb's chain starts with its first bone's own extension backwards: no bend counted at the CMC
    chains[0, 0] = 2.0 * chains[0, 1] - chains[0, 2]
    bones = np.diff(chains, axis=1)
    bones /= np.maximum(np.sqrt(np.einsum("fki,fki->fk", bones, bones)), 1e-9)[..., None]
    cosines = np.clip(np.einsum("fki,fki->fk", bones[:, :-1], bones[:, 1:]), -1.0, 1.0)
    return np.clip(np.arccos(cosines).sum(axis=1) / FULL_CURL_RAD, 0.0, 1.0)


def pinch_distance_mm(joints_xyz_mm: np.ndarray) -> float:
    """Thumb tip to index tip (mm)."""
    joints = _joints(joints_xyz_mm)
    gap = joints[Joint.THUMB_TIP] - joints[Joint.INDEX_TIP]
    return math.sqrt(float(gap @ gap))


def measure_hand(joints_xyz_mm: np.ndarray, handedness: Handedness = Handedness.RIGHT) -> HandMeasures:
    """All of the above for one (21, 3) pose in millimetres."""
    joints = _joints(joints_xyz_mm)
    curl = finger_curl(joints)
    return HandMeasures(palm_centre_mm(joints), palm_normal(joints, handedness), hand_direction(joints), curl,
                        pinch_distance_mm(joints), float(curl[1:].mean()))
