"""RealSense recordings (ROS1 ``.bag`` and rosbag2 ``.db3``) played through pyrealsense2.

Playback always runs in the SDK's non-real-time mode: every depth frame exactly once, in order, however slow
the consumer, and the end of the file ends iteration. To pace at the recorded speed, wrap the source in
:class:`~handtrack.sources.pacing.PacedSource` (``open_source(..., realtime=True)`` does).
"""

from __future__ import annotations

import logging
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyrealsense2 as rs

from handtrack.errors import RecordingError
from handtrack.sources.base import RECORDING_SUFFIXES, DepthSource
from handtrack.sources.rs_convert import (
    call_with_timeout,
    depth_unit_mm_from_scale,
    device_info,
    intrinsics_from_rs,
)
from handtrack.types import Frame, Intrinsics

log = logging.getLogger(__name__)

_OPEN_TIMEOUT_S = 15.0
_POLL_MS = 200
_STALL_LIMIT_S = 20.0
_DB3_DEPTH_TOPIC = re.compile(r"^/device_\d+/sensor_\d+/Depth_\d+/image/data")


@dataclass
class StreamInfo:
    """One stream of a recording."""

    stream: str
    format: str
    width: int
    height: int
    fps: int
    intrinsics: Intrinsics | None


@dataclass
class RecordingInfo:
    """What ``handtrack info`` reports about a recording."""

    path: Path
    device: dict[str, str]
    streams: list[StreamInfo]
    depth_intrinsics: Intrinsics
    depth_unit_mm: float
    duration_s: float
    extra: dict[str, str] = field(default_factory=dict)


def check_recording_path(path: Path) -> None:
    """Raise RecordingError for a missing file, a wrong suffix or a .db3 that is not a RealSense recording."""
    if not path.exists():
        raise RecordingError(f"recording not found: {path}")
    if not path.is_file():
        raise RecordingError(f"not a file: {path}")
    if path.suffix.lower() not in RECORDING_SUFFIXES:
        raise RecordingError(f"{path}: unsupported recording type {path.suffix!r}; expected .bag or .db3")
    if path.stat().st_size == 0:
        raise RecordingError(f"{path}: empty file")
    if path.suffix.lower() == ".db3":
        _check_db3(path)


def _check_db3(path: Path) -> None:
    """A rosbag2 file must be an intact SQLite database holding a RealSense depth stream.

    Checked with sqlite3 before the SDK sees the file: librealsense hangs on a .db3 whose device description
    was never written (a recorder that died at once).
    """
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            names = [row[0] for row in db.execute("SELECT name FROM topics")]
            has_frames = db.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is not None
    except sqlite3.DatabaseError as exc:
        raise RecordingError(f"{path}: corrupt or truncated .db3 recording ({exc})") from exc
    if not any(name.startswith("/device_0/info") for name in names) or not has_frames:
        raise RecordingError(f"{path}: incomplete .db3 recording (no device description was written)")
    if not any(_DB3_DEPTH_TOPIC.match(name) for name in names):
        raise RecordingError(f"{path}: the recording holds no depth stream")


def _open_playback_device(path: Path) -> rs.device:
    ctx = rs.context()
    try:
        return call_with_timeout(lambda: ctx.load_device(str(path)), _OPEN_TIMEOUT_S,
                                 f"{path}: the SDK could not open the recording (incomplete or corrupt file)")
    except RuntimeError as exc:
        raise RecordingError(f"{path}: corrupt or truncated recording ({exc})") from exc


def _depth_stream(device: rs.device, path: Path) -> tuple[rs.sensor, rs.video_stream_profile, float]:
    """The recording's depth sensor, its depth stream profile and its depth scale (m per unit)."""
    for sensor in device.query_sensors():
        for profile in sensor.get_stream_profiles():
            if profile.stream_type() == rs.stream.depth and profile.is_video_stream_profile():
                if not sensor.is_depth_sensor():
                    raise RecordingError(f"{path}: the depth stream's sensor reports no depth unit")
                return sensor, profile.as_video_stream_profile(), sensor.as_depth_sensor().get_depth_scale()
    raise RecordingError(f"{path}: the recording holds no depth stream")


