import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the kinematic hand uses PyTorch")

from handtrack.pose import FINGERS, Joint, finger_joint_indices  # noqa: E402
from handtrack.synth.hand import LIMITS, forward_kinematics, sample_shapes  # noqa: E402
from handtrack.synth.poses import GESTURES, random_pose, sample_pose  # noqa: E402


def _bone_lengths(joints: torch.Tensor) -> torch.Tensor:
    lengths = []
    for finger in FINGERS:
        idx = finger_joint_indices(finger)
        lengths += [(joints[:, idx[k + 1]] - joints[:, idx[k]]).norm(dim=-1) for k in range(3)]
    return torch.stack(lengths, dim=-1)


def test_bone_lengths_do_not_depend_on_the_pose():
    g = torch.Generator().manual_seed(0)
    shape = sample_shapes(64, g)
    rng = np.random.default_rng(0)
    flat = forward_kinematics(torch.zeros(64, 20), shape)
    posed = forward_kinematics(torch.tensor(np.stack([random_pose(rng) for _ in range(64)]), dtype=torch.float32),
                               shape)
    torch.testing.assert_close(_bone_lengths(flat), _bone_lengths(posed), atol=1e-3, rtol=0)
    torch.testing.assert_close(_bone_lengths(flat), shape.phalanx.reshape(64, 15), atol=1e-3, rtol=0)


def test_hand_sizes_and_flat_hand_layout():
    shape = sample_shapes(500, torch.Generator().manual_seed(1))
    joints = forward_kinematics(torch.zeros(500, 20), shape)
    length = (joints[:, Joint.MIDDLE_TIP] - joints[:, Joint.WRIST]).norm(dim=-1)
    assert 155 < length.min() and length.max() < 215  # adult hands, 165-205 mm +- finger proportions
    assert torch.all(joints[:, Joint.THUMB_TIP, 0] > joints[:, Joint.LITTLE_TIP, 0])  # thumb on +x
    assert torch.all(joints[..., 2].abs() < 40)  # a flat hand stays near its palm plane


def test_flexion_curls_towards_the_palm():
    shape = sample_shapes(1, torch.Generator().manual_seed(2))
    angles = torch.zeros(1, 20)
    angles[0, 4:8] = torch.tensor([1.2, 0.0, 1.5, 1.0])  # index finger curled
    joints = forward_kinematics(angles, shape)[0]
    assert joints[Joint.INDEX_TIP, 2] > 20  # +z is the palm side
    assert joints[Joint.INDEX_TIP, 1] < joints[Joint.INDEX_PIP, 1]  # the tip comes back down


def test_pose_prior_stays_inside_the_limits():
    rng = np.random.default_rng(3)
    lo = np.array([[LIMITS[f][k][0] for k in range(4)] for f in FINGERS]).reshape(20)
    hi = np.array([[LIMITS[f][k][1] for k in range(4)] for f in FINGERS]).reshape(20)
    sources = set()
    for _ in range(400):
        angles, source = sample_pose(rng)
        sources.add(source)
        assert np.all(angles >= lo - 1e-9) and np.all(angles <= hi + 1e-9)
    assert "random" in sources and len(sources & set(GESTURES)) >= 6


def _surface_height_mm(capsules: tuple[np.ndarray, ...], x: float, y: float, side: float) -> float:
    """How far the hand's surface stands out of the palm plane (z = 0) at (x, y) of the hand frame, on the palm
    side (side = +1) or the back (side = -1); nan where the hand is not."""
    a, b, r = capsules
    z = side * np.linspace(40.0, -40.0, 801)
    points = np.stack([np.full_like(z, x), np.full_like(z, y), z], axis=1)
    inside = np.zeros(len(z), dtype=bool)
    for p, q, radius in zip(a, b, r):
        axis = q - p
        t = np.clip((points - p) @ axis / max(float(axis @ axis), 1e-9), 0.0, 1.0)
        inside |= np.linalg.norm(points - (p + t[:, None] * axis), axis=1) < radius
    return float(abs(z[np.argmax(inside)])) if inside.any() else float("nan")


