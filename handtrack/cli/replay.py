"""``handtrack replay REC``: every frame of a recording (or any offline source), in order."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.table import Table

from handtrack.cli.common import console, frame_progress
from handtrack.sources import open_source


def replay(
    recording: Path = typer.Argument(..., help="A .bag/.db3 recording, a PNG folder or a .npy/.npz stack."),
    camera_profile: Optional[str] = typer.Option(None, "--camera-profile", help="Camera of a PNG folder or array."),
    depth_unit: Optional[float] = typer.Option(None, "--depth-unit", help="Millimetres per raw unit (PNG/arrays)."),
    realtime: bool = typer.Option(False, "--realtime", help="Pace at the recorded speed (drops frames when behind)."),
) -> None:
    """Read every frame of a recording and summarise it.

    Hand tracking joins this loop once the model lands (see the README's status section).
    """
    frames = 0
    valid_fraction: list[float] = []
    first_ts = last_ts = 0.0
    start = time.perf_counter()
    with open_source(recording, camera_profile=camera_profile, depth_unit_mm=depth_unit, realtime=realtime) as source:
        with frame_progress() as progress:
            task = progress.add_task(f"replaying {Path(recording).name}", total=source.frame_count, rate="")
            for frame in source:
                if frames == 0:
                    first_ts = frame.timestamp_ms
                last_ts = frame.timestamp_ms
                valid_fraction.append(float(np.count_nonzero(frame.depth)) / frame.depth.size)
                frames += 1
                progress.update(task, advance=1, rate=f"{frames / (time.perf_counter() - start):.0f} fps")
        elapsed = time.perf_counter() - start
        table = Table(title=f"replay of {source.description}", show_header=False)
        table.add_column("field")
        table.add_column("value")
        table.add_row("frames", str(frames))
        table.add_row("recorded span", f"{(last_ts - first_ts) / 1000.0:.3f} s")
        table.add_row("read speed", f"{frames / max(elapsed, 1e-9):.1f} frames/s")
        table.add_row("valid depth pixels", f"{100 * float(np.mean(valid_fraction)) if frames else 0:.1f} % (mean)")
        table.add_row("depth unit", f"{source.depth_unit_mm:g} mm")
    console.print(table)
