"""A kinematic right hand: 21 joints from joint angles, batched in torch.

Hand frame (millimetres): origin at the wrist, +y along the fingers of the flat hand, +x towards the thumb,
+z out of the palm (fingers flex towards +z). Seen from the camera with the palm facing it and the fingers
up, this is x right, y up, z towards the camera.

Angles per finger (radians): MCP flexion, MCP abduction (towards the thumb positive), PIP flexion, DIP
flexion; for the thumb the same four slots drive CMC flexion (across the palm), CMC abduction (away from the
palm), MCP flexion and IP flexion. Joint limits are in :data:`LIMITS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from handtrack.pose import FINGERS

# Rest-pose geometry of an average adult right hand (wrist to middle fingertip 188 mm). Phalanx lengths follow
# published anthropometry (index 44.9 / 24.9 / 22.1 mm in the Intel hand model) with 2-4 mm of pulp added to
# the distal segment so that the tip is the end of the finger, not the last joint.
MCP_MM = {  # finger base (thumb: CMC) in the hand frame
    "thumb": (24.0, 22.0, 6.0), "index": (24.0, 86.0, 0.0), "middle": (3.0, 89.0, 0.0),
    "ring": (-16.0, 84.0, 0.0), "little": (-33.0, 75.0, 0.0),
}
PHALANX_MM = {
    "thumb": (46.0, 32.0, 27.0), "index": (45.0, 25.0, 24.0), "middle": (49.0, 29.0, 25.0),
    "ring": (46.0, 27.0, 24.0), "little": (36.0, 21.0, 22.0),
}
RADIUS_MM = {  # per segment, proximal to distal
    "thumb": (11.5, 10.0, 9.0), "index": (9.5, 8.5, 7.5), "middle": (10.0, 9.0, 8.0),
    "ring": (9.5, 8.5, 7.5), "little": (8.5, 7.5, 7.0),
}
REST_DIRECTION = {  # unit direction of the first segment in the flat hand
    "thumb": (0.75, 0.62, 0.23), "index": (0.08, 1.0, 0.0), "middle": (0.0, 1.0, 0.0),
    "ring": (-0.07, 1.0, 0.0), "little": (-0.16, 1.0, 0.0),
}
REFERENCE_HAND_LENGTH_MM = 188.0

_DEG = math.pi / 180.0
#: (min, max) per angle slot, radians: MCP flexion, abduction, PIP flexion, DIP flexion (thumb: see module doc)
LIMITS = {
    "thumb": ((-20 * _DEG, 60 * _DEG), (-15 * _DEG, 45 * _DEG), (-10 * _DEG, 60 * _DEG), (-15 * _DEG, 80 * _DEG)),
    "index": ((-25 * _DEG, 90 * _DEG), (-20 * _DEG, 20 * _DEG), (0.0, 110 * _DEG), (-5 * _DEG, 80 * _DEG)),
    "middle": ((-25 * _DEG, 90 * _DEG), (-15 * _DEG, 15 * _DEG), (0.0, 110 * _DEG), (-5 * _DEG, 80 * _DEG)),
    "ring": ((-25 * _DEG, 90 * _DEG), (-15 * _DEG, 20 * _DEG), (0.0, 110 * _DEG), (-5 * _DEG, 80 * _DEG)),
    "little": ((-25 * _DEG, 90 * _DEG), (-20 * _DEG, 25 * _DEG), (0.0, 110 * _DEG), (-5 * _DEG, 80 * _DEG)),
}
N_ANGLES = 20


@dataclass
class HandShape:
    """Per-hand geometry, batched: mcp (B, 5, 3) mm, phalanx (B, 5, 3) mm, radius (B, 5, 3) mm,
    palm_thickness (B,) mm, scale (B,) = hand length / the reference 188 mm, palm_flesh (B,): how far the
    anatomical palm's soft edges (the hypothenar along the little-finger side) reach out, 1 = average."""

    mcp: torch.Tensor
    phalanx: torch.Tensor
    radius: torch.Tensor
    palm_thickness: torch.Tensor
    scale: torch.Tensor
    palm_flesh: torch.Tensor


@cache
def _table(name: str) -> torch.Tensor:
    """(5, k) float32 per-finger constants ("mcp", "phalanx", "radius", "rest"), built once: sampling a hand
    must be cheap. Callers must not modify the tensor."""
    values = {"mcp": MCP_MM, "phalanx": PHALANX_MM, "radius": RADIUS_MM, "rest": REST_DIRECTION}[name]
    return torch.tensor([values[f] for f in FINGERS], dtype=torch.float32)


def sample_shapes(n: int, generator: torch.Generator, length_mm: tuple[float, float] = (165.0, 205.0)) -> HandShape:
    """Random adult hands: overall length uniform in ``length_mm``, each finger's proportions +-5 %,
    thickness +-10 %, the palm's soft edges +-30 % (drawn last, so that the other draws of a seed are those of
    the generators before it)."""
    scale = torch.empty(n).uniform_(*length_mm, generator=generator) / REFERENCE_HAND_LENGTH_MM
    finger_var = 1.0 + 0.05 * (2 * torch.rand(n, 5, 1, generator=generator) - 1)
    thick_var = 1.0 + 0.10 * (2 * torch.rand(n, 1, 1, generator=generator) - 1)
    mcp = _table("mcp")[None] * scale[:, None, None]
    phalanx = _table("phalanx")[None] * scale[:, None, None] * finger_var
    radius = _table("radius")[None] * scale[:, None, None] * thick_var
    palm_thickness = 28.0 * scale * thick_var[:, 0, 0]
    palm_flesh = 1.0 + 0.30 * (2 * torch.rand(n, generator=generator) - 1)
    return HandShape(mcp, phalanx, radius, palm_thickness, scale, palm_flesh)


