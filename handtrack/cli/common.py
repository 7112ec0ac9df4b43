"""State and helpers shared by the CLI commands."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console()
error_console = Console(stderr=True)


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
