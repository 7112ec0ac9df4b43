import numpy as np
import pytest

from handtrack.preprocess.crop import (
    crop_depth,
    crop_to_image_uvd,
    crop_to_xyz_mm,
    hand_mask,
    image_uvd_to_crop,
    make_crop_transform,
    rotated_transform,
    surface_reaches_image_edge,
    window_within_image,
)
from handtrack.preprocess.params import CropParams
from handtrack.types import Frame, Intrinsics

INTR = Intrinsics(640, 480, 476.0, 476.0, 313.7, 242.8)
NYU = Intrinsics(640, 480, 588.03, -587.07, 320.0, 240.0)
PARAMS = CropParams()


@pytest.mark.parametrize("intr", [INTR, NYU], ids=["sr305", "nyu-negative-fy"])
def test_crop_uncrop_round_trip_of_random_points(intr):
    rng = np.random.default_rng(0)
    worst_px = worst_mm = 0.0
    for _ in range(200):
        centre = np.array([rng.uniform(-150, 150), rng.uniform(-100, 100), rng.uniform(250, 900)])
        transform = make_crop_transform(centre, intr, PARAMS, rotation_deg=rng.uniform(-30, 30),
                                        scale=rng.uniform(0.8, 1.2))
        uvd = np.column_stack([rng.uniform(0, 640, 21), rng.uniform(0, 480, 21), rng.uniform(200, 1000, 21)])
        back = crop_to_image_uvd(image_uvd_to_crop(uvd, transform), transform)
        worst_px = max(worst_px, float(np.abs(back[:, :2] - uvd[:, :2]).max()))
        worst_mm = max(worst_mm, float(np.abs(back[:, 2] - uvd[:, 2]).max()))
    assert worst_px <= 0.05 and worst_mm <= 0.1


def test_window_is_the_cubes_projection_and_centre_maps_to_crop_centre():
    centre = np.array([20.0, -30.0, 500.0])
    t = make_crop_transform(centre, INTR, PARAMS)
    left, top, right, bottom = t.box_px()
    half_w = PARAMS.cube_half_mm * INTR.fx / 500.0
    assert right - left == pytest.approx(2 * half_w, abs=1e-6)
    crop = image_uvd_to_crop(np.array([[t.centre_uvz[0], t.centre_uvz[1], 500.0]]), t)
    np.testing.assert_allclose(crop, 0.0, atol=1e-9)
    xyz = crop_to_xyz_mm(np.zeros((1, 3)), t, INTR)
    np.testing.assert_allclose(xyz[0], centre, atol=1e-6)


def _plane_frame(z_mm: float, unit: float = 0.125) -> Frame:
    depth = np.full((480, 640), round(z_mm / unit), dtype=np.uint16)
    return Frame(depth, unit, INTR, 0.0, 0)


def test_depth_normalisation_and_background():
    frame = _plane_frame(560.0)
    frame.depth[:, :300] = 0  # missing depth
    frame.depth[:240, 300:] = round(900 / 0.125)  # beyond the cube
    t = make_crop_transform(np.array([0.0, 0.0, 500.0]), INTR, PARAMS)
    crop = crop_depth(frame.depth, frame.depth_unit_mm, t, PARAMS)
    assert crop.shape == (128, 128) and crop.dtype == np.float32
    mask = hand_mask(crop, PARAMS)
    np.testing.assert_allclose(crop[mask], (560.0 - 500.0) / 150.0, atol=1e-6)
    assert np.all(crop[~mask] == PARAMS.background_value)
    assert 0 < mask.mean() < 1


def test_mask_is_unambiguous_at_the_cube_faces():
    t = make_crop_transform(np.array([0.0, 0.0, 500.0]), INTR, PARAMS)
    front = crop_depth(_plane_frame(350.0).depth, 0.125, t, PARAMS)  # exactly the front face: inside
    back = crop_depth(_plane_frame(650.0).depth, 0.125, t, PARAMS)  # exactly the back face: outside
    assert hand_mask(front, PARAMS).all() and np.all(front == -1.0)
    assert not hand_mask(back, PARAMS).any()


def test_nearest_resampling_invents_no_depth():
    """A depth edge (hand at 450 mm over a wall at 600 mm) yields only those two depths, never a blend."""
    frame = _plane_frame(600.0)
    frame.depth[:, 320:] = round(450 / 0.125)
    params = CropParams(segment_jump_mm=0.0)  # keep both surfaces to see the edge
    t = make_crop_transform(np.array([0.0, 0.0, 520.0]), INTR, params, rotation_deg=17.0, scale=1.13)
    crop = crop_depth(frame.depth, frame.depth_unit_mm, t, params)
    values = np.unique(crop[hand_mask(crop, params)])
    expected = [(450 - 520) / t.cube_half_mm, (600 - 520) / t.cube_half_mm]
    np.testing.assert_allclose(values, expected, atol=1e-6)


