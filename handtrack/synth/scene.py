"""Random scenes of one hand (with its forearm) in front of a camera, optionally a body or a wall behind it,
as capsules in camera space with the ground-truth joints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from handtrack.pose import FINGERS, Joint, finger_joint_indices
from handtrack.synth.hand import (
    REFERENCE_HAND_LENGTH_MM,
    HandShape,
    forward_kinematics,
    forward_kinematics_np,
    sample_shapes,
)
from handtrack.synth.poses import sample_pose
from handtrack.types import Intrinsics

#: wrist to middle fingertip of the flat hand of the pose bank's rig
BANK_HAND_LENGTH_MM = 183.6


@dataclass
class Scene:
    """joints_mm (21, 3) camera space; capsules: a, b (K, 3) ends, radii (K,), the last ``background_capsules`` of
    them no part of the hand or its arm (a torso); background: a plane (normal (3,), offset mm) or None;
    pose_source: which part of the prior the pose came from."""

    joints_mm: np.ndarray
    a: np.ndarray
    b: np.ndarray
    radii: np.ndarray
    plane: tuple[np.ndarray, float] | None
    pose_source: str
    background_capsules: int = 0

    def without_hand(self) -> Scene:
        """The scene's background alone (the torso, the wall), without the hand and its arm: a frame with no hand
        to find (the joints stay, for reference)."""
        k = len(self.radii) - self.background_capsules
        return replace(self, a=self.a[k:], b=self.b[k:], radii=self.radii[k:], pose_source="no hand")

    def with_hand_moved(self, move: Callable[[np.ndarray], np.ndarray]) -> Scene:
        """The scene with ``move`` ((N, 3) mm -> (N, 3) mm) applied to its hand, arm and joints; the background
        (the torso, the wall) stays."""
        hand = len(self.radii) - self.background_capsules  # the hand's and arm's capsules come first
        a, b = self.a.copy(), self.b.copy()
        a[:hand], b[:hand] = move(a[:hand]), move(b[:hand])
        return replace(self, joints_mm=move(self.joints_mm), a=a, b=b)

    @property
    def palm_centre_mm(self) -> np.ndarray:
        from handtrack.preprocess.refine import palm_centre_mm

        return palm_centre_mm(self.joints_mm)


#: Palm geometries: "anatomical" (palm side with the thenar and hypothenar eminences, the pad under the knuckles
#: and the hollow between them, a flatter back), "symmetric" (the first generator's palm, the same seen from
#: either side; the fixed validation set keeps it so that every accuracy figure stays comparable) and
#: "anatomical-wrist" (the anatomical palm with the forearm at a random wrist angle: real wrists bend, and a
#: hand shown palm-first is usually bent back, its forearm going away behind the palm; and an arm long enough to
#: leave the view), and "anatomical-arm" (those scenes with the forearm as wide and flat as a real one: two
#: capsules side by side across the hand, docs/realism.md "The forearm"; not yet trained on).
PALM_MODELS = ("anatomical", "symmetric", "anatomical-wrist", "anatomical-arm")
BENT_WRIST_PALMS = ("anatomical-wrist", "anatomical-arm")  # the palms whose forearm leaves at a random wrist angle
#: "anatomical-arm": each of the forearm's two capsules has this radius (x half the palm's thickness) and lies this
#: far (mm, x the hand's scale) to either side of the arm's axis, across the hand: about 66 mm wide and 40 mm thick
#: for an average hand, where the single capsule of the other palms is about 45 mm round
WIDE_ARM_RADIUS = 1.45
WIDE_ARM_OFFSET_MM = 13.0
#: wrist extension (+, the hand bent towards its back) and radial deviation (+, towards the thumb), degrees:
#: (mean, standard deviation, min, max) of the "anatomical-wrist" geometry (the joint's range: extension 70,
#: flexion 80, radial 20, ulnar 30 degrees)
WRIST_EXTENSION_DEG = (15.0, 25.0, -60.0, 70.0)
WRIST_DEVIATION_DEG = (0.0, 12.0, -30.0, 20.0)
#: length of the arm from the wrist, mm, in the "anatomical-wrist" geometry (forearm and upper arm as one
#: capsule: the other geometries' 180-320 mm forearms end in mid-air, which a real arm never does)
ARM_MM = (400.0, 700.0)
#: the least z component (camera space, away from the camera) of the arm's direction from the wrist
ARM_AWAY_Z = 0.15
#: views of the generator: "front" (a camera facing the person or on a desk: the arm points away from it) and
#: "head-mounted" (the camera at the eyes, as on a headset: the arm comes from below the camera, towards it)
VIEWS = ("front", "head-mounted")
#: head-mounted: the forearm's direction (wrist to elbow) in camera space has z <= this (towards the camera) and
#: y >= HEAD_MOUNTED_ARM_DOWN (down in the image: the elbow hangs below the eyes)
HEAD_MOUNTED_ARM_Z = -0.2
HEAD_MOUNTED_ARM_DOWN = 0.3
HEAD_MOUNTED_DISTANCE_MM = (300.0, 600.0)  # the palm at arm's length from the eyes
#: a wall behind the hand stands at least this far behind every joint's centre (about a finger's radius: a finger
#: may touch it, none goes through it)
WALL_CLEARANCE_MM = 10.0


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-6)


def _finger_capsules(joints: np.ndarray, radius: np.ndarray) -> tuple[list, list, list]:
    """Phalanges of the five digits: (a list, b list, radius list)."""
    a, b, r = [], [], []
    for f, finger in enumerate(FINGERS):
        mcp, pip, dip, tip = (joints[i] for i in finger_joint_indices(finger))
        for k, (p, q) in enumerate(((mcp, pip), (pip, dip), (dip, tip))):
            rk = float(radius[f, k])
            if k == 2:  # the tip joint is the end of the finger: the capsule's cap must end there
                q = q - _unit(q - p) * rk
            a.append(p), b.append(q), r.append(rk)
    return a, b, r


def _symmetric_palm(joints: np.ndarray, palm_r: float) -> tuple[list, list, list]:
    """The first generator's palm: metacarpals, a bar across the knuckles, the thenar pad and a bar across the
    wrist, all centred on the palm plane."""
    a, b, r = [], [], []
    wrist = joints[Joint.WRIST]
    for finger in FINGERS[1:]:  # metacarpal, inside the palm slab
        mcp = joints[finger_joint_indices(finger)[0]]
        a.append(wrist + (mcp - wrist) * 0.15), b.append(mcp), r.append(palm_r)
    index_mcp, little_mcp = joints[Joint.INDEX_MCP], joints[Joint.LITTLE_MCP]
    a.append(index_mcp), b.append(little_mcp), r.append(palm_r * 0.9)
    a.append(wrist), b.append(joints[Joint.THUMB_MCP]), r.append(palm_r * 1.05)  # thenar pad
    across = _unit(index_mcp - little_mcp)
    a.append(wrist + across * 18.0), b.append(wrist - across * 18.0), r.append(palm_r * 0.95)
    return a, b, r


def palm_normal(joints: np.ndarray) -> np.ndarray:
    """(3,) unit normal out of the palm of a right hand's (21, 3) joints (the hand frame's +z when flat)."""
    wrist = joints[Joint.WRIST]
    (ax, ay, az), (bx, by, bz) = joints[Joint.INDEX_MCP] - wrist, joints[Joint.LITTLE_MCP] - wrist
    return _unit(np.array([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx]))  # cross product


def _anatomical_palm(joints: np.ndarray, palm_r: float, scale: float, flesh: float = 1.0,
                     finger_radius: np.ndarray | None = None) -> tuple[list, list, list]:
    """A palm that looks different from its back (palm_r: half the palm's thickness, mm).

    The metacarpals sit a little towards the back, whose surface is a smooth, slightly convex plate. On the
    palm side the heel of the hand stands out by 7-10 mm (the thenar eminence, the ball of the thumb, following
    the thumb's first metacarpal, and the hypothenar eminence along the little-finger edge; on real SR305
    frames this band across the palm's base is the nearest part of an open palm), the pad under the knuckles
    by about 2 mm; the palm's middle is the hollow between them. The web between thumb and index finger fills
    the space between their metacarpals (session 10: without it the thumb left the palm at the wrist).
    The little-finger edge runs almost straight from the wrist to the little finger's knuckle (the hypothenar
    fills it; ``flesh`` scales how far out, 1 = average), and webs join neighbouring fingers up to about a third
    of their first phalanx (``finger_radius``: the fingers' (5, 3) capsule radii, mm), as on a real hand: session 11
    measured the largest circle inside the silhouette of real SR305 palms 94 mm across against 75 mm on
    synthetic ones, whose palm narrowed to the wrist like a trapezoid.
    """
    a, b, r = [], [], []
    wrist = joints[Joint.WRIST]
    index_mcp, little_mcp, thumb_mcp = joints[Joint.INDEX_MCP], joints[Joint.LITTLE_MCP], joints[Joint.THUMB_MCP]
    normal = palm_normal(joints)
    across = _unit(index_mcp - little_mcp)  # towards the thumb
    back = -normal
    for finger in FINGERS[1:]:  # metacarpals, shifted towards the back
        mcp = joints[finger_joint_indices(finger)[0]]
        a.append(wrist + (mcp - wrist) * 0.15 + back * 0.12 * palm_r)
        b.append(mcp + back * 0.12 * palm_r), r.append(palm_r * 0.9)
    # The back of the hand: a wide, flat plate over the metacarpals (no ridges between them).
    mid_knuckle = 0.5 * (index_mcp + little_mcp)
    for t in (0.3, 0.62):
        centre = wrist + (mid_knuckle - wrist) * t + back * 0.35 * palm_r
        a.append(centre + across * 16.0 * scale), b.append(centre - across * 16.0 * scale), r.append(palm_r * 0.72)
    # Pad under the knuckles, on the palm side, a little towards the wrist.
    towards_wrist = _unit(wrist - mid_knuckle) * 6.0 * scale
    a.append(index_mcp + towards_wrist + normal * 0.15 * palm_r)
    b.append(little_mcp + towards_wrist + normal * 0.15 * palm_r), r.append(palm_r * 0.8)
    # Thenar eminence: from the wrist's thumb side along the thumb's metacarpal (from its base, the joint this
    # project calls THUMB_MCP, to the anatomical MCP, THUMB_PIP), standing out of the palm.
    thumb_base, thumb_knuckle = thumb_mcp, joints[Joint.THUMB_PIP]
    thenar_start = wrist + across * 20.0 * scale * flesh + normal * 0.5 * palm_r
    thenar_end = 0.55 * thumb_base + 0.45 * thumb_knuckle + normal * 0.25 * palm_r
    a.append(thenar_start), b.append(thenar_end), r.append(palm_r * 1.1)
    # The web between the thumb's metacarpal and the index finger's: a real thumb leaves the palm at its MCP
    # joint, not at the wrist. Capsules from points along the thumb's metacarpal to the index metacarpal, thinning
    # towards the web's free edge (thumb MCP to the index metacarpal's far third).
    index_base = wrist + (index_mcp - wrist) * 0.15
    for t, radius in ((0.35, 0.9), (0.7, 0.75), (1.0, 0.5)):
        p = thumb_base + (thumb_knuckle - thumb_base) * t + normal * 0.2 * (1.0 - t) * palm_r
        q = index_base + (index_mcp - index_base) * (0.3 + 0.45 * t)
        a.append(p), b.append(q), r.append(palm_r * radius)
    # Hypothenar eminence: along the little-finger edge, from the wrist to four fifths of the way to its MCP, as
    # far out as the knuckle, so that the edge runs almost straight.
    hypo_start = wrist - across * 28.0 * scale * flesh + normal * 0.45 * palm_r
    hypo_end = wrist + (little_mcp - wrist) * 0.8 - across * 5.0 * scale * flesh + normal * 0.25 * palm_r
    a.append(hypo_start), b.append(hypo_end), r.append(palm_r * 0.85)
    # Webs between neighbouring fingers, up to about a third of the first phalanx.
    if finger_radius is not None:
        bases = [finger_joint_indices(finger) for finger in FINGERS[1:]]
        for k, (this, other) in enumerate(zip(bases[:-1], bases[1:])):
            p = joints[this[0]] + (joints[this[1]] - joints[this[0]]) * 0.3
            q = joints[other[0]] + (joints[other[1]] - joints[other[0]]) * 0.3
            a.append(p), b.append(q), r.append(0.75 * float(min(finger_radius[k + 1, 0], finger_radius[k + 2, 0])))
    # The wrist, flattened front to back.
    a.append(wrist + across * 18.0 * scale), b.append(wrist - across * 18.0 * scale), r.append(palm_r * 0.95)
    return a, b, r


def sample_wrist_rad(rng: np.random.Generator) -> tuple[float, float]:
    """(extension, radial deviation) of a wrist, radians, drawn from :data:`WRIST_EXTENSION_DEG` and
    :data:`WRIST_DEVIATION_DEG` (normal, clipped to the joint's range)."""
    out = []
    for mean, sd, low, high in (WRIST_EXTENSION_DEG, WRIST_DEVIATION_DEG):
        out.append(float(np.deg2rad(np.clip(rng.normal(mean, sd), low, high))))
    return out[0], out[1]


def sample_wrist_away(rng: np.random.Generator, rotation: np.ndarray, tries: int = 20,
                      view: str = "front") -> tuple[float, float]:
    """Wrist angles (:func:`sample_wrist_rad`) whose arm, turned by the hand's ``rotation`` (3, 3; hand frame ->
    camera), fits the view as :func:`random_rotation` keeps a straight arm: "front", pointing away from the
    camera (z >= 0.15: the arm comes from a body behind the hand or from below, never out of the camera);
    "head-mounted", :func:`head_mounted_arm`. A straight wrist after ``tries`` draws."""
    for _ in range(tries):
        wrist = sample_wrist_rad(rng)
        if arm_fits_view(rotation @ forearm_direction(*wrist), view):
            return wrist
    return 0.0, 0.0


def forearm_direction(extension_rad: float, deviation_rad: float) -> np.ndarray:
    """(3,) unit direction from the wrist into the forearm, in the hand frame (+x thumb, +y fingers, +z out of
    the palm): -y for a straight wrist; extending the wrist (bending the hand back) swings the forearm towards
    the back (-z), radial deviation (the hand bent towards the thumb) towards the thumb (+x)."""
    ce, se = np.cos(extension_rad), np.sin(extension_rad)
    cd, sd = np.cos(deviation_rad), np.sin(deviation_rad)
    return np.array([sd * ce, -cd * ce, -se])


def hand_capsules(joints: np.ndarray, shape: HandShape, index: int, forearm_mm: float,
                  palm: str = "anatomical", wrist_rad: tuple[float, float] = (0.0, 0.0)) -> tuple[np.ndarray, ...]:
    """Capsules of one hand in its own frame: phalanges, the palm (``palm``: one of :data:`PALM_MODELS`) and a
    forearm leaving along -y, or for "anatomical-wrist" and "anatomical-arm" along :func:`forearm_direction` of
    ``wrist_rad`` (extension, radial deviation; "anatomical-arm": two capsules side by side). Returns (a (K, 3),
    b (K, 3), radii (K,))."""
    if palm not in PALM_MODELS:
        raise ValueError(f"unknown palm model {palm!r}; choose from {', '.join(PALM_MODELS)}")
    palm_r = float(shape.palm_thickness[index]) / 2.0
    a, b, r = _finger_capsules(joints, shape.radius[index].numpy())
    wrist = joints[Joint.WRIST]
    down = np.array([0.0, -1.0, 0.0])
    if palm == "symmetric":
        # The first generator's order (fingers interleaved with their metacarpals) keeps its renders
        # bit-identical; the set of capsules is what matters for the picture.
        pa, pb, pr = _symmetric_palm(joints, palm_r)
        a, b, r = _interleave_metacarpals(a, b, r, pa, pb, pr)
        a.append(wrist), b.append(wrist + down * forearm_mm), r.append(palm_r * 1.8)  # forearm
    else:
        pa, pb, pr = _anatomical_palm(joints, palm_r, float(shape.scale[index]), float(shape.palm_flesh[index]),
                                      shape.radius[index].numpy())
        a, b, r = a + pa, b + pb, r + pr
        # The forearm starts below the wrist, which is thinner front to back than the arm or the heel of the hand.
        scale = float(shape.scale[index])
        if palm in BENT_WRIST_PALMS:
            down = forearm_direction(*wrist_rad)
            # the bent joint: from the wrist to the forearm's start, as thick as the wrist
            a.append(wrist.copy()), b.append(wrist + down * 30.0 * scale), r.append(palm_r * 0.95)
        if palm == "anatomical-arm":  # wider than thick: two capsules side by side across the hand (its x axis)
            across = np.array([1.0, 0.0, 0.0]) - down[0] * down
            across *= WIDE_ARM_OFFSET_MM * scale / np.linalg.norm(across)
            for side in (-1.0, 1.0):
                start = wrist + down * 30.0 * scale + side * across
                a.append(start), b.append(wrist + down * forearm_mm + side * across), r.append(palm_r * WIDE_ARM_RADIUS)
        else:
            a.append(wrist + down * 30.0 * scale), b.append(wrist + down * forearm_mm)
            r.append(palm_r * 1.6)
    return np.array(a), np.array(b), np.array(r)


def _interleave_metacarpals(a: list, b: list, r: list, pa: list, pb: list, pr: list) -> tuple[list, list, list]:
    """Fingers' phalanges (3 per digit) with each finger's metacarpal after it, then the rest of the palm."""
    out_a, out_b, out_r = a[:3], b[:3], r[:3]
    for f in range(1, 5):
        out_a += a[3 * f: 3 * f + 3] + [pa[f - 1]]
        out_b += b[3 * f: 3 * f + 3] + [pb[f - 1]]
        out_r += r[3 * f: 3 * f + 3] + [pr[f - 1]]
    return out_a + pa[4:], out_b + pb[4:], out_r + pr[4:]


def head_mounted_arm(forearm: np.ndarray) -> bool:
    """Is (3,) forearm direction (camera space, wrist to elbow) one of a head-mounted camera's view: towards the
    camera and down in the image?"""
    return bool(forearm[2] <= HEAD_MOUNTED_ARM_Z and forearm[1] >= HEAD_MOUNTED_ARM_DOWN)


def arm_fits_view(forearm: np.ndarray, view: str) -> bool:
    """Does (3,) forearm direction (camera space, wrist to elbow) fit ``view``: "front", pointing away from the
    camera (z >= ``ARM_AWAY_Z``); "head-mounted", :func:`head_mounted_arm`?"""
    return head_mounted_arm(forearm) if view == "head-mounted" else bool(forearm[2] >= ARM_AWAY_Z)


def random_rotation(rng: np.random.Generator, view: str = "front") -> np.ndarray:
    """A uniformly random rotation (3, 3) whose forearm direction (-y of the hand) fits the view: "front",
    pointing away from the camera (z component >= ``ARM_AWAY_Z``: the arm comes from a body behind the hand, or
    from below); "head-mounted", :func:`head_mounted_arm`."""
    while True:
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        w, x, y, z = q
        rot = np.array([
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ])
        if arm_fits_view(rot @ np.array([0.0, -1.0, 0.0]), view):
            return rot


def with_head(background: Scene, rng: np.random.Generator) -> Scene:
    """``background`` (a scene's torso alone, :meth:`Scene.without_hand`: its last capsule runs from the torso's top
    down) with a head on a neck above the torso's top: a sphere of 85-100 mm radius, its centre 100-140 mm above
    the torso's rounded top and up to 60 mm nearer the camera or 20 mm further, on a neck 55 mm thick. Frames with
    no hand in which a head is what the localiser may take for one."""
    top, radius = background.a[-1], float(background.radii[-1])
    head = top + np.array([rng.uniform(-30, 30), -radius - rng.uniform(100, 140), -rng.uniform(-20, 60)])
    a = np.vstack([background.a, head[None], head[None]])
    b = np.vstack([background.b, head[None], top[None]])
    radii = np.append(background.radii, [rng.uniform(85, 100), 55.0])
    return replace(background, a=a, b=b, radii=radii, background_capsules=background.background_capsules + 2)


def moved_out_of_view(scene: Scene, intrinsics: Intrinsics, beyond_mm: float) -> Scene:
    """``scene`` with its hand and arm slid sideways (at constant depth), away from the image's centre, until the
    palm centre lies ``beyond_mm`` (at its depth) past the image's edge: a hand that has left the view, with the
    part of its arm that stays in view (the background stays). Frames in which a tracker should report no hand.
    A negative ``beyond_mm`` puts the palm that far inside the edge instead: a hand at the image's edge."""
    palm = scene.palm_centre_mm
    u = intrinsics.fx * palm[0] / palm[2] + intrinsics.ppx
    v = intrinsics.fy * palm[1] / palm[2] + intrinsics.ppy
    direction = np.array([u - intrinsics.ppx, v - intrinsics.ppy])
    length = float(np.linalg.norm(direction))
    direction = direction / length if length > 1e-6 else np.array([0.0, -1.0])  # straight up from the centre
    # pixels along that direction from the palm to the image's edge it crosses first (axis k), then on until the
    # palm lies beyond_mm (at its depth) past that edge
    limits = [(intrinsics.width - 1 - u, u), (intrinsics.height - 1 - v, v)]
    to_edge = {k: (limits[k][0] if direction[k] > 0 else limits[k][1]) / abs(direction[k])
               for k in (0, 1) if abs(direction[k]) > 1e-9}
    k = min(to_edge, key=lambda axis: to_edge[axis])
    focal = intrinsics.fx if k == 0 else intrinsics.fy
    step_px = to_edge[k] + beyond_mm * focal / palm[2] / abs(direction[k])
    shift = np.array([direction[0] * step_px * palm[2] / intrinsics.fx,
                      direction[1] * step_px * palm[2] / intrinsics.fy, 0.0])
    return scene.with_hand_moved(lambda points: points + shift)


def plane_behind_joints(normal: np.ndarray, offset_mm: float, joints_mm: np.ndarray,
                        clearance_mm: float = WALL_CLEARANCE_MM) -> float:
    """The offset (mm) of the plane {p: normal . p = offset} (normal (3,) unit, towards the camera) moved back, if
    need be, until every joint (21, 3) mm lies at least ``clearance_mm`` in front of it: a tilted wall drawn behind
    the palm can otherwise cut through the fingers, or hide the whole hand, at the hand's side of the image."""
    nearest_mm = float((joints_mm @ normal).min()) - offset_mm  # the joint closest to (or furthest behind) it
    return offset_mm - max(0.0, clearance_mm - nearest_mm)


def sample_scene(rng: np.random.Generator, fov_tan: tuple[float, float] = (0.62, 0.48),
                 distance_mm: tuple[float, float] = (250.0, 900.0), bank: np.ndarray | None = None,
                 palm: str = "anatomical", reference: bool = False, view: str = "front") -> Scene:
    """One random scene: hand shape, pose, orientation, position (palm centre inside the view), background.

    fov_tan: half field of view as tangents (x, y); the palm centre stays within 80 % of it.
    bank: (N, 21, 3) real poses in the hand frame (:func:`handtrack.synth.posebank.load_pose_bank`); when
    given, half of the poses come from it. palm: the palm geometry (:data:`PALM_MODELS`).
    reference: the kinematics in torch float32, as the first generator (the fixed validation set); otherwise in
    numpy (the same joints to about 1e-4 mm, faster).
    view: :data:`VIEWS`. "head-mounted": the arm comes from below the camera towards it and runs on out of the
    view (an arm of ARM_MM), the palm at HEAD_MOUNTED_DISTANCE_MM, no torso in front of the camera (a wall or a
    table plane may lie behind the hand).
    """
    if view not in VIEWS:
        raise ValueError(f"view {view!r}: choose one of {', '.join(VIEWS)}")
    head_mounted = view == "head-mounted"
    seed = int(rng.integers(2**31))
    shape = sample_shapes(1, torch.Generator().manual_seed(seed))
    if bank is not None and len(bank) and rng.random() < 0.5:
        # A real captured pose, scaled to this hand's size.
        local = bank[rng.integers(len(bank))] * float(shape.scale[0]) * (REFERENCE_HAND_LENGTH_MM / BANK_HAND_LENGTH_MM)
        source = "bank"
    else:
        angles, source = sample_pose(rng)
        if reference:
            local = forward_kinematics(torch.tensor(angles[None], dtype=torch.float32), shape)[0].numpy()
        else:
            local = forward_kinematics_np(angles[None].astype(np.float32), shape)[0]
    local = local.astype(np.float64)
    forearm_mm = float(rng.uniform(180, 320))
    rot = random_rotation(rng, view)
    wrist = (0.0, 0.0)
    if head_mounted:
        forearm_mm = float(rng.uniform(*ARM_MM))
    if palm in BENT_WRIST_PALMS:
        # The wrist's angles (and the arm's length) come from a stream of their own, so that the scene is otherwise
        # the same as with the anatomical palm (same hand, pose, view and background): only the arm differs. A real
        # arm does not end in mid-air: it runs on to the elbow and out of the view.
        arm_rng = np.random.default_rng([seed, 1])
        wrist = sample_wrist_away(arm_rng, rot, view=view)
        forearm_mm = float(arm_rng.uniform(*ARM_MM))
    a, b, r = hand_capsules(local, shape, 0, forearm_mm=forearm_mm, palm=palm, wrist_rad=wrist)
    from handtrack.preprocess.refine import palm_centre_mm

    palm_local = palm_centre_mm(local)
    z = rng.uniform(*(HEAD_MOUNTED_DISTANCE_MM if head_mounted else distance_mm))
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
        plane = (normal, plane_behind_joints(normal, float(normal @ np.array([0.0, 0.0, depth])), joints))
    elif kind < 0.6 and not head_mounted:  # a body: a big capsule (torso) below/behind the forearm's end
        torso_top = b[-1] + np.array([rng.uniform(-80, 80), rng.uniform(-40, 120), rng.uniform(60, 200)])
        torso = np.array([[torso_top, torso_top + np.array([0.0, 450.0, 40.0])]])
        a = np.vstack([a, torso[:, 0]])
        b = np.vstack([b, torso[:, 1]])
        r = np.append(r, rng.uniform(130, 170))
        return Scene(joints, a, b, r, plane, source, background_capsules=1)
    return Scene(joints, a, b, r, plane, source)
