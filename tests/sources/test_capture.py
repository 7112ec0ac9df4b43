import threading
import time
from collections.abc import Iterator

import pytest

from handtrack.errors import SourceError
from handtrack.sources.base import DepthSource
from handtrack.sources.capture import LatestFrameCapture
from handtrack.types import Frame, Intrinsics
from tests.conftest import SMALL_INTRINSICS, pattern_frame


class TickingSource(DepthSource):
    """A fake camera: one frame every ``interval_s``, forever or for ``count`` frames, optionally failing."""

    def __init__(self, interval_s: float, count: int | None = None, fail_after: int | None = None) -> None:
        self.interval_s, self.count, self.fail_after = interval_s, count, fail_after
        self.closed = threading.Event()

    @property
    def intrinsics(self) -> Intrinsics:
        return SMALL_INTRINSICS

    @property
    def depth_unit_mm(self) -> float:
        return 0.125

    def __iter__(self) -> Iterator[Frame]:
        i = 0
        while not self.closed.is_set() and (self.count is None or i < self.count):
            if self.fail_after is not None and i == self.fail_after:
                raise SourceError("camera unplugged")
            time.sleep(self.interval_s)
            yield pattern_frame(i)
            i += 1

    def close(self) -> None:
        self.closed.set()


def test_slow_consumer_gets_the_newest_frames_and_drops_are_counted():
    source = TickingSource(interval_s=0.005, count=100)
    taken = []
    with LatestFrameCapture(source) as capture:
        for frame in capture:
            taken.append(frame.index)
            time.sleep(0.03)  # six times slower than the source
    assert capture.dropped > 0
    assert len(taken) + capture.dropped == capture.received == 100
    assert taken == sorted(set(taken))  # never an old frame after a newer one, never twice
    assert taken[-1] == 99  # the newest frame is delivered at the end


def test_every_frame_reaches_on_frame_also_those_the_consumer_misses():
    seen = []
    with LatestFrameCapture(TickingSource(interval_s=0.005, count=60), on_frame=lambda f: seen.append(f.index)) as c:
        taken = []
        for frame in c:
            taken.append(frame.index)
            time.sleep(0.03)
    assert c.dropped > 0 and len(taken) < 60
    assert seen == list(range(60))  # in order, each once, dropped or not


def test_an_on_frame_error_reaches_the_consumer():
    def failing(frame: Frame) -> None:
        if frame.index == 3:
            raise SourceError("disk full")

    with LatestFrameCapture(TickingSource(interval_s=0.001), on_frame=failing) as capture:
        with pytest.raises(SourceError, match="disk full"):
            while capture.get(timeout_s=2.0) is not None:
                pass


def test_fast_consumer_drops_nothing():
    with LatestFrameCapture(TickingSource(interval_s=0.01, count=20)) as capture:
        taken = [f.index for f in capture]
    assert taken == list(range(20)) and capture.dropped == 0


def test_source_errors_reach_the_consumer():
    with LatestFrameCapture(TickingSource(interval_s=0.001, fail_after=5)) as capture:
        with pytest.raises(SourceError, match="camera unplugged"):
            while capture.get(timeout_s=2.0) is not None:
                time.sleep(0.01)


def test_stop_closes_the_source_and_leaks_no_thread():
    before = threading.active_count()
    source = TickingSource(interval_s=0.002)
    capture = LatestFrameCapture(source).start()
    assert capture.get(timeout_s=2.0) is not None
    capture.stop()
    assert source.closed.is_set()
    assert not capture.is_alive
    assert threading.active_count() == before