def test_surface_behind_the_hand_becomes_background():
    """A torso 100 mm behind the hand lies inside the cube, but is cut off from the hand by the depth jump."""
    frame = _plane_frame(600.0)  # torso
    frame.depth[200:300, 280:360] = round(500 / 0.125)  # hand patch around the centre
    t = make_crop_transform(np.array([0.0, 0.0, 510.0]), INTR, PARAMS)
    crop = crop_depth(frame.depth, frame.depth_unit_mm, t, PARAMS)
    kept = np.unique(crop[hand_mask(crop, PARAMS)])
    np.testing.assert_allclose(kept, [(500 - 510) / 150.0], atol=1e-6)
    unsegmented = crop_depth(frame.depth, frame.depth_unit_mm, t, CropParams(segment_jump_mm=0.0))
    assert hand_mask(unsegmented, PARAMS).sum() > hand_mask(crop, PARAMS).sum()


def test_rotation_rotates_the_content():
    t0 = make_crop_transform(np.array([0.0, 0.0, 500.0]), INTR, PARAMS)
    t90 = make_crop_transform(np.array([0.0, 0.0, 500.0]), INTR, PARAMS, rotation_deg=90.0)
    point = np.array([[t0.centre_uvz[0] + 20.0, t0.centre_uvz[1], 500.0]])  # right of the centre
    a, b = image_uvd_to_crop(point, t0)[0], image_uvd_to_crop(point, t90)[0]
    assert a[0] > 0 and abs(a[1]) < 1e-9
    assert abs(b[0]) < 1e-9 and b[1] == pytest.approx(a[0])


@pytest.mark.parametrize("intr", [INTR, NYU], ids=["sr305", "nyu-negative-fy"])
def test_a_turned_window_is_the_window_made_turned_about_the_same_centre(intr):
    centre = np.array([40.0, -25.0, 430.0])
    for angle in (-30.0, 12.5, 90.0):
        made = make_crop_transform(centre, intr, PARAMS, rotation_deg=angle)
        turned = rotated_transform(make_crop_transform(centre, intr, PARAMS), angle)
        np.testing.assert_allclose(turned.image_to_crop, made.image_to_crop, atol=1e-9)
        assert turned.centre_uvz == made.centre_uvz and turned.cube_half_mm == made.cube_half_mm
    back = rotated_transform(rotated_transform(made, 30.0), -30.0)
    np.testing.assert_allclose(back.image_to_crop, made.image_to_crop, atol=1e-9)


def test_centre_behind_the_camera_is_refused():
    with pytest.raises(ValueError, match="in front of the camera"):
        make_crop_transform(np.array([0.0, 0.0, -10.0]), INTR, PARAMS)


def test_params_round_trip_and_refusals():
    params = CropParams(cube_half_mm=125.0)
    assert CropParams.from_dict(params.to_dict()) == params
    with pytest.raises(ValueError, match="version"):
        CropParams.from_dict({**params.to_dict(), "version": 99})
    with pytest.raises(ValueError, match="unknown fields"):
        CropParams.from_dict({**params.to_dict(), "mystery": 1})
    with pytest.raises(ValueError, match="resampling"):
        CropParams.from_dict({**params.to_dict(), "resampling": "bilinear"})


def test_a_surface_reaching_the_images_edge_is_told_from_one_within_the_image():
    depth = np.zeros((480, 640), dtype=np.uint16)
    depth[200:260, 280:340] = 500  # a patch in the middle of the image, 500 mm away
    centre = np.array([0.0, 0.0, 510.0])
    transform = make_crop_transform(centre, INTR, PARAMS)
    crop = crop_depth(depth, 1.0, transform, PARAMS)
    assert not surface_reaches_image_edge(crop, transform, depth.shape, PARAMS)
    assert window_within_image(transform, depth.shape)
    depth[225:260, 340:640] = 500  # an arm from the patch to the image's right edge
    right = make_crop_transform(np.array([250.0, 0.0, 510.0]), INTR, PARAMS)  # its crop holds the arm's end
    assert surface_reaches_image_edge(crop_depth(depth, 1.0, right, PARAMS), right, depth.shape, PARAMS)
    assert not window_within_image(right, depth.shape)
    # the same window past the edge holding only a patch at its centre, 93 pixels from the image's edge
    patch = np.ones((128, 128), dtype=np.float32)
    patch[54:74, 54:74] = 0.0
    assert not surface_reaches_image_edge(patch, right, depth.shape, PARAMS)
    empty = np.ones((128, 128), dtype=np.float32)
    assert not surface_reaches_image_edge(empty, transform, depth.shape, PARAMS)
