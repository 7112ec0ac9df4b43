"""The pose-reading handedness classifier: crops, readings, fit, ONNX export, and its use by the tracker."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (the train extra)")

from handtrack.engines import load_engine  # noqa: E402
from handtrack.engines.handedness import POSE_FEATURES, PoseHandedness  # noqa: E402
from handtrack.engines.metadata import ModelFileError  # noqa: E402
from handtrack.tracker import MODELS_DIR  # noqa: E402


@pytest.fixture(scope="module")
def classifier_file(tmp_path_factory):
    import handtrack.training.handedness_pose as module

    data = tmp_path_factory.mktemp("handedness-pose")
    original = module.CHUNK
    module.CHUNK = 4
    try:
        module.render_crops(data, count=8, validation_count=4)
        assert sorted(p.name for p in data.glob("*.npy")) == [
            "train-000000.npy", "train-000004.npy", "validation-000000.npy"]
        assert module.read_all(data, MODELS_DIR / "pwr-lite.onnx") == 3
        assert module.read_all(data, MODELS_DIR / "pwr-lite.onnx") == 0  # chunks already read are kept
    finally:
        module.CHUNK = original
    network, result = module.fit(data, "pwr-lite", epochs=2)
    assert result["train_crops"] == 8 and result["held_out_crops"] == 8
    assert 0.0 <= result["held_out_accuracy"] <= 1.0
    out = data / "handedness-pwr-lite.onnx"
    assert module.export(network, load_engine(MODELS_DIR / "pwr-lite.onnx"), out, result) <= 1e-5
    return out


def test_the_exported_classifier_is_antisymmetric(classifier_file):
    classifier = PoseHandedness(classifier_file)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 6, POSE_FEATURES)).astype(np.float32)
    p = classifier.p_left(a, b)
    assert p.shape == (6,) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p + classifier.p_left(b, a), 1.0, atol=1e-6)  # readings swapped: the other side
    np.testing.assert_allclose(classifier.p_left(a, a), 0.5, atol=1e-6)  # two equal readings: no idea


def test_the_classifier_refuses_another_pose_model(classifier_file):
    classifier = PoseHandedness(classifier_file)
    classifier.check_pose_model(load_engine(MODELS_DIR / "pwr-lite.onnx"))
    with pytest.raises(ModelFileError, match="made for pose model 'pwr-lite'.*'pwr' reads its probe crop differently"):
        classifier.check_pose_model(load_engine(MODELS_DIR / "pwr.onnx"))


def test_the_tracker_reads_both_ways_in_one_call_and_keeps_the_chosen_reading(classifier_file, sr305_dir):
    from handtrack import HandTracker
    from handtrack.pose import Handedness
    from handtrack.preprocess.mirror import mirror_crops
    from handtrack.sources import open_source

    tracker = HandTracker(MODELS_DIR / "pwr-lite.onnx", handedness="auto", handedness_model=classifier_file)
    calls = []
    original = tracker.engine.infer
    tracker.engine.infer = lambda crops: calls.append(crops.copy()) or original(crops)
    with open_source(sr305_dir, camera_profile="sr305") as source:
        frame = next(iter(source))
    pose = tracker.track(frame)[0]
    assert [len(c) for c in calls] == [2, 1]  # first pass: the crop and its mirror image; second: the side chosen
    np.testing.assert_array_equal(calls[0][1], mirror_crops(calls[0][0]))
    assert pose.handedness in (Handedness.LEFT, Handedness.RIGHT) and 0.5 <= pose.handedness_score <= 1.0

    # A crop and its mirror image: opposite sides, the same score, the same joints mirrored.
    crops = calls[0][:1]
    joints, _, sides = tracker._read_both_ways(crops, tracker.classifier)
    joints_m, _, sides_m = tracker._read_both_ways(mirror_crops(crops), tracker.classifier)
    assert {sides[0][0], sides_m[0][0]} == {Handedness.LEFT, Handedness.RIGHT}
    assert sides[0][1] == pytest.approx(sides_m[0][1], abs=1e-5)
    np.testing.assert_allclose(joints_m[0] * [-1, 1, 1], joints[0], atol=1e-5)


def test_auto_handedness_without_a_file_for_this_pose_model_is_refused(monkeypatch, tmp_path):
    import handtrack.tracker as tracker_module
    from handtrack import HandTracker
    from handtrack.errors import HandtrackError

    monkeypatch.setattr(tracker_module, "MODELS_DIR", tmp_path)
    with pytest.raises(HandtrackError, match="handedness-pwr-lite.onnx"):
        HandTracker(MODELS_DIR / "pwr-lite.onnx", handedness="auto")


def _sides_right(tracker, crops: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """Share of ``crops`` (right hands) and their mirror images (left hands) whose side the tracker's classifier
    gets right, from its pose network's readings of each both ways."""
    from handtrack.training.handedness_pose import features, read_crops

    seen, mirrored = features(read_crops(tracker.engine, crops))
    right = np.sum(tracker.classifier.p_left(seen, mirrored) < 0.5)
    left = np.sum(tracker.classifier.p_left(mirrored, seen) >= 0.5)
    return float(right + left) / (2 * len(crops))


