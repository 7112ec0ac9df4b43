import shutil
import sqlite3
import time

import numpy as np
import pytest

from handtrack.errors import RecordingError
from handtrack.sources import PacedSource, open_source
from handtrack.sources.recording import RealSenseRecording, inspect_recording
from tests.conftest import SMALL_INTRINSICS, FakeClock, pattern_frame


def test_real_d435_bag_yields_its_depth_with_the_sdks_intrinsics(d435_bag):
    import pyrealsense2 as rs

    with RealSenseRecording(d435_bag) as source:
        frames = list(source)
        assert source.device_info["name"] == "Intel RealSense D435"
    # The SDK itself, as the oracle: the depth profile's intrinsics and scale as pyrealsense2 reports them.
    device = rs.context().load_device(str(d435_bag))
    sensor = next(s for s in device.query_sensors() if s.is_depth_sensor())
    profile = next(p for p in sensor.get_stream_profiles() if p.stream_type() == rs.stream.depth)
    sdk = profile.as_video_stream_profile().get_intrinsics()
    intr = source.intrinsics
    assert (intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy) == (
        sdk.width, sdk.height, sdk.fx, sdk.fy, sdk.ppx, sdk.ppy)
    assert intr.model.value == sdk.model.name and round(intr.fx, 2) == 390.43
    assert source.depth_unit_mm == 1.0
    assert len(frames) >= 1
    depth = frames[0].depth
    assert depth.shape == (480, 640) and depth.dtype == np.uint16
    valid = depth[depth > 0]
    assert 300 <= valid.min() and valid.max() <= 3200  # a wall corner 0.3-3.2 m away
    assert all(b.timestamp_ms > a.timestamp_ms for a, b in zip(frames, frames[1:]))


def test_inspect_real_bag(d435_bag):
    info = inspect_recording(d435_bag)
    assert info.device["name"] == "Intel RealSense D435"
    assert {s.stream for s in info.streams} >= {"depth", "color"}
    assert info.depth_unit_mm == 1.0 and round(info.depth_intrinsics.fx, 2) == 390.43
    assert 0.1 < info.duration_s < 1.0


def test_every_frame_exactly_once_in_order(pattern_recording):
    with RealSenseRecording(pattern_recording) as source:
        assert source.intrinsics.size == SMALL_INTRINSICS.size
        assert source.depth_unit_mm == 0.125
        frames = list(source)
    assert len(frames) == 120
    for i, frame in enumerate(frames):
        assert frame.index == i
        np.testing.assert_array_equal(frame.depth, pattern_frame(i).depth)
        assert frame.timestamp_ms == pytest.approx(pattern_frame(i).timestamp_ms, abs=1e-3)


def test_slow_consumer_still_gets_every_frame(pattern_recording):
    seen = []
    with RealSenseRecording(pattern_recording) as source:
        for frame in source:
            seen.append(int(frame.info["frame_number"]))
            if len(seen) <= 10:
                time.sleep(0.1)  # far slower than the recorded 30 fps
    assert seen == list(range(120))


def test_iterating_twice_replays_from_the_start(pattern_recording):
    with RealSenseRecording(pattern_recording) as source:
        first = [f.index for f in source]
        second = [f.index for f in source]
    assert first == second == list(range(120))


def test_realtime_option_paces_a_recording(pattern_recording):
    # A virtual clock that moves only when the source sleeps: reading the file takes no time on it, so a busy
    # machine cannot make the test drop a frame, and the pacing is measured exactly.
    clock = FakeClock()
    with open_source(pattern_recording, realtime=True) as source:
        assert isinstance(source, PacedSource)
        source._clock, source._sleep = clock, clock.sleep
        frames = list(source)
    span_s = (pattern_frame(119).timestamp_ms - pattern_frame(0).timestamp_ms) / 1000.0
    assert abs(clock.now - clock.start - span_s) < 1e-6  # released on the recorded clock, not as fast as it reads
    assert len(clock.slept) == 119 and min(clock.slept) > 0  # every frame after the first waited for its time
    assert [f.index for f in frames] == list(range(120)) and source.dropped == 0  # a fast consumer misses nothing


def _cut(src, dst, fraction):
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


@pytest.mark.parametrize("fraction", [0.0005, 0.1, 0.5, 0.97])
def test_truncated_real_bag_is_a_clear_error(d435_bag, tmp_path, fraction):
    path = _cut(d435_bag, tmp_path / "cut.bag", fraction)
    with pytest.raises(RecordingError, match="cut.bag"):
        list(open_source(path))


@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.8])
def test_truncated_db3_is_a_clear_error(pattern_recording, tmp_path, fraction):
    path = _cut(pattern_recording, tmp_path / "cut.db3", fraction)
    with pytest.raises(RecordingError, match="cut.db3: corrupt or truncated"):
        list(open_source(path))


def test_garbage_empty_and_missing_files(tmp_path):
    (tmp_path / "g.bag").write_text("not a bag")
    with pytest.raises(RecordingError, match="corrupt or truncated"):
        open_source(tmp_path / "g.bag")
    (tmp_path / "e.db3").write_bytes(b"")
    with pytest.raises(RecordingError, match="empty file"):
        open_source(tmp_path / "e.db3")
    with pytest.raises(RecordingError, match="recording not found"):
        open_source(tmp_path / "missing.bag")


def test_db3_without_device_description_does_not_hang(pattern_recording, tmp_path):
    """The state a recorder that died at once leaves behind; the SDK alone would block forever on it."""
    path = tmp_path / "unfinished.db3"
    shutil.copy(pattern_recording, path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM messages")
        db.execute("DELETE FROM topics WHERE name LIKE '/device_0/info%'")
    with pytest.raises(RecordingError, match="incomplete"):
        open_source(path)


def test_recording_without_depth_is_refused(pattern_recording, tmp_path):
    path = tmp_path / "nodepth.db3"
    shutil.copy(pattern_recording, path)
    with sqlite3.connect(path) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM topics WHERE name LIKE '%Depth_0/image/data%'")]
        db.execute(f"DELETE FROM messages WHERE topic_id IN ({','.join(map(str, ids))})")
        db.execute("UPDATE topics SET name = replace(name, 'Depth_0', 'Color_0')")
    with pytest.raises(RecordingError, match="no depth stream"):
        open_source(path)


def test_a_camera_profile_given_for_a_recording_is_ignored_with_a_warning(caplog):
    from pathlib import Path

    from handtrack.sources import open_source

    demo = Path(__file__).resolve().parents[2] / "handtrack" / "_data" / "demo-sr305.db3"
    with caplog.at_level("WARNING", logger="handtrack.sources"):
        with open_source(demo, camera_profile="d435", depth_unit_mm=1.0) as source:
            assert source.depth_unit_mm == 0.125  # the recording's own, not the profile's or the given one
    assert "--camera-profile and --depth-unit ignored" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="handtrack.sources"):
        open_source(demo).close()
    assert "ignored" not in caplog.text
