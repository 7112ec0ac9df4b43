"""``handtrack info RECORDING``: device, streams, intrinsics, depth unit, frame count and duration;
``handtrack info MODEL.onnx``: what a model file is (name, kind, crop contract, training, its classifier)."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from handtrack.cli.common import console, frame_progress
from handtrack.sources.recording import RealSenseRecording, inspect_recording
from handtrack.types import Intrinsics


def _intrinsics_text(intr: Intrinsics) -> str:
    coeffs = " ".join(f"{c:g}" for c in intr.coeffs)
    return (f"fx {intr.fx:.2f} fy {intr.fy:.2f} ppx {intr.ppx:.2f} ppy {intr.ppy:.2f} "
            f"{intr.model.value} [{coeffs}]")


def _model_info(path: Path) -> None:
    from handtrack.engines.model_info import describe_model
    from handtrack.tracker import MODELS_DIR

    table = Table(title=str(path), show_header=False)
    table.add_column("field")
    table.add_column("value")
    for field, value in describe_model(path, MODELS_DIR):
        table.add_row(field, value)
    console.print(table)


def info(
    recording: Path = typer.Argument(..., help="A RealSense recording (.bag or .db3), or a model file (.onnx)."),
    count: bool = typer.Option(True, "--count/--no-count", help="Play the file through to count depth frames."),
) -> None:
    """Describe a RealSense recording or a model file, read from the file itself."""
    if recording.suffix.lower() == ".onnx":
        _model_info(recording)
        return
    details = inspect_recording(recording)
    table = Table(title=str(details.path), show_header=False)
    table.add_column("field")
    table.add_column("value")
    device = details.device
    table.add_row("device", device.get("name", "unknown"))
    for key in ("serial", "firmware"):
        if key in device:
            table.add_row(key, device[key])
    for stream in details.streams:
        line = f"{stream.format} {stream.width}x{stream.height} @ {stream.fps} fps"
        if stream.intrinsics is not None:
            line += "; " + _intrinsics_text(stream.intrinsics)
        table.add_row(f"stream {stream.stream}", line)
    table.add_row("depth unit", f"{details.depth_unit_mm:g} mm per unit")
    table.add_row("duration", f"{details.duration_s:.3f} s")
    if count:
        frames = 0
        start = time.perf_counter()
        with RealSenseRecording(recording) as source, frame_progress() as progress:
            task = progress.add_task("counting frames", total=None, rate="")
            for _ in source:
                frames += 1
                progress.update(task, advance=1, rate=f"{frames / (time.perf_counter() - start):.0f} fps")
        table.add_row("depth frames", str(frames))
    console.print(table)
