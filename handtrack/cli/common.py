"""State and helpers shared by the CLI commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from handtrack.io.poses import PoseWriter
    from handtrack.io.stream import PoseStreamer
    from handtrack.pose import HandPose
    from handtrack.types import Frame

console = Console()
error_console = Console(stderr=True)


ROTATIONS_HELP = ("Also read each hand's final crop turned by -DEG and +DEG degrees and average the three readings: "
                  "about 3-4 % lower joint error for three times the final pass's engine work (docs/ARCHITECTURE.md "
                  "\"Averaging turned readings\"). 0: off.")


HEAD_MOUNTED_HELP = ("The camera is at the eyes (a headset): the hand is the far end of the arm, not the nearest "
                     "surface; the default model is then the one trained on such views (pwr-lite-hm, with its own "
                     "handedness classifier).")


def publish_poses(frame: Frame, poses: list[HandPose], reason: str, writer: PoseWriter | None,
                  streamer: PoseStreamer | None) -> None:
    """One frame's record, built once, to the poses file and the stream (``live`` and ``replay``; either may be
    None)."""
    if writer is None and streamer is None:
        return
    from handtrack.io.poses import frame_record

    record = frame_record(frame, poses, reason)
    if writer is not None:
        writer.write_record(record)
    if streamer is not None:
        streamer.send(record)


@dataclass
class CliState:
    debug: bool = False


STATE = CliState()


def frame_progress() -> Progress:
    """A rich progress bar for offline work over frames (hidden when stdout is not a terminal)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console, transient=False, disable=not console.is_terminal,
    )


def parse_resolution(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480); raises typer.BadParameter otherwise."""
    import typer

    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() or int(width) == 0 or int(height) == 0:
        raise typer.BadParameter(f"expected WIDTHxHEIGHT such as 640x480, got {text!r}")
    return int(width), int(height)
