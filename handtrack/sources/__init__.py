"""Depth sources: live RealSense cameras, RealSense recordings, PNG folders and array stacks.

``open_source(spec)`` picks one from a spec string:

- ``realsense`` or ``realsense:SERIAL`` — a live camera;
- ``*.bag`` / ``*.db3`` — a RealSense recording (intrinsics and depth unit from the file);
- a folder of 16-bit PNGs, or ``*.npy`` / ``*.npz`` — needs a camera profile and takes its depth unit
  unless one is given.

Offline sources yield every frame as fast as the consumer takes them; ``realtime=True`` paces them at the
recorded speed and drops frames a slow consumer misses.
"""

from __future__ import annotations

import logging
from pathlib import Path

from handtrack.calibration import load_profile
from handtrack.errors import SourceError
from handtrack.sources.base import RECORDING_SUFFIXES, DepthSource
from handtrack.sources.capture import LatestFrameCapture
from handtrack.sources.files import ArrayStackSource, PngFolderSource
from handtrack.sources.pacing import PacedSource

log = logging.getLogger(__name__)

__all__ = ["DepthSource", "LatestFrameCapture", "PacedSource", "open_source"]

#: the nominal frame rate of a PNG folder or array stack, whose files carry none (frames/s)
OFFLINE_FPS = 30


def open_source(
    spec: str | Path,
    camera_profile: str | None = None,
    depth_unit_mm: float | None = None,
    realtime: bool = False,
    width: int = 640,
    height: int = 480,
    fps: int | None = None,
) -> DepthSource:
    """Open the depth source a spec names (see the module docstring). ``fps``: a live camera's frame rate (None: the
    fastest it offers at ``width`` x ``height``, up to 90), and the nominal rate of a PNG folder or array stack
    (None: OFFLINE_FPS)."""
    text = str(spec)
    path = Path(text)
    suffix = path.suffix.lower()
    camera = text == "realsense" or text.startswith("realsense:")
    if (camera or suffix in RECORDING_SUFFIXES) and (camera_profile is not None or depth_unit_mm is not None):
        given = " and ".join(name for name, value in (("--camera-profile", camera_profile),
                                                      ("--depth-unit", depth_unit_mm)) if value is not None)
        log.warning("%s ignored: %s gives its own intrinsics and depth unit", given, text)
    if camera:
        from handtrack.sources.camera import RealSenseCamera

        serial = text.partition(":")[2] or None
        return RealSenseCamera(serial=serial, width=width, height=height, fps=fps)
    source = _open_offline(path, suffix, camera_profile, depth_unit_mm, fps or OFFLINE_FPS)
    return PacedSource(source) if realtime else source


def _open_offline(path: Path, suffix: str, camera_profile: str | None, depth_unit_mm: float | None,
                  fps: int) -> DepthSource:
    if suffix in RECORDING_SUFFIXES:
        from handtrack.sources.recording import RealSenseRecording  # pyrealsense2 only when a recording is read

        return RealSenseRecording(path)
    if not path.exists():
        raise SourceError(f"not found: {path} (a source is 'realsense', a .bag or .db3 recording, a folder of 16-bit "
                          "PNGs or a .npy/.npz stack)")
    if not (path.is_dir() or suffix in (".npy", ".npz")):
        raise SourceError(
            f"{path}: unsupported source type {suffix or '(no extension)'!r}; expected .bag, .db3, .npy, .npz, "
            "a folder of 16-bit PNGs, or 'realsense'"
        )
    if camera_profile is None:
        raise SourceError(f"{path}: PNG folders and arrays carry no camera; pass --camera-profile (e.g. sr305)")
    profile = load_profile(camera_profile)
    unit = profile.depth_unit_mm if depth_unit_mm is None else depth_unit_mm
    if path.is_dir():
        return PngFolderSource(path, profile.intrinsics, unit, float(fps))
    return ArrayStackSource(path, profile.intrinsics, unit, float(fps))
