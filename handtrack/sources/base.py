"""The one interface every depth source implements."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from types import TracebackType

from handtrack.types import Frame, Intrinsics


class DepthSource(abc.ABC):
    """An iterable of :class:`~handtrack.types.Frame` that knows its camera.

    Use as a context manager (``with open_source(...) as src: for frame in src: ...``); ``close()`` releases
    files and devices and is safe to call twice. Offline sources yield every frame exactly once, in order, and
    end; live sources run until closed.
    """

    #: Short human-readable description ("RealSense recording x.bag", "PNG folder ./frames").
    description: str = ""

    @property
    @abc.abstractmethod
    def intrinsics(self) -> Intrinsics:
        """The depth stream's intrinsics."""

    @property
    @abc.abstractmethod
    def depth_unit_mm(self) -> float:
        """Millimetres per raw depth unit."""

    @property
    def frame_count(self) -> int | None:
        """Number of frames if known up front (files), None for live cameras and recordings."""
        return None

    @property
    def nominal_fps(self) -> float | None:
        """Frame rate the source was captured at, if known."""
        return None

    @property
    def device_info(self) -> dict[str, str]:
        """Camera identity (name, serial, firmware) where the source knows it."""
        return {}

    @abc.abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Yield frames in order."""

    def close(self) -> None:
        """Release the underlying file or device."""

    def __enter__(self) -> "DepthSource":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