def inspect_recording(path: str | Path) -> RecordingInfo:
    """Device, streams, depth intrinsics, depth unit and duration, read from the file itself."""
    path = Path(path)
    check_recording_path(path)
    device = _open_playback_device(path)
    streams = []
    for sensor in device.query_sensors():
        for profile in sensor.get_stream_profiles():
            intr = None
            width = height = 0
            if profile.is_video_stream_profile():
                vsp = profile.as_video_stream_profile()
                intr = intrinsics_from_rs(vsp.get_intrinsics())
                width, height = vsp.width(), vsp.height()
            streams.append(StreamInfo(profile.stream_type().name, profile.format().name, width, height,
                                      profile.fps(), intr))
    _, depth_profile, scale = _depth_stream(device, path)
    duration = device.as_playback().get_duration().total_seconds()
    return RecordingInfo(path, device_info(device), streams, intrinsics_from_rs(depth_profile.get_intrinsics()),
                         depth_unit_mm_from_scale(scale), duration)


class RealSenseRecording(DepthSource):
    """Depth frames of a ``.bag`` / ``.db3`` recording, each exactly once, in order."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        check_recording_path(self.path)
        device = _open_playback_device(self.path)
        _, profile, scale = _depth_stream(device, self.path)
        self._intrinsics = intrinsics_from_rs(profile.get_intrinsics())
        self._depth_unit_mm = depth_unit_mm_from_scale(scale)
        self._fps = float(profile.fps())
        self._device_info = device_info(device)
        self._duration_s = device.as_playback().get_duration().total_seconds()
        self._stop_playback: Callable[[], None] | None = None
        self.description = f"RealSense recording {self.path.name}"




    @property
    def duration_s(self) -> float:
        return self._duration_s


    def __iter__(self) -> Iterator[Frame]:
        """Play the file from the start; frames reach the consumer through a small blocking queue, so the
        SDK's non-real-time playback waits for a slow consumer instead of dropping frames."""
        self.close()
        device = _open_playback_device(self.path)
        playback = device.as_playback()
        playback.set_real_time(False)  # before any sensor starts: no frame is played in real time
        sensor, profile, _ = _depth_stream(device, self.path)
        frames: queue.Queue[tuple[np.ndarray, float, int]] = queue.Queue(maxsize=4)
        stopping = threading.Event()

        def on_frame(frame: rs.frame) -> None:
            item = (np.asanyarray(frame.get_data()).copy(), float(frame.get_timestamp()), frame.get_frame_number())
            while not stopping.is_set():
                try:
                    frames.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        sensor.open(profile)
        sensor.start(on_frame)
        self._stop_playback = lambda: self._shutdown(stopping, frames, sensor)
        index = 0
        stalled_since = time.monotonic()
        try:
            while True:
                try:
                    image, timestamp_ms, frame_number = frames.get(timeout=_POLL_MS / 1000.0)
                except queue.Empty as empty:
                    if playback.current_status() == rs.playback_status.stopped and frames.empty():
                        break  # end of file
                    if time.monotonic() - stalled_since > _STALL_LIMIT_S:
                        raise RecordingError(
                            f"{self.path}: playback stalled after {index} frames (corrupt file?)") from empty
                    continue
                stalled_since = time.monotonic()
                yield Frame(image, self._depth_unit_mm, self._intrinsics, timestamp_ms, index, self.description,
                            {"frame_number": str(frame_number)})
                index += 1
        finally:
            self.close()

    @staticmethod
    def _shutdown(stopping: threading.Event, frames: queue.Queue[object], sensor: rs.sensor) -> None:
        stopping.set()  # releases a callback blocked on the full queue
        while not frames.empty():
            frames.get_nowait()
        for action in (sensor.stop, sensor.close):
            try:
                action()
            except RuntimeError:
                log.debug("playback sensor already stopped")

    def close(self) -> None:
        stop, self._stop_playback = self._stop_playback, None
        if stop is not None:
            stop()
