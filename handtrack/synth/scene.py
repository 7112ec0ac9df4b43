"""Random scenes of one hand (with its forearm) in front of a camera, optionally a body or a wall behind it,
as capsules in camera space with the ground-truth joints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from handtrack.pose import FINGERS, Joint, finger_joint_indices
from handtrack.synth.hand import REFERENCE_HAND_LENGTH_MM, HandShape, forward_kinematics, sample_shapes
from handtrack.synth.poses import sample_pose


#: wrist to middle fingertip of the flat hand of the pose bank's rig
BANK_HAND_LENGTH_MM = 183.6


@dataclass
class Scene:
    """joints_mm (21, 3) camera space; capsules: a, b (K, 3) ends, radii (K,); background: a plane
    (normal (3,), offset mm) or None; pose_source: which part of the prior the pose came from."""

    joints_mm: np.ndarray
    a: np.ndarray
    b: np.ndarray
    radii: np.ndarray
    plane: tuple[np.ndarray, float] | None
    pose_source: str

    @property
    def palm_centre_mm(self) -> np.ndarray:
        from handtrack.preprocess.refine import palm_centre_mm

        return palm_centre_mm(self.joints_mm)


def hand_capsules(joints: np.ndarray, shape: HandShape, index: int, forearm_mm: float) -> tuple[np.ndarray, ...]:
    """Capsules of one hand in its own frame: phalanges, palm (metacarpals, a bar across the knuckles, the
    thenar pad) and a forearm leaving along -y. Returns (a (K, 3), b (K, 3), radii (K,))."""
    a, b, r = [], [], []
    radius = shape.radius[index].numpy()
    palm_r = float(shape.palm_thickness[index]) / 2.0
    wrist = joints[Joint.WRIST]
    for f, finger in enumerate(FINGERS):
        mcp, pip, dip, tip = (joints[i] for i in finger_joint_indices(finger))
        for k, (p, q) in enumerate(((mcp, pip), (pip, dip), (dip, tip))):
            rk = float(radius[f, k])
            if k == 2:  # the tip joint is the end of the finger: the capsule's cap must end there
                direction = (q - p) / max(float(np.linalg.norm(q - p)), 1e-6)
                q = q - direction * rk
            a.append(p), b.append(q), r.append(rk)
        if finger != "thumb":  # metacarpal, inside the palm slab
            a.append(wrist + (mcp - wrist) * 0.15), b.append(mcp), r.append(palm_r)
    index_mcp, little_mcp = joints[Joint.INDEX_MCP], joints[Joint.LITTLE_MCP]
    a.append(index_mcp), b.append(little_mcp), r.append(palm_r * 0.9)
    a.append(wrist), b.append(joints[Joint.THUMB_MCP]), r.append(palm_r * 1.05)  # thenar pad
    across = (index_mcp - little_mcp) / max(float(np.linalg.norm(index_mcp - little_mcp)), 1e-6)
    a.append(wrist + across * 18.0), b.append(wrist - across * 18.0), r.append(palm_r * 0.95)
    a.append(wrist), b.append(wrist + np.array([0.0, -forearm_mm, 0.0])), r.append(palm_r * 1.8)  # forearm
    return np.array(a), np.array(b), np.array(r)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random rotation (3, 3) whose forearm direction (-y of the hand) points away from the camera
    (z component >= 0.15): the arm comes from a body behind the hand, or from below in a head-mounted view."""
    while True:
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        w, x, y, z = q
        rot = np.array([
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ])
        if (rot @ np.array([0.0, -1.0, 0.0]))[2] >= 0.15:
            return rot


def sample_scene(rng: np.random.Generator, fov_tan: tuple[float, float] = (0.62, 0.48),
                 distance_mm: tuple[float, float] = (250.0, 900.0), bank: np.ndarray | None = None) -> Scene:
    """One random scene: hand shape, pose, orientation, position (palm centre inside the view), background.

    fov_tan: half field of view as tangents (x, y); the palm centre stays within 80 % of it.
    bank: (N, 21, 3) real poses in the hand frame (:func:`handtrack.synth.posebank.load_pose_bank`); when
    given, half of the poses come from it.
    """
    seed = int(rng.integers(2**31))
    shape = sample_shapes(1, torch.Generator().manual_seed(seed))
    if bank is not None and len(bank) and rng.random() < 0.5:
        # A real captured pose, scaled to this hand's size.
        local = bank[rng.integers(len(bank))] * float(shape.scale[0]) * (REFERENCE_HAND_LENGTH_MM / BANK_HAND_LENGTH_MM)
        source = "bank"
    else:
        angles, source = sample_pose(rng)
        local = forward_kinematics(torch.tensor(angles[None], dtype=torch.float32), shape)[0].numpy()
    local = local.astype(np.float64)
    a, b, r = hand_capsules(local, shape, 0, forearm_mm=float(rng.uniform(180, 320)))
    rot = random_rotation(rng)
    from handtrack.preprocess.refine import palm_centre_mm

    palm_local = palm_centre_mm(local)
    z = rng.uniform(*distance_mm)
    target = np.array([rng.uniform(-0.8, 0.8) * fov_tan[0] * z, rng.uniform(-0.8, 0.8) * fov_tan[1] * z, z])
    offset = target - rot @ palm_local
    joints = local @ rot.T + offset
    a, b = a @ rot.T + offset, b @ rot.T + offset
    plane = None
    kind = rng.random()
    if kind < 0.35:  # a wall or a torso-like plane behind the hand, roughly facing the camera
        normal = np.array([rng.normal(0, 0.15), rng.normal(0, 0.15), -1.0])
        normal /= np.linalg.norm(normal)
        depth = z + rng.uniform(120, 500)
        plane = (normal, float(normal @ np.array([0.0, 0.0, depth])))
    elif kind < 0.6:  # a body: a big capsule (torso) below/behind the forearm's end
        torso_top = b[-1] + np.array([rng.uniform(-80, 80), rng.uniform(-40, 120), rng.uniform(60, 200)])
        torso = np.array([[torso_top, torso_top + np.array([0.0, 450.0, 40.0])]])
        a = np.vstack([a, torso[:, 0]])
        b = np.vstack([b, torso[:, 1]])
        r = np.append(r, rng.uniform(130, 170))
    return Scene(joints, a, b, r, plane, source)