def _axis_angle(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """(..., 3) unit axes and (...) angles -> (..., 3, 3) rotation matrices (Rodrigues)."""
    x, y, z = axis.unbind(-1)
    c, s = torch.cos(angle), torch.sin(angle)
    one = 1 - c
    return torch.stack([
        torch.stack([c + x * x * one, x * y * one - z * s, x * z * one + y * s], -1),
        torch.stack([y * x * one + z * s, c + y * y * one, y * z * one - x * s], -1),
        torch.stack([z * x * one - y * s, z * y * one + x * s, c + z * z * one], -1),
    ], -2)


def forward_kinematics(angles: torch.Tensor, shape: HandShape) -> torch.Tensor:
    """(B, 20) angles -> (B, 21, 3) joints in the hand frame (order of :class:`handtrack.pose.Joint`)."""
    b = angles.shape[0]
    a = angles.view(b, 5, 4)
    rest = torch.nn.functional.normalize(_table("rest"), dim=-1)[None].expand(b, 5, 3)
    palm_normal = torch.tensor([0.0, 0.0, 1.0]).expand(b, 5, 3)
    # Flexion axis: across the finger, so that positive flexion bends towards the palm (+z).
    flex_axis = torch.nn.functional.normalize(torch.cross(rest, palm_normal, dim=-1), dim=-1)
    # The thumb's CMC flexion swings it across the palm: about an axis near the palm normal.
    is_thumb = torch.zeros(1, 5, 1)
    is_thumb[0, 0, 0] = 1.0
    abd_axis = palm_normal * (1 - is_thumb) + flex_axis * is_thumb  # thumb: abduction lifts it off the palm
    cmc_axis = torch.nn.functional.normalize(torch.tensor([0.2, -0.3, 1.0]), dim=0).expand(b, 5, 3)
    base_flex_axis = flex_axis * (1 - is_thumb) + cmc_axis * is_thumb
    rot = _axis_angle(abd_axis, a[..., 1]) @ _axis_angle(base_flex_axis, a[..., 0])
    joints = [torch.zeros(b, 3)]
    per_finger = []
    for k in range(3):
        if k > 0:
            bend_axis = torch.einsum("bfij,bfj->bfi", rot, flex_axis)
            rot = _axis_angle(bend_axis, a[..., 1 + k]) @ rot
        per_finger.append(torch.einsum("bfij,bfj->bfi", rot, rest) * shape.phalanx[..., k: k + 1])
    base = shape.mcp
    points = [base]
    for step in per_finger:
        points.append(points[-1] + step)
    stacked = torch.stack(points, dim=2)  # (B, 5, 4, 3): MCP, PIP, DIP, TIP
    joints.append(stacked.reshape(b, 20, 3))
    return torch.cat([joints[0][:, None], joints[1]], dim=1)


def _axis_angle_np(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """numpy twin of :func:`_axis_angle`: (..., 3) unit axes, (...) angles -> (..., 3, 3)."""
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    c, s = np.cos(angle), np.sin(angle)
    one = 1 - c
    out = np.empty(angle.shape + (3, 3))
    out[..., 0, 0], out[..., 0, 1], out[..., 0, 2] = c + x * x * one, x * y * one - z * s, x * z * one + y * s
    out[..., 1, 0], out[..., 1, 1], out[..., 1, 2] = y * x * one + z * s, c + y * y * one, y * z * one - x * s
    out[..., 2, 0], out[..., 2, 1], out[..., 2, 2] = z * x * one - y * s, z * y * one + x * s, c + z * z * one
    return out


def forward_kinematics_np(angles: np.ndarray, shape: HandShape) -> np.ndarray:
    """:func:`forward_kinematics` in numpy float64 (the same hand to about 1e-4 mm, several times faster for the
    one-hand batches of the CPU data generator): (B, 20) angles -> (B, 21, 3) joints in the hand frame."""
    b = angles.shape[0]
    a = np.asarray(angles, dtype=np.float64).reshape(b, 5, 4)
    rest = _table("rest").numpy().astype(np.float64)
    rest = np.broadcast_to(rest / np.linalg.norm(rest, axis=-1, keepdims=True), (b, 5, 3))
    palm_normal = np.broadcast_to(np.array([0.0, 0.0, 1.0]), (b, 5, 3))
    flex_axis = np.cross(rest, palm_normal)
    flex_axis = flex_axis / np.linalg.norm(flex_axis, axis=-1, keepdims=True)
    is_thumb = np.zeros((1, 5, 1))
    is_thumb[0, 0, 0] = 1.0
    abd_axis = palm_normal * (1 - is_thumb) + flex_axis * is_thumb
    cmc = np.array([0.2, -0.3, 1.0])
    cmc_axis = np.broadcast_to(cmc / np.linalg.norm(cmc), (b, 5, 3))
    base_flex_axis = flex_axis * (1 - is_thumb) + cmc_axis * is_thumb
    rot = _axis_angle_np(abd_axis, a[..., 1]) @ _axis_angle_np(base_flex_axis, a[..., 0])
    phalanx = shape.phalanx.numpy().astype(np.float64)
    points = [shape.mcp.numpy().astype(np.float64)]
    for k in range(3):
        if k > 0:
            bend_axis = np.einsum("bfij,bfj->bfi", rot, flex_axis)
            rot = _axis_angle_np(bend_axis, a[..., 1 + k]) @ rot
        points.append(points[-1] + np.einsum("bfij,bfj->bfi", rot, rest) * phalanx[..., k: k + 1])
    fingers = np.stack(points, axis=2).reshape(b, 20, 3)  # (B, 5, 4, 3): MCP, PIP, DIP, TIP per finger
    return np.concatenate([np.zeros((b, 1, 3)), fingers], axis=1)
