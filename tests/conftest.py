"""Shared fixtures: the real recordings in ../shared/data and small recordings the tests write."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from handtrack.types import Frame, Intrinsics

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HANDTRACK_SHARED_DATA", REPO.parent / "shared" / "data"))
D435_BAG = SHARED_DATA / "d435-unittest-bag" / "single_depth_color_640x480.bag"
SR305_DIR = SHARED_DATA / "sr305-lada"


def shared_path(relative: str) -> Path:
    """A path under ../shared/data; skips the test when it is absent, fails when CI requires the data."""
    path = SHARED_DATA / relative
    if not path.exists():
        if os.environ.get("HANDTRACK_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"shared data required but missing: {path}")
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture
def d435_bag() -> Path:
    return shared_path("d435-unittest-bag/single_depth_color_640x480.bag")


@pytest.fixture
def sr305_dir() -> Path:
    return shared_path("sr305-lada")


SMALL_INTRINSICS = Intrinsics(64, 48, 50.5, 51.5, 31.2, 23.9)


def pattern_frame(index: int, intrinsics: Intrinsics = SMALL_INTRINSICS, unit_mm: float = 0.125) -> Frame:
    """A frame whose every pixel encodes (index, row, column): bit-exactness is checkable after a round trip."""
    rows, cols = np.mgrid[0 : intrinsics.height, 0 : intrinsics.width]
    depth = ((index * 997 + rows * intrinsics.width + cols) % 65521).astype(np.uint16)
    return Frame(depth, unit_mm, intrinsics, timestamp_ms=1000.0 + index * 33.25, index=index, source="test")


@pytest.fixture(scope="session")
def pattern_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120-frame .db3 written with the project's recorder from pattern frames."""
    from handtrack.io.recorder import RecordingWriter

    path = tmp_path_factory.mktemp("rec") / "pattern.db3"
    with RecordingWriter(path, SMALL_INTRINSICS, 0.125, fps=30, device_info={"name": "pattern camera"}) as writer:
        for i in range(120):
            writer.write(pattern_frame(i))
    return path


@pytest.fixture(scope="session")
def untrained_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pwr-lite with untrained weights, exported to ONNX: exercises the pipeline, claims no accuracy."""
    torch = pytest.importorskip("torch", reason="making a test model needs PyTorch (the train extra)")
    from handtrack.models import build_network, registry_entry
    from handtrack.models.checkpoint import save_checkpoint
    from handtrack.models.export import export_onnx
    from handtrack.preprocess.params import CropParams

    folder = tmp_path_factory.mktemp("model")
    entry = registry_entry("pwr-lite")
    torch.manual_seed(0)
    network = build_network(entry.model)
    save_checkpoint(folder / "pwr-lite.pt", "pwr-lite", network, entry.model, CropParams(),
                    {"data": "none: untrained weights for tests"})
    export_onnx(folder / "pwr-lite.pt", folder / "pwr-lite.onnx")
    return folder / "pwr-lite.onnx"


class FakeClock:
    """A clock for pacing tests that moves only when something sleeps on it (seconds)."""

    def __init__(self) -> None:
        self.start = self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
