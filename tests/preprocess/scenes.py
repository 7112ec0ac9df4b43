"""Hand-shaped test scenes: a ray-cast depth image of a sphere-built hand with a forearm, optionally a body
plane behind it, with the true palm centre known. Used until the synthetic generator exists."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handtrack.geometry import pixel_rays
from handtrack.types import Frame, Intrinsics

SCENE_INTRINSICS = Intrinsics(640, 480, 476.0, 476.0, 313.7, 242.8)


@dataclass
class Scene:
    frame: Frame
    palm_centre_mm: np.ndarray  # (3,) camera space
    spheres: np.ndarray  # (N, 4) x, y, z, radius in camera space


def _segment(a: np.ndarray, b: np.ndarray, r_a: float, r_b: float, spacing: float = 3.0) -> list[np.ndarray]:
    n = max(2, int(np.linalg.norm(b - a) / spacing) + 1)
    return [np.r_[a + (b - a) * t, r_a + (r_b - r_a) * t] for t in np.linspace(0.0, 1.0, n)]


def hand_spheres(rng: np.random.Generator, curl: float) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) spheres of a right hand in its own frame (palm in the x-y plane, fingers +y, palm faces -z),
    and the palm centre. ``curl`` in [0, 1]: 0 open, 1 fist."""
    spheres: list[np.ndarray] = []
    # Palm: a rounded slab about 85 x 95 x 30 mm.
    for x in np.linspace(-30, 30, 4):
        for y in np.linspace(-35, 35, 5):
            spheres.append(np.array([x, y, 0.0, 15.0]))
    palm_centre = np.array([0.0, 0.0, 0.0])
    mcps = [np.array([-45.0, -15.0, 0.0])] + [np.array([x, 45.0, 0.0]) for x in (-28.0, -9.0, 10.0, 28.0)]
    lengths = [(35, 30, 28), (42, 25, 20), (46, 28, 22), (43, 27, 21), (34, 20, 18)]
    radii = [11.0, 9.0, 9.5, 9.0, 8.0]
    for i, (mcp, segs, r) in enumerate(zip(mcps, lengths, radii)):
        base_dir = np.array([-0.8, 0.6, 0.0]) if i == 0 else np.array([0.0, 1.0, 0.0])
        pos, direction = mcp, base_dir / np.linalg.norm(base_dir)
        flex = curl * rng.uniform(0.6, 1.0) * (np.pi / 2.2) + rng.uniform(-0.1, 0.2)
        for k, length in enumerate(segs):
            angle = flex * (1.0 if k else 0.8)
            # Bend towards the palm side (-z) about the axis across the finger.
            axis = np.cross(direction, np.array([0.0, 0.0, -1.0]))
            axis = axis / (np.linalg.norm(axis) + 1e-9)
            direction = _rotate(direction, axis, -angle)
            end = pos + direction * length
            spheres += _segment(pos, end, r * (1 - 0.08 * k), r * (1 - 0.08 * (k + 1)))
            pos = end
    # Forearm: from the wrist (palm bottom) 260 mm back along -y, widening.
    spheres += _segment(np.array([0.0, -50.0, 0.0]), np.array([0.0, -310.0, 5.0]), 26.0, 34.0, spacing=6.0)
    return np.array(spheres), palm_centre


