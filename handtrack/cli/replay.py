"""``handtrack replay REC``: every frame of a recording (or any offline source) through the tracker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.table import Table

from handtrack.cli.common import console, frame_progress
from handtrack.io.poses import PoseWriter, header_record
from handtrack.sources import open_source
from handtrack.tracker import HandTracker


def replay(
    recording: Path = typer.Argument(..., help="A .bag/.db3 recording, a PNG folder or a .npy/.npz stack."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write poses as JSONL (docs/poses-jsonl.md)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (.onnx/.pt); default: the bundled one."),
    hands: int = typer.Option(1, "--hands", min=1, max=2, help="Hands per frame."),
    refine: bool = typer.Option(True, "--refine/--no-refine", help="Second pass around the predicted palm."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Force an onnxruntime provider (cpu, cuda)."),
    camera_profile: Optional[str] = typer.Option(None, "--camera-profile", help="Camera of a PNG folder or array."),
    depth_unit: Optional[float] = typer.Option(None, "--depth-unit", help="Millimetres per raw unit (PNG/arrays)."),
    realtime: bool = typer.Option(False, "--realtime", help="Pace at the recorded speed (drops frames when behind)."),
) -> None:
    """Track hands in every frame of a recording and summarise (optionally write the poses as JSONL)."""
    frames = found = 0
    stage_ms: dict[str, list[float]] = {}
    with open_source(recording, camera_profile=camera_profile, depth_unit_mm=depth_unit, realtime=realtime) as source:
        tracker = HandTracker(model, max_hands=hands, refine=refine, provider=provider)
        start = time.perf_counter()
        writer = None
        if out is not None:
            writer = PoseWriter(out, header_record(source.intrinsics, source.depth_unit_mm, source.description,
                                                   tracker.engine.metadata))
        try:
            with frame_progress() as progress:
                task = progress.add_task(f"replaying {Path(recording).name}", total=source.frame_count, rate="")
                for frame, poses in tracker.run(source):
                    frames += 1
                    found += bool(poses)
                    for name, value in (poses[0].timings_ms.items() if poses else ()):
                        stage_ms.setdefault(name, []).append(value)
                    if writer is not None:
                        writer.write(frame, poses, tracker.last_reason)
                    progress.update(task, advance=1, rate=f"{frames / (time.perf_counter() - start):.0f} fps")
        finally:
            if writer is not None:
                writer.close()
        elapsed = time.perf_counter() - start
        table = Table(title=f"replay of {source.description} with {tracker.model_name} ({tracker.engine.provider})",
                      show_header=False)
        table.add_column("field")
        table.add_column("value")
        table.add_row("frames", str(frames))
        table.add_row("hands found", f"{100.0 * found / max(frames, 1):.1f} % of frames")
        table.add_row("speed", f"{frames / max(elapsed, 1e-9):.1f} frames/s (whole loop, reading included)")
        for name, values in stage_ms.items():
            table.add_row(f"{name} ms", f"median {np.median(values):.2f}, p95 {np.percentile(values, 95):.2f}")
        if out is not None:
            table.add_row("poses", str(out))
    console.print(table)