def test_the_bundled_classifier_tells_fresh_synthetic_hands_apart():
    """The bundled classifier of the CPU pose model, through ``HandTracker(handedness="auto")``, on 40 scenes of
    the validation sampler that no figure or choice used (indices 2,000 and on) and their mirror images."""
    from handtrack import HandTracker
    from handtrack.training.handedness import validation_crops

    tracker = HandTracker(MODELS_DIR / "pwr-lite.onnx", handedness="auto")  # loads handedness-pwr-lite.onnx
    assert isinstance(tracker.classifier, PoseHandedness) and tracker.classifier.pose_model == "pwr-lite"
    accuracy = _sides_right(tracker, validation_crops(40, "anatomical", first=2000))
    assert accuracy >= 0.85  # 93.3 % on 4,000 such crops (models/handedness.md)


def test_a_tracked_hand_keeps_its_side_through_a_frame_of_doubt(sr305_dir):
    from handtrack import HandTracker
    from handtrack.pose import Handedness
    from handtrack.sources import open_source
    from handtrack.tracker import HANDEDNESS_MEMORY

    tracker = HandTracker(MODELS_DIR / "pwr-lite.onnx", handedness="auto")
    answers = iter([0.9, 0.3, 0.3, 0.3])  # the classifier's p(left) on successive frames
    tracker.classifier.p_left = lambda seen, mirrored: np.array([next(answers)])
    with open_source(sr305_dir, camera_profile="sr305") as source:
        frame = next(iter(source))
    first, second = tracker.track(frame)[0], tracker.track(frame)[0]  # the same hand, tracked
    assert first.handedness == Handedness.LEFT and first.handedness_score == pytest.approx(0.9)
    odds = np.log(0.3 / 0.7) + HANDEDNESS_MEMORY * np.log(0.9 / 0.1)  # 0.91: still a left hand
    assert second.handedness == Handedness.LEFT
    assert second.handedness_score == pytest.approx(1 / (1 + np.exp(-odds)), abs=1e-6)
    third = tracker.track(frame)[0]  # two frames of doubt in a row: the evidence turns
    assert third.handedness == Handedness.RIGHT
    tracker.localizer.reset()  # a fresh search: nothing carries over
    fourth = tracker.track(frame)[0]
    assert fourth.handedness == Handedness.RIGHT and fourth.handedness_score == pytest.approx(0.7)


def test_a_crop_folder_holds_one_view_and_palm(tmp_path, monkeypatch):
    """``crops --view head-mounted`` renders a headset's views, remembers the kind in crops.json, refuses to add
    another kind to the folder, and the fit's held-out description names it."""
    import handtrack.training.handedness_pose as module

    monkeypatch.setattr(module, "CHUNK", 2)
    data = tmp_path / "hm"
    module.render_crops(data, count=2, validation_count=2, view="head-mounted", palm="anatomical-wrist")
    assert module.crop_kind(data) == {"view": "head-mounted", "palm": "anatomical-wrist"}
    front = tmp_path / "front"
    module.render_crops(front, count=2, validation_count=2)
    assert module.crop_kind(front) == {"view": "front", "palm": "anatomical"}
    for name in ("train-000000.npy", "validation-000000.npy"):  # the same seeds, another view: other crops
        assert np.mean(np.abs(np.load(data / name).astype(np.float32) - np.load(front / name)) > 0.01) > 0.05
    with pytest.raises(ValueError, match="holds crops of"):
        module.render_crops(data, count=2, validation_count=2)
    assert "head-mounted" in module.held_out_description(module.crop_kind(data))
    assert "headset" not in module.held_out_description(module.crop_kind(front))


def test_the_head_mounted_model_tells_left_from_right_on_a_headsets_views():
    """The head-mounted mode's model and its classifier, through ``HandTracker(head_mounted=True)`` (which then
    defaults to ``handedness="auto"``), on 40 headset scenes no figure or choice used and their mirror images."""
    from handtrack import HandTracker
    from handtrack.training.handedness import validation_crops

    tracker = HandTracker(head_mounted=True)
    assert isinstance(tracker.classifier, PoseHandedness) and tracker.classifier.pose_model == "pwr-lite-hm"
    accuracy = _sides_right(tracker, validation_crops(40, "anatomical-wrist", first=2000, view="head-mounted"))
    assert accuracy >= 0.85