def _rotate(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    return (v * np.cos(angle) + np.cross(axis, v) * np.sin(angle) + axis * np.dot(axis, v) * (1 - np.cos(angle)))


def _rotation_matrix(rng: np.random.Generator) -> np.ndarray:
    """Random hand orientation: palm roughly towards the camera or sideways, forearm pointing away/down."""
    yaw, pitch, roll = rng.uniform(-1.0, 1.0), rng.uniform(-1.4, 1.4), rng.uniform(-1.2, 1.2)
    cz, sz, cy, sy, cx, sx = np.cos(roll), np.sin(roll), np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    flip = np.diag([1.0, -1.0, 1.0])  # fingers up in the image (camera y points down)
    return rz @ ry @ rx @ flip


def render_depth_mm(spheres: np.ndarray, intrinsics: Intrinsics, plane_z_mm: float | None = None) -> np.ndarray:
    """(H, W) float32 depth of the nearest sphere surface along each pixel ray (0 = nothing), plus an optional
    fronto-parallel plane at ``plane_z_mm``."""
    rays = pixel_rays(intrinsics)
    h, w = rays.shape[:2]
    depth = np.full((h, w), np.inf, dtype=np.float64)
    if plane_z_mm is not None:
        depth[:] = plane_z_mm
    for x, y, z, r in spheres:
        if z - r <= 0:
            continue
        u0 = (x - r) / z * intrinsics.fx + intrinsics.ppx
        u1 = (x + r) / z * intrinsics.fx + intrinsics.ppx
        v0 = (y - r) / z * intrinsics.fy + intrinsics.ppy
        v1 = (y + r) / z * intrinsics.fy + intrinsics.ppy
        margin = r / z * intrinsics.fx * 0.5 + 2
        c0, c1 = int(max(0, np.floor(min(u0, u1) - margin))), int(min(w, np.ceil(max(u0, u1) + margin)))
        r0, r1 = int(max(0, np.floor(min(v0, v1) - margin))), int(min(h, np.ceil(max(v0, v1) + margin)))
        if c0 >= c1 or r0 >= r1:
            continue
        d = np.concatenate([rays[r0:r1, c0:c1], np.ones((r1 - r0, c1 - c0, 1), np.float32)], axis=-1)
        # Ray p = t * d (z component of d is 1, so t is depth): |t d - c|^2 = r^2.
        a = np.sum(d * d, axis=-1)
        b = d @ np.array([x, y, z])
        disc = b * b - a * (x * x + y * y + z * z - r * r)
        hit = disc > 0
        t = np.where(hit, (b - np.sqrt(np.maximum(disc, 0))) / a, np.inf)
        depth[r0:r1, c0:c1] = np.minimum(depth[r0:r1, c0:c1], t)
    depth[~np.isfinite(depth)] = 0
    return depth.astype(np.float32)


def make_scene(seed: int, intrinsics: Intrinsics = SCENE_INTRINSICS, body: bool = True,
               offset_mm: np.ndarray | None = None, unit_mm: float = 0.125) -> Scene:
    """A random hand 300-800 mm away (optionally offset), a body plane 180-300 mm behind it."""
    rng = np.random.default_rng(seed)
    local, palm = hand_spheres(rng, curl=rng.uniform(0, 1))
    rot = _rotation_matrix(rng)
    while not 0.3 <= (rot @ np.array([0.0, -1.0, 0.0]))[2] <= 0.95:  # the forearm recedes towards the body
        rot = _rotation_matrix(rng)
    z = rng.uniform(300, 800)
    xy_limit = 0.25 * z
    centre = np.array([rng.uniform(-xy_limit, xy_limit), rng.uniform(-xy_limit, xy_limit), z])
    if offset_mm is not None:
        centre = centre + offset_mm
    spheres = local.copy()
    spheres[:, :3] = local[:, :3] @ rot.T + centre
    palm_cam = rot @ palm + centre
    plane = z + rng.uniform(180, 300) if body else None
    depth_mm = render_depth_mm(spheres, intrinsics, plane)
    raw = np.round(depth_mm / unit_mm).astype(np.uint16)
    return Scene(Frame(raw, unit_mm, intrinsics, 0.0, seed, "test scene"), palm_cam, spheres)


def two_hands_scene(seed: int = 5, arm_recedes_mm: float = 200.0) -> tuple[Frame, list[np.ndarray]]:
    """Two open right hands side by side 550 mm away, palms to the camera, forearms receding by
    ``arm_recedes_mm`` (over 250: into the wall, which joins the two hands' surfaces), a wall at 800 mm. Returns
    the frame (1 mm units) and the two palm centres (left one first)."""
    rng = np.random.default_rng(seed)
    spheres, palms = [], []
    flip = np.diag([1.0, -1.0, 1.0])  # fingers up in the image
    for x in (-170.0, 170.0):
        local, palm = hand_spheres(rng, curl=0.2)
        placed = local.copy()
        placed[:, :3] = local[:, :3] @ flip.T + np.array([x, 0.0, 550.0])
        placed[-44:, 2] += np.linspace(0, arm_recedes_mm, 44)  # forearms recede
        spheres.append(placed)
        palms.append(flip @ palm + np.array([x, 0.0, 550.0]))
    depth = render_depth_mm(np.vstack(spheres), SCENE_INTRINSICS, plane_z_mm=800.0)
    return Frame(np.round(depth).astype(np.uint16), 1.0, SCENE_INTRINSICS, 0.0, 0, "two hands"), palms


#: a torso (a capsule 150 mm thick running 450 mm down, leaning back 40 mm), its front at 550 mm
TORSO_SPHERES = np.array([np.r_[np.array([0.0, -200.0, 700.0]) + np.array([0.0, 450.0, 40.0]) * t, 150.0]
                          for t in np.linspace(0.0, 1.0, 46)])


def spheres_frame(spheres: np.ndarray) -> Frame:
    """The frame (1 mm units) of (N, 4) spheres (x, y, z, radius in mm)."""
    return Frame(np.round(render_depth_mm(spheres, SCENE_INTRINSICS)).astype(np.uint16), 1.0, SCENE_INTRINSICS,
                 0.0, 0)


def hand_touching_torso(seed: int, gap_mm: float) -> tuple[Frame, np.ndarray]:
    """The hand of ``make_scene(seed)`` with its palm centre ``gap_mm`` in front of TORSO_SPHERES' front (40 mm to the
    side of its middle), its arm running into it: the frame (1 mm units) and the palm centre (mm)."""
    placed = make_scene(seed, body=False)
    target = np.array([-40.0, 0.0, 570.0 - gap_mm])
    hand = make_scene(seed, body=False, offset_mm=target - placed.palm_centre_mm)
    return spheres_frame(np.vstack([TORSO_SPHERES, hand.spheres])), hand.palm_centre_mm


#: synthetic frames (SyntheticSource seed, index; SR305, anatomical palm) of an arm held out from a torso, its hand
#: level with it: one surface with the torso, which the localiser rejects as a body
ARM_HELD_OUT = [(9, 108), (11, 120), (11, 223), (12, 40), (12, 96)]
