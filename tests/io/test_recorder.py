import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from handtrack.errors import RecordingError
from handtrack.io.recorder import RecordingSwitch, RecordingWriter
from handtrack.sources import open_source
from tests.conftest import REPO, SMALL_INTRINSICS, pattern_frame


def test_sr305_frames_survive_png_to_db3_to_playback_bit_exact(sr305_dir, tmp_path):
    out = tmp_path / "sr305.db3"
    with open_source(sr305_dir, camera_profile="sr305") as source:
        originals = list(source)
        with RecordingWriter(out, source.intrinsics, source.depth_unit_mm, fps=30) as writer:
            for frame in originals:
                writer.write(frame)
    with open_source(out) as played:
        replayed = list(played)
        assert played.depth_unit_mm == 0.125
        intr = played.intrinsics
    assert len(replayed) == len(originals) == 19
    for a, b in zip(originals, replayed):
        np.testing.assert_array_equal(a.depth, b.depth)
        assert b.timestamp_ms == pytest.approx(a.timestamp_ms, abs=1e-3)
    ref = originals[0].intrinsics
    # The SDK stores intrinsics as float32.
    for name in ("fx", "fy", "ppx", "ppy"):
        assert getattr(intr, name) == pytest.approx(getattr(ref, name), rel=1e-6)
    assert intr.size == ref.size and intr.model == ref.model


def test_a_recording_switch_writes_the_frames_handed_to_it_while_on(tmp_path):
    import threading

    switch = RecordingSwitch(SMALL_INTRINSICS, 1.0, fps=30)
    switch(pattern_frame(0))  # off: nothing happens
    assert switch.stop() is None and switch.path is None
    switch.start(tmp_path / "a.db3")
    with pytest.raises(RecordingError, match="already recording"):
        switch.start(tmp_path / "b.db3")
    # another thread hands it frames (as the capture thread does) while this one stops it
    feeder = threading.Thread(target=lambda: [switch(pattern_frame(i)) for i in range(1, 26)])
    feeder.start()
    feeder.join()
    assert switch.frames_written == 25
    assert switch.stop() == (tmp_path / "a.db3", 25)
    switch(pattern_frame(26))  # off again
    with open_source(tmp_path / "a.db3") as played:
        assert [f.depth.tolist() for f in played] == [pattern_frame(i).depth.tolist() for i in range(1, 26)]


def test_writer_refuses_bad_paths_and_mismatched_frames(tmp_path):
    with pytest.raises(RecordingError, match=r"\.db3 \(rosbag2\) or \.bag"):
        RecordingWriter(tmp_path / "x.mp4", SMALL_INTRINSICS, 1.0)
    with pytest.raises(RecordingError, match="does not exist"):
        RecordingWriter(tmp_path / "no" / "x.db3", SMALL_INTRINSICS, 1.0)
    (tmp_path / "exists.db3").write_bytes(b"x")
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(tmp_path / "exists.db3", SMALL_INTRINSICS, 1.0)
    with RecordingWriter(tmp_path / "ok.db3", SMALL_INTRINSICS, 1.0) as writer:
        wrong = pattern_frame(0)
        wrong.depth = wrong.depth[:10]
        with pytest.raises(RecordingError, match="frame 0 is uint16"):
            writer.write(wrong)


_CRASHING_WRITER = textwrap.dedent("""
    import os, sys, signal
    sys.path.insert(0, {repo!r})
    from handtrack.io.recorder import RecordingWriter
    from tests.conftest import SMALL_INTRINSICS, pattern_frame
    writer = RecordingWriter({path!r}, SMALL_INTRINSICS, 0.125)
    print(writer.pid, flush=True)
    for i in range({n}):
        writer.write(pattern_frame(i))
    os.kill(os.getpid(), signal.SIGKILL)  # the tracker dies without closing anything
""")


def _wait_for_exit(pid: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"writer process {pid} did not finish")


@pytest.mark.parametrize("n_frames", [1, 37])
def test_a_killed_tracker_loses_no_written_frame(tmp_path, n_frames):
    path = tmp_path / "crash.db3"
    script = _CRASHING_WRITER.format(repo=str(REPO), path=str(path), n=n_frames)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    _wait_for_exit(int(proc.stdout.split()[0]))
    with open_source(path) as source:
        frames = list(source)
    assert [f.index for f in frames] == list(range(n_frames))
    for frame in frames:
        np.testing.assert_array_equal(frame.depth, pattern_frame(frame.index).depth)
