"""HandTracker end to end with an untrained model: shapes, geometry consistency, no-hand reporting."""

import numpy as np
import pytest

from handtrack import HandTracker
from handtrack.errors import HandtrackError
from handtrack.geometry import deproject_pixels_to_points
from handtrack.sources import open_source
from handtrack.tracker import default_model_path
from handtrack.types import Frame
from tests.preprocess.scenes import make_scene, two_hands_scene


def test_tracker_returns_consistent_poses_on_real_frames(untrained_onnx, sr305_dir):
    tracker = HandTracker(untrained_onnx)
    with open_source(sr305_dir, camera_profile="sr305") as source:
        frames = list(source)[:4]
    for frame in frames:
        poses = tracker.track(frame)
        assert len(poses) == 1
        pose = poses[0]
        assert pose.joints_uvd.shape == (21, 3) and pose.joints_xyz_mm.shape == (21, 3)
        back = deproject_pixels_to_points(pose.joints_uvd[:, :2].astype(np.float64), pose.joints_uvd[:, 2],
                                          frame.intrinsics)
        np.testing.assert_allclose(pose.joints_xyz_mm, back, atol=1e-2)
        assert np.all((0 <= pose.confidence) & (pose.confidence <= 1)) and 0 <= pose.score <= 1
        left, top, right, bottom = pose.crop_box_px
        assert left < right and top < bottom
        assert {"localise", "crop", "engine", "uncrop", "total"} <= set(pose.timings_ms)


def test_no_hand_gives_an_empty_list_and_a_reason(untrained_onnx):
    tracker = HandTracker(untrained_onnx)
    scene = make_scene(0)
    empty = Frame(np.zeros_like(scene.frame.depth), 0.125, scene.frame.intrinsics, 0.0, 0)
    assert tracker.track(empty) == [] and "no depth" in tracker.last_reason


def test_two_hands_in_one_engine_call(untrained_onnx):
    calls = []
    tracker = HandTracker(untrained_onnx, max_hands=2, refine=False)
    original = tracker.engine.infer
    tracker.engine.infer = lambda crops: calls.append(len(crops)) or original(crops)
    frame, _ = two_hands_scene()
    assert len(tracker.track(frame)) == 2 and calls == [2]


def test_missing_bundled_model_is_a_clear_error(monkeypatch, tmp_path):
    import handtrack.tracker as tracker_module

    monkeypatch.setattr(tracker_module, "MODELS_DIR", tmp_path)
    with pytest.raises(HandtrackError, match="no bundled model yet"):
        default_model_path()
