"""The handedness classifier: balanced mirrored batches, training, ONNX export, and its use by the tracker."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (the train extra)")

from handtrack.training.handedness import _batch, export_classifier, train_classifier  # noqa: E402


def test_batches_pair_every_crop_with_its_mirror_image():
    rng = np.random.default_rng(0)
    crops = rng.random((3, 8, 8)).astype(np.float32)
    x, y = _batch(crops, np.random.default_rng(1), rotate=True)
    assert x.shape == (6, 1, 8, 8) and list(y) == [0, 0, 0, 1, 1, 1]
    for k in range(3):
        # each sample is its source crop (right) or its mirror (left), turned by a multiple of 90 degrees only
        right = [np.array_equal(x[k, 0], np.rot90(crops[k], t)) for t in range(4)]
        left = [np.array_equal(x[3 + k, 0], np.rot90(crops[k][:, ::-1], t)) for t in range(4)]
        assert any(right) and any(left)


def test_train_export_and_the_tracker_follows_the_classifier(tmp_path, monkeypatch, sr305_dir):
    import handtrack.training.handedness as module
    from handtrack import HandTracker
    from handtrack.engines.handedness import HandednessClassifier
    from handtrack.pose import Handedness
    from handtrack.sources import open_source

    cache = tmp_path / "cache"
    cache.mkdir()
    rng = np.random.default_rng(0)
    np.save(cache / "crops-0000.npy", (rng.random((40, 128, 128)) * 2 - 1).astype(np.float16))
    monkeypatch.setattr(module, "validation_crops",
                        lambda n, palm="symmetric": rng.random((min(n, 8), 128, 128)).astype(np.float32))
    result = train_classifier(cache, tmp_path / "run", minutes=0.05, batch=8)
    assert result["step"] >= 1 and 0.0 <= result["val_accuracy"] <= 1.0
    out = tmp_path / "handedness.onnx"
    assert export_classifier(tmp_path / "run", out, rng.random((4, 128, 128)).astype(np.float32), result) <= 1e-4
    classifier = HandednessClassifier(out)
    p = classifier.p_left(rng.random((3, 1, 128, 128)).astype(np.float32))
    assert p.shape == (3,) and np.all((0 <= p) & (p <= 1))

    tracker = HandTracker(handedness="auto", handedness_model=out)
    calls = []
    original = tracker.engine.infer
    tracker.engine.infer = lambda crops: calls.append(crops.copy()) or original(crops)
    tracker.classifier.p_left = lambda crops: np.full(len(crops), 0.9)  # "a left hand, 90 % sure"
    with open_source(sr305_dir, camera_profile="sr305") as source:
        frame = next(iter(source))
    pose = tracker.track(frame)[0]
    assert pose.handedness == Handedness.LEFT and pose.handedness_score == pytest.approx(0.9)
    assert [len(c) for c in calls] == [1, 1]  # one crop per pass: the classifier decided, no second orientation
    from handtrack.preprocess import crop_depth, make_crop_transform

    centre = tracker.localizer.locate(frame).hands[0].centre_xyz_mm
    seen = crop_depth(frame.depth, frame.depth_unit_mm, make_crop_transform(centre, frame.intrinsics,
                                                                              tracker.params), tracker.params)
    np.testing.assert_array_equal(calls[0][0, 0], seen[:, ::-1])  # the engine saw the crop mirrored


def test_held_out_crops_can_use_the_anatomical_palm():
    from handtrack.training.handedness import validation_crops

    symmetric, anatomical = validation_crops(2), validation_crops(2, "anatomical")
    assert symmetric.shape == anatomical.shape == (2, 128, 128)
    assert np.mean(np.abs(symmetric - anatomical) > 0.01) > 0.01  # the same scenes, the palm's relief differs


def test_torch_batches_pair_every_crop_with_its_turned_mirror_image():
    from handtrack.training.handedness import mirrored_rotated_batch

    crops = torch.rand(4, 1, 8, 8)
    x, y = mirrored_rotated_batch(crops, torch.Generator().manual_seed(0))
    assert x.shape == (8, 1, 8, 8) and y.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    for k in range(4):
        right = [torch.equal(x[k], torch.rot90(crops[k], t, dims=(-2, -1))) for t in range(4)]
        left = [torch.equal(x[4 + k], torch.rot90(crops[k].flip(-1), t, dims=(-2, -1))) for t in range(4)]
        assert any(right) and any(left)


def test_streaming_training_renders_fresh_crops_checkpoints_and_exports(tmp_path, monkeypatch):
    import handtrack.training.handedness as module

    rng = np.random.default_rng(0)
    monkeypatch.setattr(module, "validation_crops",
                        lambda n, palm="symmetric": rng.random((min(n, 8), 128, 128)).astype(np.float32))
    result = module.train_streaming(tmp_path / "run", minutes=0.01, device="cpu", workers=0, batch=4)
    assert result["step"] >= 1 and result["streamed_crops"] == 2 * result["step"]
    again = module.train_streaming(tmp_path / "run", minutes=0.01, device="cpu", workers=0, batch=4)
    assert again["step"] > result["step"]  # continued from the checkpoint
    out = tmp_path / "handedness.onnx"
    assert export_classifier(tmp_path / "run", out, rng.random((2, 128, 128)).astype(np.float32), again) <= 1e-4
