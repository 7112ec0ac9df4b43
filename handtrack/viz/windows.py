"""One way for the commands to open the viewer a user asked for (``--viewer 2d|3d|none``)."""

from __future__ import annotations

import time
from typing import Protocol

from handtrack.errors import HandtrackError
from handtrack.pose import HandPose
from handtrack.types import Frame, Intrinsics
from handtrack.viz.draw import annotate_frame
from handtrack.viz.viewer2d import Viewer2D, has_display

VIEWERS = ("2d", "3d", "none")


class Window(Protocol):
    def show(self, frame: Frame, poses: list[HandPose], status: list[str]) -> str: ...

    def close(self) -> None: ...


class _Window2D:
    def __init__(self, title: str) -> None:
        self.viewer = Viewer2D(title)

    def show(self, frame: Frame, poses: list[HandPose], status: list[str]) -> str:
        return self.viewer.show(annotate_frame(frame.depth, frame.depth_unit_mm, poses, status))

    def close(self) -> None:
        self.viewer.close()


class _Window3D:
    def __init__(self, intrinsics: Intrinsics, title: str) -> None:
        from handtrack.viz.viewer3d import Viewer3D

        self.viewer = Viewer3D(intrinsics, title)

    def show(self, frame: Frame, poses: list[HandPose], status: list[str]) -> str:
        return self.viewer.show(frame, poses)

    def close(self) -> None:
        self.viewer.close()


def check_viewer(kind: str) -> None:
    """A one-line error, before any camera opens, when viewer ``kind`` cannot be shown here."""
    if kind not in VIEWERS:
        raise HandtrackError(f"--viewer {kind!r}: choose one of {', '.join(VIEWERS)}")
    if kind == "none":
        return
    if not has_display():
        raise HandtrackError(f"no display for the {kind.upper()} viewer: use --viewer none "
                             "(or 'handtrack demo', which writes files without a display)")
    if kind == "3d":
        from handtrack.viz.viewer3d import _open3d

        _open3d()


def open_window(kind: str, intrinsics: Intrinsics, title: str = "handtrack") -> Window | None:
    """The viewer ``kind`` ("2d", "3d" or "none": no window), or a one-line error when it cannot open."""
    check_viewer(kind)
    if kind == "none":
        return None
    return _Window2D(title) if kind == "2d" else _Window3D(intrinsics, title)


def show_frame(window: Window, frame: Frame, poses: list[HandPose], status: list[str]) -> str:
    """Show one frame; when the user pauses (space), keep showing it until space again (returns "") or quit
    (returns "quit"). Returns the user's action otherwise ("", "quit", "record", "screenshot")."""
    action = window.show(frame, poses, status)
    if action != "pause":
        return action
    while True:
        time.sleep(0.03)
        action = window.show(frame, poses, [*status, "paused: space resumes, q quits"])
        if action == "pause":
            return ""
        if action == "quit":
            return action
