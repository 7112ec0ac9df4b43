"""The OpenCV 2D viewer window: shows annotated frames, handles keys. Only draws; never computes poses.

Keys: q or Esc quit, space pause/resume, s screenshot (PNG in the current folder), r start/stop recording
(when the caller supports it).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np


def has_display() -> bool:
    """True when a window can be opened (an X11 or Wayland display on Linux; always on macOS/Windows).

    OpenCV aborts the whole process when it cannot open a window, so callers must check this first.
    """
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class Viewer2D:
    """``show(image)`` returns the action the user asked for: "", "quit", "pause", "screenshot", "record"."""

    KEYS = {ord("q"): "quit", 27: "quit", ord(" "): "pause", ord("s"): "screenshot", ord("r"): "record"}

    def __init__(self, title: str = "handtrack") -> None:
        self.title = title
        cv2.namedWindow(self.title, cv2.WINDOW_AUTOSIZE)
        self.last_image: np.ndarray | None = None

    def show(self, image: np.ndarray, wait_ms: int = 1) -> str:
        self.last_image = image
        cv2.imshow(self.title, image)
        action = self.KEYS.get(cv2.waitKey(wait_ms) & 0xFF, "")
        if action == "screenshot":
            self.screenshot(Path(f"handtrack-{time.strftime('%Y%m%d-%H%M%S')}.png"))
        return action

    def screenshot(self, path: Path) -> Path:
        if self.last_image is not None:
            cv2.imwrite(str(path), self.last_image)
        return path

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
