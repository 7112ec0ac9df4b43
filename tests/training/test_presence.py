"""Training the presence check: what its crops hold, the augmentation, a short run, the ONNX export."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (the train extra)")

from handtrack.engines.presence import PresenceClassifier  # noqa: E402
from handtrack.training.presence import HAND_KINDS, KINDS, augmented, export, ragged, render, train  # noqa: E402


def test_rendered_crops_hold_hands_and_what_is_left_when_a_hand_has_gone(tmp_path):
    path = render(tmp_path / "data", seed=5, first=0, count=6)
    with np.load(path) as data:
        crops, kinds = data["crops"], data["kinds"]
    assert crops.shape[1:] == (128, 128) and crops.dtype == np.float16 and len(crops) == len(kinds)
    assert set(HAND_KINDS) <= set(kinds.tolist()) and (~np.isin(kinds, HAND_KINDS)).sum() >= 6
    assert set(kinds.tolist()) <= set(range(len(KINDS)))
    # every crop shows some surface; a hand's palm crop is about as full as a hand makes it
    assert all((c < 1.0).mean() > 0.02 for c in crops)
    assert render(tmp_path / "data", seed=5, first=0, count=6) == path  # kept, not rendered again


def test_augmentation_changes_only_the_surface_and_keeps_the_background():
    rng = np.random.default_rng(0)
    crop = np.ones((128, 128), dtype=np.float32)
    crop[30:100, 40:90] = 0.1
    holed = ragged(crop.copy(), np.random.default_rng(3))
    assert np.all(holed[crop == 1.0] == 1.0)  # nothing appears where there was no surface
    assert (holed < 1.0).sum() <= (crop < 1.0).sum()
    batch = augmented(np.stack([crop, crop]).astype(np.float16), rng)
    assert batch.shape == (2, 128, 128) and batch.dtype == np.float32
    assert 0 < (batch < 1.0).sum() <= 2 * (crop < 1.0).sum()


def test_a_short_run_trains_and_exports_a_model_the_tracker_can_load(tmp_path):
    data = tmp_path / "data"
    render(data, seed=5, first=0, count=4)
    render(data, seed=6, first=0, count=2)
    result = train(data, tmp_path / "run", minutes=0.02, held_out_seed=6, threads=1, batch=8)
    assert result["steps"] >= 1 and result["held_out"]
    out = tmp_path / "presence.onnx"
    assert export(tmp_path / "run", out) <= 1e-4
    p = PresenceClassifier(out).p_hand(np.ones((3, 1, 128, 128), dtype=np.float32))
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1))
