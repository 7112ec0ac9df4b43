"""Live camera tests: they need a connected RealSense and skip, saying so, without one."""

import pyrealsense2 as rs
import pytest

from handtrack.errors import CameraNotFoundError
from handtrack.sources.camera import RealSenseCamera, fastest_fps, list_devices, live_mode
from handtrack.sources.capture import LatestFrameCapture


def _camera_connected() -> bool:
    return len(rs.context().query_devices()) > 0


def test_list_devices_matches_the_sdk():
    assert len(list_devices()) == len(rs.context().query_devices())


def test_unknown_serial_is_refused():
    if not _camera_connected():
        with pytest.raises(CameraNotFoundError, match="no RealSense camera connected"):
            RealSenseCamera(serial="000000000000")
    else:
        with pytest.raises(CameraNotFoundError, match="no RealSense camera with serial"):
            RealSenseCamera(serial="000000000000")


def test_a_camera_runs_at_the_fastest_rate_it_offers_at_the_resolution_up_to_90():
    # depth modes as a D435 over USB 3 and an SR305 list them (width, height, fps)
    d435 = [(w, h, f) for w, h in ((480, 270), (640, 480), (848, 480)) for f in (6, 15, 30, 60, 90)] + [
        (1280, 720, 6), (1280, 720, 15), (1280, 720, 30), (256, 144, 300)]
    sr305 = [(640, 480, 10), (640, 480, 30), (640, 480, 60)]
    assert fastest_fps(d435, 640, 480) == 90
    assert fastest_fps(d435, 1280, 720) == 30
    assert fastest_fps(d435, 256, 144) is None  # only faster than the cap
    assert fastest_fps(d435, 256, 144, cap=300) == 300
    assert fastest_fps(sr305, 640, 480) == 60
    assert fastest_fps(sr305, 848, 480) is None


def _software_camera(modes: list[tuple[int, int, int]]) -> rs.software_device:
    """A pyrealsense2 software device offering these z16 depth modes (width, height, fps)."""
    device = rs.software_device()
    sensor = device.add_sensor("Depth")
    for uid, (width, height, fps) in enumerate(modes):
        stream = rs.video_stream()
        stream.type, stream.index, stream.uid = rs.stream.depth, 0, uid
        stream.width, stream.height, stream.fps, stream.bpp, stream.fmt = width, height, fps, 2, rs.format.z16
        intrinsics = rs.intrinsics()
        intrinsics.width, intrinsics.height, intrinsics.fx, intrinsics.fy = width, height, 470.0, 470.0
        intrinsics.ppx, intrinsics.ppy = width / 2, height / 2
        stream.intrinsics = intrinsics
        sensor.add_video_stream(stream)
    return device


def test_doctor_names_the_mode_a_camera_starts_in_from_the_modes_it_offers():
    assert live_mode(_software_camera([(640, 480, 30), (640, 480, 60), (848, 480, 90)])) == "640x480@60"
    assert live_mode(_software_camera([(640, 480, 30), (640, 480, 90)])) == "640x480@90"
    assert live_mode(_software_camera([(848, 480, 90)])).startswith("no 640x480 depth mode")


@pytest.mark.hardware
@pytest.mark.skipif(not _camera_connected(), reason="no RealSense camera connected")
def test_live_camera_streams_depth_with_device_intrinsics():
    with RealSenseCamera() as camera:
        assert camera.depth_unit_mm > 0
        assert camera.intrinsics.size == (640, 480)
        with LatestFrameCapture(camera) as capture:
            frames = [capture.get(timeout_s=5.0) for _ in range(30)]
    assert all(f is not None and f.depth.shape == (480, 640) for f in frames)
    assert [f.index for f in frames] == sorted(f.index for f in frames)