def test_anatomical_palm_differs_from_the_back_and_the_symmetric_one_does_not():
    from handtrack.synth.scene import hand_capsules

    shape = sample_shapes(1, torch.Generator().manual_seed(1))
    flat = forward_kinematics(torch.zeros(1, 20), shape)[0].numpy().astype(np.float64)
    thenar, hollow = (18.0, 20.0), (0.0, 45.0)  # (x, y) mm: the ball of the thumb, the palm's middle
    symmetric = hand_capsules(flat, shape, 0, 250.0, palm="symmetric")
    for x, y in (hollow, (-20.0, 50.0), (10.0, 75.0)):  # (its thumb pad follows the thumb out of the plane)
        assert _surface_height_mm(symmetric, x, y, 1.0) == _surface_height_mm(symmetric, x, y, -1.0)
    anatomical = hand_capsules(flat, shape, 0, 250.0, palm="anatomical")
    palm_relief = _surface_height_mm(anatomical, *thenar, 1.0) - _surface_height_mm(anatomical, *hollow, 1.0)
    back_relief = _surface_height_mm(anatomical, *thenar, -1.0) - _surface_height_mm(anatomical, *hollow, -1.0)
    assert palm_relief > 5.0  # the heel of the hand stands out of the hollow palm
    assert back_relief < 1.0  # no bump behind it: the back is a smooth plate, falling off towards its edges
    with pytest.raises(ValueError, match="palm model"):
        hand_capsules(flat, shape, 0, 250.0, palm="flat")


def test_numpy_kinematics_match_the_torch_reference():
    from handtrack.synth.hand import forward_kinematics_np

    rng = np.random.default_rng(4)
    shape = sample_shapes(1, torch.Generator().manual_seed(4))
    angles = np.stack([random_pose(rng) for _ in range(50)]).astype(np.float32)
    many = sample_shapes(50, torch.Generator().manual_seed(5))
    for batch_shape, batch in ((shape, angles[:1]), (many, angles)):
        reference = forward_kinematics(torch.from_numpy(batch), batch_shape).numpy()
        np.testing.assert_allclose(forward_kinematics_np(batch, batch_shape), reference, atol=1e-3)


