"""Real captured hand poses: Intel's hand-tracking sample pose bank (animbank.pose, 2,336 poses) turned into
21-joint hands in this project's hand frame.

The bank stores, per pose, 17 rigid bones (forearm, palm, 3 x 5 finger bones) as camera-space position of
each bone mesh's centre of mass (metres) and a unit quaternion (x y z w). The rig (model_hand.json) gives each
bone's mesh in its own frame; a bone's origin (its joint with the parent) is its position minus its rotated
mesh centre. The mesh centre is taken as the centroid of the rig's control-cage vertices, which differs from
the smoothed mesh's centre by a few millimetres at most. Fingertips are the far end of each distal bone's mesh
along its axis. The data is read from the user's copy (never shipped with the package).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from handtrack.errors import HandtrackError

#: bone index of each keypoint's joint, in this project's joint order (tip entries use the distal bone)
_ORIGIN_BONES = [1, 2, 3, 4, None, 5, 6, 7, None, 8, 9, 10, None, 11, 12, 13, None, 14, 15, 16, None]
_TIP_BONES = {4: 4, 8: 7, 12: 10, 16: 13, 20: 16}


def _quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(N, 4) x y z w -> (N, 3, 3)."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    x, y, z, w = q.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def bank_joints_camera_mm(bank_path: str | Path, rig_path: str | Path) -> np.ndarray:
    """(N, 21, 3) camera-space joints in millimetres, in this project's joint order."""
    bank_path, rig_path = Path(bank_path), Path(rig_path)
    for path in (bank_path, rig_path):
        if not path.is_file():
            raise HandtrackError(f"pose bank file not found: {path}")
    rig = json.loads(rig_path.read_text())
    cages = [np.asarray(c["verts"], dtype=np.float64) for c in rig["controlcages"]]
    centres = np.stack([c.mean(axis=0) for c in cages])  # (17, 3)
    tip_length = {b: float(cages[b][:, 2].max()) for b in _TIP_BONES.values()}
    rows = []
    for number, line in enumerate(bank_path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        values = line.split()
        if len(values) != 17 * 7:
            raise HandtrackError(f"{bank_path}:{number}: {len(values)} numbers, expected 119 (17 bones x 7)")
        rows.append(np.array(values, dtype=np.float64).reshape(17, 7))
    poses = np.stack(rows)  # (N, 17, 7)
    rot = _quat_to_matrix(poses[..., 3:].reshape(-1, 4)).reshape(len(poses), 17, 3, 3)
    origins = poses[..., :3] - np.einsum("nbij,bj->nbi", rot, centres)
    joints = np.zeros((len(poses), 21, 3))
    for k, bone in enumerate(_ORIGIN_BONES):
        if bone is not None:
            joints[:, k] = origins[:, bone]
    for k, bone in _TIP_BONES.items():
        joints[:, k] = origins[:, bone] + rot[:, bone, :, 2] * tip_length[bone]
    return joints * 1000.0


def to_hand_frame(joints_mm: np.ndarray) -> np.ndarray:
    """(N, 21, 3) camera-space joints -> the hand frame of :mod:`handtrack.synth.hand` (wrist at the origin,
    +y towards the middle MCP, +x towards the thumb side, +z out of the palm)."""
    from handtrack.pose import Joint

    wrist = joints_mm[:, Joint.WRIST]
    y = joints_mm[:, Joint.MIDDLE_MCP] - wrist
    y /= np.linalg.norm(y, axis=-1, keepdims=True)
    across = joints_mm[:, Joint.INDEX_MCP] - joints_mm[:, Joint.LITTLE_MCP]
    z = np.cross(across, y)
    z /= np.linalg.norm(z, axis=-1, keepdims=True)
    x = np.cross(y, z)
    frame = np.stack([x, y, z], axis=1)  # rows: the hand axes in camera space
    return np.einsum("nij,nkj->nki", frame, joints_mm - wrist[:, None])


def load_pose_bank(folder: str | Path) -> np.ndarray:
    """(N, 21, 3) hand-frame joints (mm) from a folder holding animbank.pose and model_hand.json."""
    folder = Path(folder)
    return to_hand_frame(bank_joints_camera_mm(folder / "animbank.pose", folder / "model_hand.json"))
