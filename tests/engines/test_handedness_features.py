"""The pose-reading handedness features: what they read from a crop, and that they ignore in-plane turns."""

import numpy as np

from handtrack.engines.handedness import POSE_FEATURES, pose_features, probe_crop, surface_at_joints


def _joints(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 21, 3) crop-normalised joints of a hand-like spread (not a real pose; the features only
    need distinct knuckles)."""
    base = rng.uniform(-0.3, 0.3, (count, 21, 3)).astype(np.float32)
    base[..., 2] *= 0.5
    return base


def test_features_do_not_change_when_the_hand_turns_about_the_camera_axis():
    rng = np.random.default_rng(0)
    joints = _joints(rng, 5)
    confidence = rng.random((5, 21)).astype(np.float32)
    surface = rng.uniform(-0.5, 0.5, (5, 21)).astype(np.float32)
    turned = joints.copy()
    angle = 0.7
    c, s = np.cos(angle), np.sin(angle)
    turned[..., 0] = c * joints[..., 0] - s * joints[..., 1]
    turned[..., 1] = s * joints[..., 0] + c * joints[..., 1]
    a, b = pose_features(joints, confidence, surface), pose_features(turned, confidence, surface)
    assert a.shape == (5, POSE_FEATURES) and a.dtype == np.float32
    np.testing.assert_allclose(a, b, atol=2e-5)
    # a mirror image is no turn: the hand-frame x of every joint changes sign, so the features differ
    mirrored = joints * np.array([-1, 1, 1], np.float32)
    assert np.abs(pose_features(mirrored, confidence, surface) - a).max() > 0.1


def test_features_say_how_far_each_joint_lies_behind_the_surface():
    rng = np.random.default_rng(1)
    joints = _joints(rng, 2)
    surface = joints[..., 2] - 0.05  # the surface 0.05 normalised units in front of every joint
    features = pose_features(joints, np.ones((2, 21), np.float32), surface)
    np.testing.assert_allclose(features[:, -21:], 0.05, atol=1e-6)
    # the viewing axis in the hand's frame is a unit vector
    np.testing.assert_allclose(np.linalg.norm(features[:, 63:66], axis=1), 1.0, atol=1e-4)


def test_surface_is_read_at_each_joints_nearest_pixel():
    crops = np.zeros((1, 1, 8, 8), np.float32)
    crops[0, 0, 2, 5] = 0.25  # row 2, column 5
    crops[0, 0, 7, 0] = -0.5
    # pixel (column, row) -> crop-normalised u, v = (pixel + 0.5) / 8 - 0.5
    joints = np.array([[[(5 + 0.5) / 8 - 0.5, (2 + 0.5) / 8 - 0.5, 0.0],
                        [-0.49, 0.49, 0.0], [2.0, -2.0, 0.0]]], np.float32)  # the last: outside, clamped
    np.testing.assert_array_equal(surface_at_joints(crops, joints), [[0.25, -0.5, 0.0]])


def test_the_probe_crop_is_fixed():
    a, b = probe_crop(), probe_crop()
    assert a.shape == (1, 1, 128, 128) and np.array_equal(a, b)
    assert 0.1 < np.mean(a < 1.0) < 0.5  # a disc of surface on the background
