"""``handtrack record OUT.db3``: record a live camera, or re-record any source, to a RealSense file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from handtrack.cli.common import console, frame_progress, parse_resolution
from handtrack.io.recorder import RecordingWriter, recording_of
from handtrack.sources import open_source


def record(
    out: Path = typer.Argument(..., help="Output recording, .db3 (rosbag2) or .bag (ROS1)."),
    from_: Optional[str] = typer.Option(None, "--from", help="Source to copy: .bag/.db3, PNG folder, .npy/.npz. "
                                        "Default: the live camera."),
    camera_profile: Optional[str] = typer.Option(None, "--camera-profile", help="Camera of a PNG folder or array "
                                                 "(a name such as sr305, or a JSON file)."),
    depth_unit: Optional[float] = typer.Option(None, "--depth-unit", help="Millimetres per raw unit for PNG/arrays "
                                               "(default: the profile's)."),
    serial: Optional[str] = typer.Option(None, "--serial", help="Live camera serial (default: the first camera)."),
    resolution: str = typer.Option("640x480", "--resolution", help="Live depth resolution WIDTHxHEIGHT."),
    fps: Optional[int] = typer.Option(None, "--fps", min=1, help="Live frame rate (default: the fastest the camera "
                                      "offers at that resolution, up to 90); also the nominal rate written for PNG "
                                      "folders (default 30)."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, help="Stop after this many frames."),
    duration: Optional[float] = typer.Option(None, "--duration", min=0.0, help="Stop after this many seconds."),
    realtime: bool = typer.Option(False, "--realtime", help="Copy a --from source at its recorded pace."),
) -> None:
    """Record depth frames with their intrinsics, depth unit and timestamps. Ctrl-C stops and keeps the file."""
    width, height = parse_resolution(resolution)
    spec = from_ if from_ is not None else ("realsense:" + serial if serial else "realsense")
    source = open_source(spec, camera_profile=camera_profile, depth_unit_mm=depth_unit, width=width, height=height,
                         fps=fps, realtime=realtime and from_ is not None)
    with source:
        writer = RecordingWriter(out, *recording_of(source))
        start = time.perf_counter()
        stopped_by = "end of source"
        try:
            with writer, frame_progress() as progress:
                task = progress.add_task(f"recording {out.name}", total=source.frame_count, rate="")
                for frame in source:
                    writer.write(frame)
                    elapsed = time.perf_counter() - start
                    progress.update(task, advance=1, rate=f"{writer.frames_written / max(elapsed, 1e-9):.0f} fps")
                    if max_frames is not None and writer.frames_written >= max_frames:
                        stopped_by = "--max-frames"
                        break
                    if duration is not None and elapsed >= duration:
                        stopped_by = "--duration"
                        break
        except KeyboardInterrupt:
            stopped_by = "Ctrl-C"
    console.print(f"wrote {writer.frames_written} frames to {out} ({stopped_by})")