def test_forearm_direction_follows_the_wrist_angles():
    from handtrack.synth.scene import forearm_direction

    np.testing.assert_allclose(forearm_direction(0.0, 0.0), [0.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(forearm_direction(np.pi / 2, 0.0), [0.0, 0.0, -1.0], atol=1e-12)  # bent back
    np.testing.assert_allclose(forearm_direction(0.0, np.pi / 2), [1.0, 0.0, 0.0], atol=1e-12)  # towards thumb
    d = forearm_direction(0.4, -0.3)
    assert abs(np.linalg.norm(d) - 1.0) < 1e-12 and d[2] < 0 and d[0] < 0


def test_a_bent_wrist_changes_only_the_forearm_and_keeps_the_scene():
    from handtrack.synth.scene import hand_capsules, sample_scene, sample_wrist_rad

    shape = sample_shapes(1, torch.Generator().manual_seed(1))
    flat = forward_kinematics(torch.zeros(1, 20), shape)[0].numpy().astype(np.float64)
    a0, b0, r0 = hand_capsules(flat, shape, 0, 250.0, palm="anatomical")
    a1, b1, r1 = hand_capsules(flat, shape, 0, 250.0, palm="anatomical-wrist", wrist_rad=(np.deg2rad(40.0), 0.0))
    assert len(a1) == len(a0) + 1  # the bent joint's capsule
    np.testing.assert_array_equal(a1[:-2], a0[:-1])
    np.testing.assert_array_equal(b1[:-2], b0[:-1])
    forearm = (b1[-1] - a1[-1]) / np.linalg.norm(b1[-1] - a1[-1])
    np.testing.assert_allclose(forearm, [0.0, -np.cos(np.deg2rad(40.0)), -np.sin(np.deg2rad(40.0))], atol=1e-9)
    assert np.linalg.norm(b1[-1] - a1[-1]) == pytest.approx(np.linalg.norm(b0[-1] - a0[-1]))
    np.testing.assert_array_equal(a1[-2], flat[0])  # the joint's capsule starts at the wrist
    # Same seed: the same hand, pose, view and background; only the forearm (and the body placed at its end) moves.
    straight = sample_scene(np.random.default_rng(3), palm="anatomical")
    bent = sample_scene(np.random.default_rng(3), palm="anatomical-wrist")
    np.testing.assert_array_equal(straight.joints_mm, bent.joints_mm)
    assert len(bent.a) >= len(straight.a) + 1
    arm = [np.linalg.norm(s.b[len(s.b) - k] - s.joints_mm[0]) for s, k in ((straight, 1), (bent, 1))]
    assert arm[0] <= 320.0 + 1e-6 and 400.0 - 1e-6 <= arm[1] <= 700.0 + 1e-6  # the arm runs out of the view
    for seed in range(40):  # a bent arm, like a straight one, points away from the camera
        scene = sample_scene(np.random.default_rng(seed), palm="anatomical-wrist")
        starts_near_wrist = np.linalg.norm(scene.a - scene.joints_mm[0], axis=1) < 40.0
        arms = [b - a for a, b in zip(scene.a[starts_near_wrist], scene.b[starts_near_wrist])
                if np.linalg.norm(b - a) > 300.0]
        assert len(arms) == 1 and arms[0][2] / np.linalg.norm(arms[0]) >= 0.15 - 1e-9
    angles = np.rad2deg([sample_wrist_rad(np.random.default_rng(i)) for i in range(2000)])
    assert 10.0 < angles[:, 0].mean() < 20.0 and angles[:, 0].max() <= 70.0 and angles[:, 0].min() >= -60.0
    assert abs(angles[:, 1].mean()) < 2.0 and angles[:, 1].max() <= 20.0 and angles[:, 1].min() >= -30.0


def test_head_mounted_scenes_bring_the_arm_towards_the_camera_from_below():
    from handtrack.synth.scene import HEAD_MOUNTED_DISTANCE_MM, sample_scene

    for i in range(20):
        scene = sample_scene(np.random.default_rng([3, i]), view="head-mounted")
        arm = scene.b[-1] - scene.joints_mm[Joint.WRIST]  # the last capsule is the forearm (no torso in this view)
        assert arm[2] < 0 and arm[1] > 0  # towards the camera, down in the image
        assert HEAD_MOUNTED_DISTANCE_MM[0] - 1 <= scene.palm_centre_mm[2] <= HEAD_MOUNTED_DISTANCE_MM[1] + 1
    front = sample_scene(np.random.default_rng([3, 0]))
    assert np.array_equal(front.joints_mm, sample_scene(np.random.default_rng([3, 0]), view="front").joints_mm)
    with pytest.raises(ValueError, match="view"):
        sample_scene(np.random.default_rng(0), view="overhead")


def test_the_anatomical_palm_fills_the_web_between_thumb_and_index_finger():
    """A real thumb leaves the palm at its MCP joint: the space between its metacarpal and the index finger's is
    flesh (the thenar eminence and the web), not a notch down to the wrist as in the first generator's palm."""
    from handtrack.synth.scene import hand_capsules

    shape = sample_shapes(1, torch.Generator().manual_seed(1))
    flat = forward_kinematics(torch.zeros(1, 20), shape)[0].numpy().astype(np.float64)
    base, knuckle = flat[Joint.THUMB_MCP], flat[Joint.THUMB_PIP]  # the thumb's metacarpal: base to anatomical MCP
    index_metacarpal_mid = 0.5 * (flat[Joint.WRIST] + flat[Joint.INDEX_MCP])
    symmetric = hand_capsules(flat, shape, 0, 250.0, palm="symmetric")
    anatomical = hand_capsules(flat, shape, 0, 250.0, palm="anatomical")
    for t in (0.5, 0.8):  # between the thumb's metacarpal and the index finger's base, in the palm plane
        thumb_point = base + (knuckle - base) * t
        x, y = 0.5 * (thumb_point[:2] + np.array([flat[Joint.INDEX_MCP][0], index_metacarpal_mid[1] + 25 * t]))
        assert np.isnan(_surface_height_mm(symmetric, x, y, 1.0)), (t, x, y)
        assert not np.isnan(_surface_height_mm(anatomical, x, y, 1.0)), (t, x, y)
        assert not np.isnan(_surface_height_mm(anatomical, x, y, -1.0)), (t, x, y)


def _flat_silhouette(capsules: tuple[np.ndarray, ...], step_mm: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The hand seen straight onto its palm plane (orthographic): (H, W) bool silhouette on a ``step_mm`` grid of
    the hand frame's (x, y) and the grid's (H, W, 2) (x, y) mm. A capsule projects to the 2D capsule of its
    projected ends with the same radius."""
    a, b, r = capsules
    xs, ys = np.meshgrid(np.arange(-150.0, 150.0, step_mm), np.arange(-60.0, 230.0, step_mm))
    grid = np.stack([xs, ys], axis=-1)
    inside = np.zeros(xs.shape, dtype=bool)
    for p, q, radius in zip(a[:, :2], b[:, :2], r):
        axis = q - p
        t = np.clip((grid - p) @ axis / max(float(axis @ axis), 1e-9), 0.0, 1.0)
        inside |= np.linalg.norm(grid - (p + t[..., None] * axis), axis=-1) < radius
    return inside, grid


def test_the_anatomical_palm_is_as_wide_as_a_real_one_and_webs_join_the_fingers():
    """Session 11 measured the largest circle inside real SR305 palms 94 mm across against 75 mm on synthetic
    ones, whose palm narrowed to the wrist: the little-finger edge now runs straight to the knuckle, the heel is
    wider, and webs join neighbouring fingers a third of the way up their first phalanx."""
    from dataclasses import replace

    import cv2

    from handtrack.synth.scene import hand_capsules

    shape = sample_shapes(1, torch.Generator().manual_seed(1))
    average = replace(shape, palm_flesh=torch.ones(1))
    flat = forward_kinematics(torch.zeros(1, 20), shape)[0].numpy().astype(np.float64)
    length_mm = float(shape.scale[0]) * 188.0
    inside, grid = _flat_silhouette(hand_capsules(flat, average, 0, 250.0, palm="anatomical"))
    circle_mm = 2 * 0.5 * float(cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 5).max())
    assert circle_mm >= 0.46 * length_mm, (circle_mm, length_mm)  # the previous palm: 0.42
    for this, other in ((Joint.INDEX_MCP, Joint.MIDDLE_MCP), (Joint.MIDDLE_MCP, Joint.RING_MCP),
                        (Joint.RING_MCP, Joint.LITTLE_MCP)):
        # halfway between the two fingers, a quarter of the way up their first phalanx
        web = 0.5 * (flat[this] + (flat[this + 1] - flat[this]) * 0.25
                     + flat[other] + (flat[other + 1] - flat[other]) * 0.25)
        row, col = np.unravel_index(np.argmin(np.linalg.norm(grid - web[:2], axis=-1)), inside.shape)
        assert inside[row, col], (this, web)
    # more flesh, a wider heel of the hand: the width across the palm 15 mm above the wrist grows
    widths = []
    for flesh in (0.7, 1.3):
        mask, grid = _flat_silhouette(hand_capsules(flat, replace(shape, palm_flesh=torch.tensor([flesh])), 0, 250.0,
                                                    palm="anatomical"))
        row = int(np.argmin(np.abs(grid[:, 0, 1] - (flat[Joint.WRIST][1] + 15.0))))
        widths.append(0.5 * mask[row].sum())
    assert widths[1] > widths[0] + 5.0, widths


def test_a_wall_stands_behind_every_joint_of_the_hand():
    from handtrack.synth.scene import WALL_CLEARANCE_MM, plane_behind_joints, sample_scene

    # a plane through the palm is moved back until the nearest joint is the clearance in front of it
    joints = np.array([[0.0, 0.0, 400.0], [0.0, 0.0, 450.0], [30.0, 0.0, 480.0]])
    normal = np.array([0.0, 0.0, -1.0])  # facing the camera
    offset = plane_behind_joints(normal, float(normal @ [0.0, 0.0, 420.0]), joints)
    assert offset == pytest.approx(-(480.0 + WALL_CLEARANCE_MM))
    assert plane_behind_joints(normal, -600.0, joints) == -600.0  # already behind: unchanged
    # a tilted wall drawn behind the palm cut through the hand at the image's side (scene 292 here: a joint 19 mm
    # behind it)
    nearest = []
    for index in range(400):
        scene = sample_scene(np.random.default_rng([13, index]))
        if scene.plane is not None and not scene.background_capsules:
            normal, offset = scene.plane
            nearest.append(float((scene.joints_mm @ normal).min() - offset))
    assert len(nearest) > 100
    assert min(nearest) >= WALL_CLEARANCE_MM - 1e-6


def test_the_wide_arm_is_two_capsules_across_the_hand_in_the_same_scene():
    from handtrack.synth.scene import WIDE_ARM_OFFSET_MM, hand_capsules, sample_scene

    shape = sample_shapes(1, torch.Generator().manual_seed(1))
    flat = forward_kinematics(torch.zeros(1, 20), shape)[0].numpy().astype(np.float64)
    wrist = (np.deg2rad(30.0), np.deg2rad(10.0))
    a1, b1, r1 = hand_capsules(flat, shape, 0, 400.0, palm="anatomical-wrist", wrist_rad=wrist)
    a2, b2, r2 = hand_capsules(flat, shape, 0, 400.0, palm="anatomical-arm", wrist_rad=wrist)
    assert len(a2) == len(a1) + 1  # the forearm's one capsule becomes two
    np.testing.assert_array_equal(a2[:-2], a1[:-1])
    axis = (a2[-2] + a2[-1]) / 2, (b2[-2] + b2[-1]) / 2  # between the two: the single capsule's axis
    np.testing.assert_allclose(axis, (a1[-1], b1[-1]), atol=1e-9)
    apart = a2[-1] - a2[-2]
    direction = (b1[-1] - a1[-1]) / np.linalg.norm(b1[-1] - a1[-1])
    # across the arm, towards the thumb's side: in the plane of the arm and the hand's x axis
    assert abs(apart @ direction) < 1e-9 and abs(apart @ np.cross([1.0, 0.0, 0.0], direction)) < 1e-9
    width = np.linalg.norm(apart) + 2 * r2[-1]
    assert np.linalg.norm(apart) == pytest.approx(2 * WIDE_ARM_OFFSET_MM * float(shape.scale[0]))
    assert width > 2 * r1[-1] + 15.0 and 2 * r2[-1] < 2 * r1[-1]  # wider than the round arm, and flatter
    wide, bent = (sample_scene(np.random.default_rng(5), palm=p) for p in ("anatomical-arm", "anatomical-wrist"))
    np.testing.assert_array_equal(wide.joints_mm, bent.joints_mm)
