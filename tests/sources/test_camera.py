"""Live camera tests: they need a connected RealSense and skip, saying so, without one."""

import pyrealsense2 as rs
import pytest

from handtrack.errors import CameraNotFoundError
from handtrack.sources.camera import RealSenseCamera, list_devices
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
