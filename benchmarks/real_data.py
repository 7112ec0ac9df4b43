"""The real frames in ../shared/data that the benchmarks draw and score, by name."""

from __future__ import annotations

from pathlib import Path

import cv2

from handtrack.sources import open_source
from handtrack.types import Frame, Intrinsics

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# The AWR frames carry no intrinsics; they are registered to a D400 colour camera (fx about 600-620).
AWR_INTRINSICS = Intrinsics(640, 480, 610.0, 610.0, 319.5, 239.5)


def named_real_frames(shared: Path = SHARED) -> dict[str, Frame]:
    """The 19 SR305 frames ("sr305/SEQUENCE/N.png") and 21 close-range D400-class frames ("awr/FOLDER/NAME"),
    in that order."""
    frames = {}
    with open_source(shared / "sr305-lada", camera_profile="sr305") as source:
        for frame in source:
            frames[f"sr305/{frame.info['file']}"] = frame
    for png in sorted((shared / "d4xx-close-awr").glob("*/*.png")):
        frames[f"awr/{png.parent.name}/{png.name}"] = Frame(cv2.imread(str(png), cv2.IMREAD_UNCHANGED), 1.0,
                                                            AWR_INTRINSICS, 0.0, len(frames))
    return frames
