"""Crash-safe RealSense recordings (``.db3`` rosbag2, or ``.bag``) written from any depth source.

Frames go through pyrealsense2's software device and recorder, so the file plays in the RealSense Viewer
and in every pyrealsense2 program with the original intrinsics, depth unit and timestamps.

The SDK writes frames on a background thread of the process that records, so a crash of that process loses
frames still in flight. The writer therefore runs in a child process fed through a pipe: if the tracker
crashes, is killed or is interrupted by Ctrl-C, the child reads the frames already sent to it, sees the pipe
close and finalises the file. Every frame handed to :meth:`RecordingWriter.write` before a crash is kept.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import struct
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from handtrack.errors import RecordingError
from handtrack.sources.base import DepthSource
from handtrack.types import Frame, Intrinsics

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<qd")  # frame index, timestamp in ms
_FRAME_WAIT_MS = 5000
_CLOSE_TIMEOUT_S = 60.0


def _writer_main(conn: Connection, path: str, intrinsics: dict[str, Any], depth_unit_mm: float, fps: int,
                 info: dict[str, str]) -> None:
    """Child process: build a software device, record every frame received, finalise on close or EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; we finish the file
    import pyrealsense2 as rs

    from handtrack.sources.rs_convert import intrinsics_to_rs

    intr = Intrinsics.from_dict(intrinsics)
    try:
        device = rs.software_device()
        device.register_info(rs.camera_info.name, info.get("name", "handtrack software camera"))
        for key, field in (("serial", rs.camera_info.serial_number), ("firmware", rs.camera_info.firmware_version),
                           ("product_line", rs.camera_info.product_line)):
            if info.get(key):
                device.register_info(field, info[key])
        sensor = device.add_sensor("Depth")
        stream = rs.video_stream()
        stream.type, stream.index, stream.uid = rs.stream.depth, 0, 0
        stream.width, stream.height, stream.fps = intr.width, intr.height, fps
        stream.bpp, stream.fmt, stream.intrinsics = 2, rs.format.z16, intrinsics_to_rs(intr)
        profile = sensor.add_video_stream(stream, True).as_video_stream_profile()
        sensor.add_read_only_option(rs.option.depth_units, depth_unit_mm / 1000.0)
        recorder = rs.recorder(path, device)
        rec_sensor = recorder.query_sensors()[0]
        queue = rs.frame_queue(2)
        rec_sensor.open(profile)
        rec_sensor.start(queue)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send_bytes(f"error:cannot create recording {path}: {exc}".encode())
        return
    conn.send_bytes(b"ready")
    written = 0
    try:
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                break  # the parent is gone: finish the file with what we have
            if not message:
                break
            index, timestamp_ms = _HEADER.unpack_from(message)
            pixels = np.frombuffer(message, dtype=np.uint16, offset=_HEADER.size).reshape(intr.height, intr.width)
            frame = rs.software_video_frame()
            frame.pixels, frame.bpp, frame.stride = pixels, 2, intr.width * 2
            frame.timestamp, frame.domain = timestamp_ms, rs.timestamp_domain.hardware_clock
            frame.frame_number, frame.profile, frame.depth_units = index, profile, depth_unit_mm / 1000.0
            sensor.on_video_frame(frame)
            queue.wait_for_frame(_FRAME_WAIT_MS)  # the frame has passed the recorder before `pixels` goes away
            written += 1
    finally:
        rec_sensor.stop()
        rec_sensor.close()
        del recorder  # finalises the file
        try:
            conn.send_bytes(f"closed:{written}".encode())
        except (BrokenPipeError, OSError):
            pass


