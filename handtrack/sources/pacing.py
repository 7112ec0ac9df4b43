"""Play an offline source at its recorded pace, as a live camera would deliver it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from handtrack.sources.base import DepthSource
from handtrack.types import Frame, Intrinsics


class PacedSource(DepthSource):
    """Wraps an offline source: frame k is released ``timestamp_k - timestamp_0`` after the first one.

    Pacing follows the frames' own timestamps (not the file's write times, which a re-recorded PNG folder
    does not share). A frame whose release time the consumer has already missed by more than
    ``max_lag_ms`` is dropped and counted in ``dropped``, so a slow consumer stays on the clock.
    """

    def __init__(self, inner: DepthSource, max_lag_ms: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.inner = inner
        fps = inner.nominal_fps or 30.0
        self.max_lag_ms = max_lag_ms if max_lag_ms is not None else 1000.0 / fps
        self.dropped = 0
        self._clock = clock
        self._sleep = sleep
        self.description = f"{inner.description} (recorded pace)"

    @property
    def intrinsics(self) -> Intrinsics:
        return self.inner.intrinsics

    @property
    def depth_unit_mm(self) -> float:
        return self.inner.depth_unit_mm

    @property
    def nominal_fps(self) -> float | None:
        return self.inner.nominal_fps

    @property
    def device_info(self) -> dict[str, str]:
        return self.inner.device_info

    def __iter__(self) -> Iterator[Frame]:
        start_wall = first_ts = None
        for frame in self.inner:
            now = self._clock()
            if start_wall is None or first_ts is None:
                start_wall, first_ts = now, frame.timestamp_ms
            due = start_wall + (frame.timestamp_ms - first_ts) / 1000.0
            if now > due + self.max_lag_ms / 1000.0:
                self.dropped += 1
                continue
            if now < due:
                self._sleep(due - now)
            yield frame

    def close(self) -> None:
        self.inner.close()
