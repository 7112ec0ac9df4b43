import numpy as np

from handtrack.geometry import project_points_to_pixels
from handtrack.pose import HandPose
from handtrack.smoothing import OneEuroConfig, OneEuroFilter, PoseSmoother
from tests.preprocess.scenes import SCENE_INTRINSICS


def _jitter_and_lag():
    import sys

    sys.path.insert(0, "benchmarks")
    from bench_smoothing import jitter_and_lag

    return jitter_and_lag


def test_static_jitter_drops_3x_with_lag_under_a_frame_at_30_fps():
    jitter_and_lag = _jitter_and_lag()
    for speed in (50.0, 300.0, 1000.0):
        result = jitter_and_lag(OneEuroConfig(), sigma_mm=3.0, speed_mm_s=speed)
        assert result["jitter_reduction"] >= 3.0
        assert result["lag_frames"] < 1.0


def test_first_sample_passes_through_and_time_going_back_resets():
    f = OneEuroFilter()
    x = np.ones((21, 3))
    np.testing.assert_array_equal(f(x, 0.0), x)
    f(x * 2, 0.033)
    np.testing.assert_array_equal(f(x * 5, 0.0), x * 5)  # a new sequence


def test_pose_smoother_keeps_uvd_consistent_and_forgets_lost_hands():
    rng = np.random.default_rng(0)
    xyz = rng.uniform([-50, -50, 400], [50, 50, 600], (21, 3))
    smoother = PoseSmoother()

    def pose(points):
        uv = project_points_to_pixels(points, SCENE_INTRINSICS)
        return HandPose(np.column_stack([uv, points[:, 2]]), points, np.ones(21), 1.0)

    smoother([pose(xyz)], 0.0, SCENE_INTRINSICS)
    moved = smoother([pose(xyz + 10.0)], 33.3, SCENE_INTRINSICS)[0]
    assert 0 < np.abs(moved.joints_xyz_mm - xyz).mean() < 10.0  # part of the way: smoothed
    uv = project_points_to_pixels(moved.joints_xyz_mm.astype(np.float64), SCENE_INTRINSICS)
    np.testing.assert_allclose(moved.joints_uvd[:, :2], uv, atol=1e-3)
    smoother([], 66.6, SCENE_INTRINSICS)  # lost
    again = smoother([pose(xyz + 50.0)], 100.0, SCENE_INTRINSICS)[0]
    np.testing.assert_allclose(again.joints_xyz_mm, xyz + 50.0, atol=1e-4)  # no smoothing across the gap
