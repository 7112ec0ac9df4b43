"""Live RealSense depth cameras through pyrealsense2.

Supported: the D400 series (D415, D435/D435i, D455 ...) on any recent librealsense, and the SR300/SR305.
The SR300 is only enumerated by librealsense <= 2.50 (install ``pyrealsense2<=2.50``); the SR305 stays
supported in later releases. Recordings from any of them play on any version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pyrealsense2 as rs

from handtrack.errors import CameraNotFoundError, SourceError
from handtrack.sources.base import DepthSource
from handtrack.sources.rs_convert import depth_unit_mm_from_scale, device_info, intrinsics_from_rs
from handtrack.types import Frame

log = logging.getLogger(__name__)

#: the fastest depth rate (frames/s) a camera is asked for when no rate is given: hand tracking wants every frame the
#: camera can give (the D400 series offers 90 at 640x480, the SR300/SR305 60); a slower tracker takes the newest
MAX_AUTO_FPS = 90


def list_devices() -> list[dict[str, str]]:
    """name / serial / firmware / product line / USB type of every connected RealSense device, and the depth mode
    ``handtrack live`` starts it in by default ("live_mode": 640x480 at its fastest rate there)."""
    return [{**device_info(dev), "live_mode": live_mode(dev)} for dev in rs.context().query_devices()]


def live_mode(device: rs.device, width: int = 640, height: int = 480) -> str:
    """The depth mode a camera starts in when no rate is given ("640x480@90"), or why there is none."""
    fps = fastest_fps(depth_modes(device), width, height)
    return f"{width}x{height}@{fps}" if fps is not None else f"no {width}x{height} depth mode: pass --resolution"


def depth_modes(device: rs.device) -> list[tuple[int, int, int]]:
    """(width, height, fps) of every z16 depth mode a device offers, sorted."""
    modes = set()
    for sensor in device.query_sensors():
        for profile in sensor.get_stream_profiles():
            if profile.stream_type() == rs.stream.depth and profile.format() == rs.format.z16:
                vsp = profile.as_video_stream_profile()
                modes.add((vsp.width(), vsp.height(), profile.fps()))
    return sorted(modes)


def fastest_fps(modes: list[tuple[int, int, int]], width: int, height: int, cap: int = MAX_AUTO_FPS) -> int | None:
    """The highest frame rate of the (width, height, fps) ``modes`` at ``width`` x ``height``, at most ``cap``; None
    when no mode has that resolution (or all are faster than ``cap``)."""
    rates = [f for w, h, f in modes if (w, h) == (width, height) and f <= cap]
    return max(rates) if rates else None


class RealSenseCamera(DepthSource):
    """A connected RealSense camera's depth stream (the depth sensor's own intrinsics, no alignment). ``fps`` None:
    the fastest rate the camera offers at ``width`` x ``height``, up to MAX_AUTO_FPS."""

    def __init__(self, serial: str | None = None, width: int = 640, height: int = 480, fps: int | None = None,
                 timeout_ms: int = 5000) -> None:
        devices = list(rs.context().query_devices())
        if not devices:
            raise CameraNotFoundError("no RealSense camera connected; plug one in (USB 3) or replay a recording")
        serials = [dev.get_info(rs.camera_info.serial_number) for dev in devices]
        if serial is None:
            serial = serials[0]
        elif serial not in serials:
            raise CameraNotFoundError(f"no RealSense camera with serial {serial}; connected: {', '.join(serials)}")
        device = devices[serials.index(serial)]
        modes = depth_modes(device)
        offered = ", ".join(f"{w}x{h}@{f}" for w, h, f in modes)
        if fps is None:
            fps = fastest_fps(modes, width, height)
            if fps is None:
                raise SourceError(f"camera {serial} has no {width}x{height} depth mode; it offers: {offered}")
        if (width, height, fps) not in modes:
            raise SourceError(f"camera {serial} has no {width}x{height}@{fps} depth mode; it offers: {offered}")
        self.serial = serial
        self._device_info = device_info(device)
        self._fps = float(fps)
        self._timeout_ms = timeout_ms
        self._pipeline = rs.pipeline()
        config = rs.config()
        config.enable_device(serial)
        config.enable_stream(rs.stream.depth, width, height, rs.format.z16, fps)
        try:
            profile = self._pipeline.start(config)
        except RuntimeError as exc:
            raise SourceError(f"cannot start camera {serial}: {exc}") from exc
        self._running = True
        stream = profile.get_stream(rs.stream.depth).as_video_stream_profile()
        self._intrinsics = intrinsics_from_rs(stream.get_intrinsics())
        self._depth_unit_mm = depth_unit_mm_from_scale(profile.get_device().first_depth_sensor().get_depth_scale())
        self.description = f"{self._device_info.get('name', 'RealSense')} {serial}"
        log.info("started %s: %dx%d@%d, depth unit %.4f mm", self.description, width, height, fps,
                 self._depth_unit_mm)





    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while self._running:
            ok, frames = self._pipeline.try_wait_for_frames(self._timeout_ms)
            if not self._running:
                break
            if not ok:
                raise SourceError(f"camera {self.serial} delivered no frame for {self._timeout_ms} ms (unplugged?)")
            depth = frames.get_depth_frame()
            if not depth:
                continue
            yield Frame(np.asanyarray(depth.get_data()).copy(), self._depth_unit_mm, self._intrinsics,
                        float(depth.get_timestamp()), index, self.description,
                        {"frame_number": str(depth.get_frame_number())})
            index += 1

    def close(self) -> None:
        if self._running:
            self._running = False
            try:
                self._pipeline.stop()
            except RuntimeError:
                log.debug("camera pipeline already stopped")
