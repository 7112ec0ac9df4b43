"""``handtrack bench``: speed of a model on this machine (engine alone, and the whole pipeline on frames)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.table import Table

from handtrack.benchmark import bench_engine, bench_pipeline, machine_info, peak_rss_mb
from handtrack.cli.common import ROTATIONS_HELP, console
from handtrack.preprocess.random_crops import random_crops
from handtrack.tracker import HandTracker


def bench(
    model: Optional[Path] = typer.Option(None, "--model", help="Model file; default: the bundled one."),
    source: Optional[str] = typer.Option(None, "--source", help="Frames for the pipeline benchmark (recording, "
                                         "PNG folder ...). Without it only the engine is measured, on random crops."),
    camera_profile: Optional[str] = typer.Option(None, "--camera-profile", help="Camera of a PNG folder."),
    batch: int = typer.Option(1, "--batch", min=1, help="Crops per engine call."),
    threads: int = typer.Option(2, "--threads", min=1, help="onnxruntime intra-op threads."),
    provider: Optional[str] = typer.Option(
        None, "--provider", help="Force an onnxruntime provider (cpu, cuda); for a .pt model a torch device with "
        "optional +fp16 and +compile, e.g. cuda+fp16+compile."),
    repeats: int = typer.Option(100, "--repeats", min=1, help="Timed engine calls."),
    max_frames: int = typer.Option(60, "--frames", min=1, help="Frames of --source used."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    hand: Optional[str] = typer.Option(None, "--hand", help="right, left or auto, as for replay (default: the "
                                       "tracker's, auto where the model has a fitted classifier)."),
    follow: bool = typer.Option(True, "--follow/--no-follow", help="As for replay: follow a tracked hand from one "
                                "frame to the next (one engine pass), or crop every frame afresh (two)."),
    hands: int = typer.Option(1, "--hands", min=1, max=2, help="Hands per frame, as for replay."),
    rotations: float = typer.Option(0.0, "--rotations", min=0.0, max=90.0, metavar="DEG", help=ROTATIONS_HELP),
    presence: bool = typer.Option(True, "--presence/--no-presence", help="As for replay: the presence check on "
                                  "hands at the image's edge."),
) -> None:
    """Median and p95 latency per stage, frames per second, and peak memory."""
    tracker = HandTracker(model, provider=provider, threads=threads, handedness=hand, follow=follow, max_hands=hands,
                          presence=presence, rotations_deg=rotations)
    size = tracker.params.input_size
    result: dict = {"machine": machine_info(), "model": tracker.model_name, "provider": tracker.engine.provider,
                    "threads": threads, "batch": batch, "hand": tracker.handedness, "follow": follow,
                    "hands": hands, "presence": tracker.presence is not None, "rotations_deg": rotations}
    crops = random_crops(16, size, np.random.default_rng(0))
    frames = []
    if source is not None:
        from handtrack.sources import open_source

        with open_source(source, camera_profile=camera_profile) as src:
            for frame in src:
                frames.append(frame)
                if len(frames) >= max_frames:
                    break
    result["engine"] = bench_engine(tracker.engine, crops, batch=batch, repeats=repeats)
    if frames:
        result["pipeline"] = bench_pipeline(tracker, frames)
        result["pipeline"]["frames"] = len(frames)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if as_json:
        print(json.dumps(result))
        return
    m = result["machine"]
    table = Table(title=f"{result['model']} on {m['cpu']} ({m['cores']} cores), {result['provider']}, "
                        f"{threads} threads, batch {batch}, --hand {tracker.handedness}"
                        f"{'' if follow else ', --no-follow'}{', --hands 2' if hands > 1 else ''}"
                        f"{f', --rotations {rotations:g}' if rotations else ''}")
    for col in ("stage", "median ms", "p95 ms"):
        table.add_column(col)
    e = result["engine"]
    table.add_row("engine (one call)", f"{e['median_ms']:.3f}", f"{e['p95_ms']:.3f}")
    table.add_row("engine per crop", f"{e['per_crop_ms']:.3f}", "")
    for name, stats in result.get("pipeline", {}).items():
        if isinstance(stats, dict):
            table.add_row(f"pipeline {name}", f"{stats['median_ms']:.3f}", f"{stats['p95_ms']:.3f}")
    console.print(table)
    if "pipeline" in result:
        p = result["pipeline"]
        two = f" (two in {100 * p['two_hands_fraction']:.0f} %)" if hands > 1 else ""
        console.print(f"pipeline: {p['fps']} frames/s on {p['frames']} frames, hands found in "
                      f"{100 * p['hands_found_fraction']:.0f} %{two}, {p['crops_per_frame']} crops through the "
                      "engine per frame")
    console.print(f"peak resident memory: {result['peak_rss_mb']} MB")
