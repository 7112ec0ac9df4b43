"""A capture thread that keeps only the newest frame, so a slow consumer never builds a backlog."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from handtrack.sources.base import DepthSource
from handtrack.types import Frame

log = logging.getLogger(__name__)


class LatestFrameCapture:
    """Read ``source`` on a background thread; ``get()`` returns the newest frame not yet handed out.

    A frame the consumer did not take before the next one arrived is dropped and counted in ``dropped``.
    An exception raised by the source is re-raised in the consumer by the next ``get()``; the end of an
    offline source ends iteration. ``stop()`` (or leaving the ``with`` block) closes the source and joins
    the thread.

    ``on_frame`` is called on the capture thread with every frame the source delivers, before the consumer can
    take it, dropped or not (``handtrack live`` records there, so that a recording keeps every frame); what it
    raises ends the capture and reaches the consumer like a source's error.
    """

    def __init__(self, source: DepthSource, on_frame: Callable[[Frame], None] | None = None) -> None:
        self.source = source
        self._on_frame = on_frame
        self.dropped = 0
        self.received = 0
        self._latest: Frame | None = None
        self._error: BaseException | None = None
        self._finished = False
        self._stopping = threading.Event()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="handtrack-capture", daemon=True)

    def start(self) -> LatestFrameCapture:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for frame in self.source:
                if self._stopping.is_set():
                    break
                if self._on_frame is not None:
                    self._on_frame(frame)
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = frame
                    self.received += 1
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            if not self._stopping.is_set():
                log.debug("capture source failed: %s", exc)
                with self._cond:
                    self._error = exc
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def get(self, timeout_s: float | None = None) -> Frame | None:
        """The newest unread frame; waits for one. None at the end of the source (or on timeout).

        Raises the source's exception if it failed.
        """
        with self._cond:
            self._cond.wait_for(lambda: self._latest is not None or self._finished or self._error is not None,
                                timeout_s)
            if self._latest is not None:
                frame, self._latest = self._latest, None
                return frame
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            return None

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self.get()
            if frame is None:
                return
            yield frame

    @property
    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop reading, close the source and join the thread."""
        self._stopping.set()
        self.source.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("capture thread did not stop within %.1f s", timeout_s)

    def __enter__(self) -> LatestFrameCapture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
