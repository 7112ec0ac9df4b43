import numpy as np

from handtrack.geometry import project_points_to_pixels
from handtrack.pose import Joint
from handtrack.preprocess import CropParams, crop_depth, hand_mask, image_uvd_to_crop
from handtrack.preprocess.augment import AugmentConfig, augmented_transform
from handtrack.preprocess.refine import palm_centre_mm, second_pass_centre_mm
from tests.preprocess.scenes import make_scene


def test_augmented_crops_keep_labels_on_their_depth():
    """A joint mapped through an augmented warp lands on the crop pixel that shows its surface."""
    params = CropParams(segment_jump_mm=0.0)
    rng = np.random.default_rng(0)
    scene = make_scene(4, body=False)
    frame = scene.frame
    # "Joints": the front surface points of a few spheres facing the camera.
    spheres = scene.spheres[::20]
    surface = spheres[:, :3] - np.column_stack([np.zeros((len(spheres), 2)), spheres[:, 3]])
    uv = project_points_to_pixels(surface, frame.intrinsics)
    visible = np.abs(frame.depth_mm()[uv[:, 1].round().astype(int), uv[:, 0].round().astype(int)]
                     - surface[:, 2]) < 1.5
    uvd = np.column_stack([uv, surface[:, 2]])[visible]
    assert len(uvd) >= 3
    angles = []
    for _ in range(20):
        t = augmented_transform(scene.palm_centre_mm, frame.intrinsics, params, AugmentConfig(), rng)
        angles.append(np.degrees(np.arctan2(t.image_to_crop[1, 0], t.image_to_crop[0, 0])))
        crop = crop_depth(frame.depth, frame.depth_unit_mm, t, params)
        joints = image_uvd_to_crop(uvd, t)
        px = np.clip(((joints[:, :2] + 0.5) * params.input_size - 0.5).round().astype(int), 0, 127)
        on_hand = hand_mask(crop, params)[px[:, 1], px[:, 0]]
        depth_error_mm = np.abs(crop[px[:, 1], px[:, 0]] - joints[:, 2]) * t.cube_half_mm
        assert np.all(depth_error_mm[on_hand] < 12.0)  # within a pixel's worth of surface slope
        assert on_hand.mean() > 0.6
    assert max(angles) - min(angles) > 30.0  # rotations are really drawn


def test_palm_centre_is_the_mean_of_wrist_and_mcps():
    joints = np.zeros((21, 3))
    for j, value in zip((Joint.WRIST, Joint.THUMB_MCP, Joint.INDEX_MCP, Joint.MIDDLE_MCP, Joint.RING_MCP,
                         Joint.LITTLE_MCP), range(6)):
        joints[int(j)] = value
    joints[int(Joint.INDEX_TIP)] = 1000.0  # fingertips do not move the palm
    np.testing.assert_allclose(palm_centre_mm(joints), [2.5, 2.5, 2.5])


def test_the_second_pass_follows_a_plausible_palm_and_keeps_the_crop_otherwise():
    first = np.array([10.0, -20.0, 500.0])
    near = first + [60.0, -40.0, 30.0]
    np.testing.assert_array_equal(second_pass_centre_mm(near, first, 150.0), near)
    edge = first + [170.0, 0.0, 0.0]  # just past the cube's side: a hand at the edge of a crop centred on the arm
    np.testing.assert_array_equal(second_pass_centre_mm(edge, first, 150.0), edge)
    for wild in (first + [240.0, 0.0, 0.0], first + [0.0, 0.0, -260.0], np.array([np.nan, 0.0, 500.0]),
                 np.array([0.0, 0.0, np.inf])):
        np.testing.assert_array_equal(second_pass_centre_mm(wild, first, 150.0), first)
    close = np.array([0.0, 0.0, 200.0])  # at close range, never towards the camera past half the depth
    np.testing.assert_array_equal(second_pass_centre_mm(close + [0.0, 0.0, -120.0], close, 150.0), close)
