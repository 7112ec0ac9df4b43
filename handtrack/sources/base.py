"""The one interface every depth source implements."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from types import TracebackType

from handtrack.types import Frame, Intrinsics

#: file suffixes of RealSense recordings (ROS1 bag, rosbag2 sqlite)
RECORDING_SUFFIXES = (".bag", ".db3")


class DepthSource(abc.ABC):
    """An iterable of :class:`~handtrack.types.Frame` that knows its camera.

    Use as a context manager (``with open_source(...) as src: for frame in src: ...``); ``close()`` releases
    files and devices and is safe to call twice. Offline sources yield every frame exactly once, in order, and
    end; live sources run until closed.
    """

    #: Short human-readable description ("RealSense recording x.bag", "PNG folder ./frames").
    description: str = ""
    # Subclasses set these in __init__ (or override the properties).
    _intrinsics: Intrinsics
    _depth_unit_mm: float
    _fps: float | None = None
    _frame_count: int | None = None
    _device_info: dict[str, str] = {}

    @property
    def intrinsics(self) -> Intrinsics:
        """The depth stream's intrinsics."""
        return self._intrinsics

    @property
    def depth_unit_mm(self) -> float:
        """Millimetres per raw depth unit."""
        return self._depth_unit_mm

    @property
    def frame_count(self) -> int | None:
        """Number of frames if known up front (files), None for live cameras and recordings."""
        return self._frame_count

    @property
    def nominal_fps(self) -> float | None:
        """Frame rate the source was captured at, if known."""
        return self._fps

    @property
    def device_info(self) -> dict[str, str]:
        """Camera identity (name, serial, firmware) where the source knows it."""
        return dict(self._device_info)

    @abc.abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Yield frames in order."""

    def close(self) -> None:  # noqa: B027 - a no-op by default: sources without resources need not override it
        """Release the underlying file or device."""

    def __enter__(self) -> DepthSource:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