class RecordingWriter:
    """Write depth frames to a RealSense recording (``.db3`` or ``.bag``), crash-safe.

    >>> with RecordingWriter("out.db3", frame.intrinsics, frame.depth_unit_mm) as rec:
    ...     rec.write(frame)
    """

    def __init__(self, path: str | Path, intrinsics: Intrinsics, depth_unit_mm: float, fps: int = 30,
                 device_info: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in (".db3", ".bag"):
            raise RecordingError(f"{self.path}: recordings are written as .db3 (rosbag2) or .bag (ROS1)")
        if not self.path.parent.is_dir():
            raise RecordingError(f"{self.path}: folder {self.path.parent} does not exist")
        if self.path.exists():
            raise RecordingError(f"{self.path} already exists; choose another name or delete it")
        self.intrinsics = intrinsics
        self.depth_unit_mm = depth_unit_mm
        self.frames_written = 0
        ctx = mp.get_context("spawn")
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._process = ctx.Process(
            target=_writer_main, name="handtrack-recorder", daemon=False,
            args=(child_conn, str(self.path), intrinsics.to_dict(), depth_unit_mm, int(fps), device_info or {}),
        )
        self._process.start()
        child_conn.close()
        reply = self._receive(timeout_s=30.0)
        if reply != "ready":
            self._process.join(5)
            raise RecordingError(reply.removeprefix("error:") if reply else f"{self.path}: recorder did not start")
        self._closed = False

    def _receive(self, timeout_s: float) -> str:
        if self._conn.poll(timeout_s):
            try:
                return self._conn.recv_bytes().decode()
            except (EOFError, OSError):
                return ""
        return ""

    @property
    def pid(self) -> int | None:
        """Process id of the writer process."""
        return self._process.pid

    def write(self, frame: Frame) -> None:
        """Append one frame (it must match the recording's camera and depth unit)."""
        if self._closed:
            raise RecordingError(f"{self.path}: recording already closed")
        if frame.depth.shape != (self.intrinsics.height, self.intrinsics.width) or frame.depth.dtype != np.uint16:
            raise RecordingError(f"{self.path}: frame {frame.index} is {frame.depth.dtype} {frame.depth.shape[::-1]}, "
                                 f"the recording is uint16 {self.intrinsics.width}x{self.intrinsics.height}")
        header = _HEADER.pack(int(frame.index), float(frame.timestamp_ms))
        try:
            self._conn.send_bytes(header + np.ascontiguousarray(frame.depth).tobytes())
        except (BrokenPipeError, OSError) as exc:
            raise RecordingError(f"{self.path}: the recorder process stopped ({exc})") from exc
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file and wait for the writer process."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        try:
            self._conn.send_bytes(b"")
        except (BrokenPipeError, OSError):
            pass
        self._receive(timeout_s=_CLOSE_TIMEOUT_S)
        self._process.join(_CLOSE_TIMEOUT_S)
        self._conn.close()
        log.info("wrote %d frames to %s", self.frames_written, self.path)

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def recording_of(source: DepthSource) -> tuple[Intrinsics, float, int, dict[str, str]]:
    """What a recording of ``source`` is written with: (intrinsics, depth unit in mm, its nominal frame rate or 30,
    its device description or one naming the source), the arguments after the path of :class:`RecordingWriter`
    and those of :class:`RecordingSwitch`."""
    info = source.device_info or {"name": f"handtrack recording of {source.description}"}
    return source.intrinsics, source.depth_unit_mm, int(round(source.nominal_fps or 30)), info


class RecordingSwitch:
    """A recording started and stopped by one thread while another hands it every frame: ``handtrack live`` calls
    it on its capture thread (:class:`~handtrack.sources.capture.LatestFrameCapture`'s ``on_frame``), so a file keeps
    every frame the camera delivered, also those the tracker was too slow to take. Calling it with a frame writes
    the frame while a recording is on and does nothing otherwise. Thread-safe.
    """

    def __init__(self, intrinsics: Intrinsics, depth_unit_mm: float, fps: int,
                 device_info: dict[str, str] | None = None) -> None:
        self.intrinsics, self.depth_unit_mm, self.fps, self.device_info = intrinsics, depth_unit_mm, fps, device_info
        self._lock = threading.Lock()
        self._writer: RecordingWriter | None = None

    @property
    def path(self) -> Path | None:
        """The file being recorded, or None."""
        writer = self._writer
        return writer.path if writer is not None else None

    @property
    def frames_written(self) -> int:
        """Frames written to the file being recorded (0 when none is)."""
        writer = self._writer
        return writer.frames_written if writer is not None else 0

    def start(self, path: str | Path) -> None:
        """Record from the next frame on into ``path`` (a new .db3 or .bag); one recording at a time."""
        if self._writer is not None:
            raise RecordingError(f"already recording {self._writer.path}")
        writer = RecordingWriter(path, self.intrinsics, self.depth_unit_mm, self.fps, self.device_info)
        with self._lock:
            self._writer = writer

    def stop(self) -> tuple[Path, int] | None:
        """Finish the recording: (its path, frames written), or None when none was on."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is None:
            return None
        writer.close()
        return writer.path, writer.frames_written

    def __call__(self, frame: Frame) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.write(frame)
