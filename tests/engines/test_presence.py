"""The presence check: the bundled classifier on real hands and on synthetic forearms whose hand has left the view,
and how the tracker weighs its scores over frames."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from handtrack import HandTracker
from handtrack.engines.metadata import ModelFileError
from handtrack.engines.presence import PresenceClassifier
from handtrack.preprocess.params import CropParams
from handtrack.synth.generator import SyntheticSource
from handtrack.tracker import MODELS_DIR, PRESENCE_MIN, PRESENCE_MODEL, SIDE_MAX_LOG_ODDS

REPO = Path(__file__).resolve().parents[2]
PRESENCE = MODELS_DIR / PRESENCE_MODEL
LITE = REPO / "models" / "pwr-lite.onnx"


class Recorder:
    """Stands in for the classifier: keeps the crops the tracker asks about and says each holds a hand."""

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def p_hand(self, crops: np.ndarray) -> np.ndarray:
        self.crops += list(crops)
        return np.ones(len(crops), dtype=np.float32)


def test_every_real_hand_passes_the_presence_check(monkeypatch):
    sys.path.insert(0, str(REPO))
    from tests.preprocess.test_localize import real_frames

    classifier, recorder = PresenceClassifier(PRESENCE), Recorder()
    tracker = HandTracker(LITE)
    tracker.presence = recorder  # type: ignore[assignment]
    with monkeypatch.context() as patch:  # every hand asked about, also those within the image
        patch.setattr("handtrack.tracker.window_within_image", lambda *args: False)
        patch.setattr("handtrack.tracker.surface_reaches_image_edge", lambda *args: True)
        for name, frame in real_frames():
            tracker.reset()
            assert tracker.track(frame), f"{name}: {tracker.last_reason}"
    assert len(recorder.crops) == 40  # one hand each: the crop its pose was read from
    scores = classifier.p_hand(np.stack(recorder.crops))
    assert min(scores) > PRESENCE_MIN, sorted(scores)[:3]
    tracker = HandTracker(LITE)  # with the check, every real hand is still reported
    assert tracker.presence is not None
    for name, frame in real_frames():
        tracker.reset()
        assert tracker.track(frame), f"{name}: {tracker.last_reason}"


def test_a_forearm_whose_hand_has_left_the_view_is_not_reported():
    source = SyntheticSource(60, seed=7)
    without, with_check = HandTracker(LITE, presence=False, handedness="right"), HandTracker(LITE, handedness="right")
    reported, refused = 0, 0
    for index in range(60):
        frame = source.out_of_view_frame(index, 150.0)
        without.reset()
        if not without.track(frame):
            continue
        reported += 1
        with_check.reset()
        if not with_check.track(frame):
            refused += 1
            assert "presence check" in with_check.last_reason
    assert reported >= 5  # the localiser and the pose network alone take forearms' ends for hands
    assert refused >= 0.7 * reported, (refused, reported)
    hands = [f for f in (source.frame(i) for i in range(20))]
    assert sum(bool(with_check.track(f)) for f in hands if not with_check.reset()) >= 19


class ScriptedPresence:
    """Stands in for the classifier: returns the next of ``scores`` at each call."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = list(scores)

    def p_hand(self, crops: np.ndarray) -> np.ndarray:
        return np.full(len(crops), self.scores.pop(0), dtype=np.float32)


def test_a_followed_hand_survives_one_doubtful_frame_and_is_dropped_when_the_evidence_turns(monkeypatch):
    frame = SyntheticSource(1, seed=3).frame(0)
    tracker = HandTracker(LITE, handedness="right")
    assert tracker.track(frame)  # a hand within the image: not asked about, fully a hand
    assert tracker._followed[0].hand_odds == SIDE_MAX_LOG_ODDS
    tracker.reset()
    monkeypatch.setattr("handtrack.tracker.window_within_image", lambda *args: False)  # as if at the image's edge
    monkeypatch.setattr("handtrack.tracker.surface_reaches_image_edge", lambda *args: True)
    tracker.presence = ScriptedPresence([0.99, 0.99, 0.2, 0.99, 0.05, 0.05, 0.99])  # type: ignore[assignment]
    kept = [bool(tracker.track(frame)) for _ in range(7)]
    # 0.2 after two confident frames: kept; two frames at 0.05 outweigh the evidence: dropped at the second; the
    # frame after it is a fresh search, decided by its own score
    assert kept == [True, True, True, True, True, False, True]
    assert "presence check" not in tracker.last_reason
    tracker.presence = ScriptedPresence([0.2])  # type: ignore[assignment]
    tracker.reset()
    assert not tracker.track(frame) and "presence check found no hand in the crop (p 0.20)" in tracker.last_reason


def test_the_presence_check_is_refused_for_other_crops_or_files(untrained_onnx):
    classifier = PresenceClassifier(PRESENCE)
    classifier.check_contract(CropParams())
    with pytest.raises(ModelFileError, match="cube_half_mm"):
        classifier.check_contract(dataclasses.replace(CropParams(), cube_half_mm=100.0))
    with pytest.raises(ModelFileError, match="not a presence model"):
        HandTracker(LITE, presence=untrained_onnx)
    assert HandTracker(LITE, presence=False).presence is None
    # trained on front views: off by default for a headset's, unless a file is given
    assert HandTracker(head_mounted=True).presence is None
    assert HandTracker(head_mounted=True, presence=PRESENCE).presence is not None
