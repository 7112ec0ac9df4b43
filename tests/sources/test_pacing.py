import numpy as np

from handtrack.sources.files import ArrayStackSource
from handtrack.sources.pacing import PacedSource
from tests.conftest import SMALL_INTRINSICS, FakeClock, pattern_frame


def _source(tmp_path, n=10):
    stack = np.stack([pattern_frame(i).depth for i in range(n)])
    np.savez(tmp_path / "s.npz", depth=stack, timestamps_ms=np.arange(n) * 100.0)  # 10 fps
    return ArrayStackSource(tmp_path / "s.npz", SMALL_INTRINSICS, 1.0, fps=10)


def test_fast_consumer_waits_for_each_frames_time(tmp_path):
    clock = FakeClock()
    paced = PacedSource(_source(tmp_path), clock=clock, sleep=clock.sleep)
    frames = list(paced)
    assert len(frames) == 10 and paced.dropped == 0
    assert abs(clock.now - 100.0 - 0.9) < 1e-9  # the last frame is released 900 ms after the first


def test_slow_consumer_drops_frames_it_missed(tmp_path):
    clock = FakeClock()
    paced = PacedSource(_source(tmp_path), clock=clock, sleep=clock.sleep)
    taken = []
    for frame in paced:
        taken.append(frame.index)
        clock.now += 0.25  # the consumer needs 250 ms per frame at a 100 ms frame interval
    assert paced.dropped > 0
    assert len(taken) + paced.dropped == 10
    assert taken[0] == 0 and taken == sorted(taken)
