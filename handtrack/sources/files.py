"""Depth sources from plain files: a folder of 16-bit PNGs, or a .npy / .npz stack.

Neither format carries a camera, so both need intrinsics (usually from a camera profile) and a depth unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from handtrack.errors import SourceError
from handtrack.sources.base import DepthSource
from handtrack.types import Frame, Intrinsics


def natural_sort_key(name: str) -> list[object]:
    """Sort key that orders ``frame_2`` before ``frame_10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def check_depth_image(depth: np.ndarray, intrinsics: Intrinsics, origin: str) -> None:
    """Raise SourceError unless ``depth`` is a single-channel uint16 image of the camera's size."""
    if depth.dtype != np.uint16:
        bits = depth.dtype.itemsize * 8
        raise SourceError(f"{origin}: {bits}-bit {depth.dtype} image; a depth image must be 16-bit single-channel")
    if depth.ndim != 2:
        raise SourceError(f"{origin}: has {depth.shape[2] if depth.ndim == 3 else '?'} channels; a depth image has one")
    if depth.shape != (intrinsics.height, intrinsics.width):
        raise SourceError(
            f"{origin}: image is {depth.shape[1]}x{depth.shape[0]} but the camera profile is "
            f"{intrinsics.width}x{intrinsics.height}"
        )


def find_pngs(folder: Path) -> list[Path]:
    """The folder's ``*.png`` files in natural order; if it has none, those of its subfolders (recursively),
    ordered by natural sort of their relative paths (one sequence per subfolder)."""
    files = list(folder.glob("*.png")) or list(folder.rglob("*.png"))
    return sorted(files, key=lambda p: natural_sort_key(p.relative_to(folder).as_posix()))


class PngFolderSource(DepthSource):
    """Every ``*.png`` in a folder (or, if none, in its subfolders), in natural order, as 16-bit depth frames."""

    def __init__(self, folder: str | Path, intrinsics: Intrinsics, depth_unit_mm: float, fps: float = 30.0) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SourceError(f"folder not found: {self.folder}")
        self.files = find_pngs(self.folder)
        if not self.files:
            raise SourceError(f"no .png files in folder {self.folder}")
        if depth_unit_mm <= 0:
            raise SourceError(f"depth unit must be positive, got {depth_unit_mm}")
        self._intrinsics = intrinsics
        self._depth_unit_mm = float(depth_unit_mm)
        self._fps = fps
        self._frame_count = len(self.files)
        self.description = f"PNG folder {self.folder}"
        self.read(0)  # fail now, not mid-run, when the folder holds the wrong kind of image





    def read(self, index: int) -> Frame:
        """Load frame ``index`` (validated: 16-bit, one channel, the camera's size)."""
        path = self.files[index]
        depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if depth is None:
            raise SourceError(f"{path}: not a readable PNG image")
        check_depth_image(depth, self._intrinsics, str(path))
        return Frame(depth, self._depth_unit_mm, self._intrinsics, index * 1000.0 / self._fps, index, self.description,
                     {"file": path.relative_to(self.folder).as_posix()})

    def __iter__(self) -> Iterator[Frame]:
        for index in range(len(self.files)):
            yield self.read(index)


class ArrayStackSource(DepthSource):
    """A (N, H, W) uint16 stack from a ``.npy`` file or a ``.npz`` (key ``depth``, else its only array).

    A ``.npz`` may also hold ``timestamps_ms`` (N,) to keep real capture times.
    """

    def __init__(self, path: str | Path, intrinsics: Intrinsics, depth_unit_mm: float, fps: float = 30.0) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"file not found: {self.path}")
        timestamps = None
        try:
            loaded = np.load(self.path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise SourceError(f"{self.path}: not a readable NumPy file ({exc})") from exc
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                keys = list(loaded.keys())
                if "depth" in keys:
                    stack = loaded["depth"]
                elif len(keys) == 1:
                    stack = loaded[keys[0]]
                else:
                    raise SourceError(f"{self.path}: .npz holds {keys}; name the depth stack 'depth'")
                if "timestamps_ms" in keys:
                    timestamps = np.asarray(loaded["timestamps_ms"], dtype=np.float64)
        else:
            stack = loaded
        if stack.ndim == 2:
            stack = stack[None]
        if stack.ndim != 3:
            raise SourceError(f"{self.path}: expected an (N, H, W) depth stack, got shape {stack.shape}")
        check_depth_image(stack[0], intrinsics, str(self.path))
        if timestamps is not None and timestamps.shape != (len(stack),):
            raise SourceError(f"{self.path}: timestamps_ms has {timestamps.shape} entries for {len(stack)} frames")
        if depth_unit_mm <= 0:
            raise SourceError(f"depth unit must be positive, got {depth_unit_mm}")
        self.stack = stack
        self.timestamps_ms = timestamps if timestamps is not None else np.arange(len(stack)) * 1000.0 / fps
        self._intrinsics = intrinsics
        self._depth_unit_mm = float(depth_unit_mm)
        self._fps = fps
        self._frame_count = len(stack)
        self.description = f"array stack {self.path}"





    def __iter__(self) -> Iterator[Frame]:
        for index in range(len(self.stack)):
            yield Frame(np.ascontiguousarray(self.stack[index]), self._depth_unit_mm, self._intrinsics,
                        float(self.timestamps_ms[index]), index, self.description)
