"""Geometry against pyrealsense2's own rs2_project_point_to_pixel / rs2_deproject_pixel_to_point."""

import numpy as np
import pyrealsense2 as rs
import pytest

from handtrack.geometry import deproject_pixels_to_points, depth_to_points_mm, project_points_to_pixels
from handtrack.sources.rs_convert import intrinsics_to_rs
from handtrack.types import DistortionModel, Intrinsics

N_POINTS = 10_000
# Realistic coefficients: D400 colour-like Brown-Conrady, SR300-like inverse Brown-Conrady, T265-like fisheyes.
COEFFS = {
    DistortionModel.NONE: (0, 0, 0, 0, 0),
    DistortionModel.BROWN_CONRADY: (0.12, -0.25, 0.001, -0.0008, 0.09),
    DistortionModel.MODIFIED_BROWN_CONRADY: (0.14, -0.45, -0.0007, 0.0011, 0.39),
    DistortionModel.INVERSE_BROWN_CONRADY: (-0.05, 0.06, 0.0006, 0.0004, -0.02),
    DistortionModel.KANNALA_BRANDT4: (-0.0048, 0.0404, -0.0385, 0.0066, 0),
    DistortionModel.FTHETA: (0.921, 0, 0, 0, 0),
}


def _camera(model: DistortionModel) -> Intrinsics:
    return Intrinsics(640, 480, 383.2, 382.7, 321.1, 238.4, model, COEFFS[model])


def _in_view_points(intr: Intrinsics, rng: np.random.Generator) -> np.ndarray:
    """Points whose pinhole projection lies on (or just around) the image, 200-1500 mm away."""
    uv = rng.uniform([-20, -20], [intr.width + 20, intr.height + 20], (N_POINTS, 2))
    z = rng.uniform(200, 1500, N_POINTS)
    return np.stack([(uv[:, 0] - intr.ppx) / intr.fx * z, (uv[:, 1] - intr.ppy) / intr.fy * z, z], axis=-1)


@pytest.mark.parametrize("model", list(DistortionModel), ids=lambda m: m.value)
def test_project_matches_the_sdk(model):
    intr = _camera(model)
    points = _in_view_points(intr, np.random.default_rng(1))
    oracle = np.array([rs.rs2_project_point_to_pixel(intrinsics_to_rs(intr), p.tolist()) for p in points])
    ours = project_points_to_pixels(points, intr)
    assert np.abs(ours - oracle).max() <= 1e-3


@pytest.mark.parametrize("model", list(DistortionModel), ids=lambda m: m.value)
def test_deproject_matches_the_sdk(model):
    intr = _camera(model)
    rng = np.random.default_rng(2)
    pixels = rng.uniform([0, 0], [intr.width, intr.height], (N_POINTS, 2))
    depth = rng.uniform(200, 1500, N_POINTS)
    rs_intr = intrinsics_to_rs(intr)
    oracle = np.array([rs.rs2_deproject_pixel_to_point(rs_intr, p.tolist(), float(d)) for p, d in zip(pixels, depth)])
    ours = deproject_pixels_to_points(pixels, depth, intr)
    assert np.abs(ours - oracle).max() <= 1e-3


@pytest.mark.parametrize(
    "model",
    [DistortionModel.NONE, DistortionModel.INVERSE_BROWN_CONRADY, DistortionModel.KANNALA_BRANDT4,
     DistortionModel.BROWN_CONRADY],
    ids=lambda m: m.value,
)
def test_project_deproject_round_trip(model):
    """For the models the SDK inverts, deproject(project(p)) == p within what its iterations reach."""
    intr = _camera(model)
    points = _in_view_points(intr, np.random.default_rng(3))
    back = deproject_pixels_to_points(project_points_to_pixels(points, intr), points[:, 2], intr)
    err = np.linalg.norm(back - points, axis=-1)
    # Closed-form and Newton inverses are exact to float error; the Brown-Conrady fixed-point loops stop after
    # the SDK's 10 iterations, which leaves up to about 0.1 mm at the image corners for these coefficients.
    tolerance = 0.2 if model in (DistortionModel.BROWN_CONRADY, DistortionModel.INVERSE_BROWN_CONRADY) else 1e-3
    assert err.max() <= tolerance
    assert np.median(err) <= 1e-3


def test_ftheta_inverse_is_the_sdks_not_a_true_inverse():
    """librealsense's F-Theta deprojection is not the inverse of its projection (its denominator is
    atan(2 tan(w/2)) where the inverse needs 2 tan(w/2)). We follow the SDK, the oracle of this project; this
    test documents the quirk and fails if the SDK ever changes."""
    intr = _camera(DistortionModel.FTHETA)
    point = np.array([100.0, 50.0, 500.0])
    pixel = rs.rs2_project_point_to_pixel(intrinsics_to_rs(intr), point.tolist())
    sdk_back = np.array(rs.rs2_deproject_pixel_to_point(intrinsics_to_rs(intr), pixel, 500.0))
    assert np.linalg.norm(sdk_back - point) > 10.0
    ours_back = deproject_pixels_to_points(project_points_to_pixels(point, intr), 500.0, intr)
    assert np.abs(ours_back - sdk_back).max() <= 1e-3


def test_float32_input_stays_float32():
    intr = _camera(DistortionModel.NONE)
    out = project_points_to_pixels(np.array([[10.0, 20.0, 500.0]], dtype=np.float32), intr)
    assert out.dtype == np.float32


def test_point_cloud_matches_per_pixel_deprojection():
    intr = _camera(DistortionModel.INVERSE_BROWN_CONRADY)
    rng = np.random.default_rng(4)
    depth = rng.integers(0, 4000, (intr.height, intr.width)).astype(np.uint16)
    depth[rng.random(depth.shape) < 0.3] = 0
    points, pixels = depth_to_points_mm(depth, 0.125, intr)
    assert len(points) == np.count_nonzero(depth)
    z = depth[pixels[:, 1], pixels[:, 0]] * 0.125
    expected = deproject_pixels_to_points(pixels.astype(np.float64), z, intr)
    assert np.abs(points - expected).max() <= 1e-3 * max(1.0, float(z.max()) / 1000)
    with pytest.raises(ValueError, match="does not match"):
        depth_to_points_mm(depth[:10], 0.125, intr)
