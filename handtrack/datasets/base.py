"""Shared pieces of the dataset readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from handtrack.calibration import load_profile
from handtrack.errors import SourceError
from handtrack.sources.base import DepthSource
from handtrack.types import Frame, Intrinsics, LabelledFrame


class DatasetError(SourceError):
    """A dataset file is missing or malformed; the message names the file (and line)."""


def parse_numbers(text: str, count: int, where: str) -> np.ndarray:
    """``count`` floats from whitespace-separated text, or DatasetError naming ``where``."""
    parts = text.split()
    if len(parts) != count:
        raise DatasetError(f"{where}: {len(parts)} numbers, expected {count}")
    try:
        return np.array([float(p) for p in parts], dtype=np.float64)
    except ValueError as exc:
        raise DatasetError(f"{where}: not a number ({exc})") from exc


def uvd_from_xyz(xyz: np.ndarray, intr: Intrinsics) -> np.ndarray:
    """(J, 3) mm -> (J, 3) u, v, d with the dataset's pinhole camera."""
    return np.column_stack([xyz[:, 0] * intr.fx / xyz[:, 2] + intr.ppx, xyz[:, 1] * intr.fy / xyz[:, 2] + intr.ppy,
                            xyz[:, 2]])


def xyz_from_uvd(uvd: np.ndarray, intr: Intrinsics) -> np.ndarray:
    d = uvd[:, 2]
    return np.column_stack([(uvd[:, 0] - intr.ppx) * d / intr.fx, (uvd[:, 1] - intr.ppy) * d / intr.fy, d])


class DatasetSource(DepthSource):
    """A list of (depth loader, labels) items: subclasses fill ``self.items`` with (path, joints_uvd)."""

    profile_name = ""
    joints = 0

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.exists():
            raise DatasetError(f"dataset folder not found: {self.root}")
        self.profile = load_profile(self.profile_name)
        self._intrinsics, self._depth_unit_mm = self.profile.intrinsics, 1.0  # the datasets store millimetres
        self.items: list[tuple[Path, np.ndarray]] = []
        self.description = f"{self.profile_name} dataset {self.root}"




    @property
    def frame_count(self) -> int:
        return len(self.items)

    def load_depth(self, path: Path) -> np.ndarray:
        raise NotImplementedError

    def frame(self, index: int) -> LabelledFrame:
        path, uvd = self.items[index]
        depth = self.load_depth(path)
        if depth.shape != (self.intrinsics.height, self.intrinsics.width):
            raise DatasetError(f"{path}: depth is {depth.shape[1]}x{depth.shape[0]}, the dataset's camera is "
                               f"{self.intrinsics.width}x{self.intrinsics.height}")
        return LabelledFrame(depth, 1.0, self.intrinsics, float(index), index, self.description,
                             {"file": str(path.relative_to(self.root))}, uvd.astype(np.float32),
                             xyz_from_uvd(uvd, self.intrinsics).astype(np.float32))

    def __iter__(self) -> Iterator[Frame]:
        for index in range(len(self.items)):
            yield self.frame(index)
