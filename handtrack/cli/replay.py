"""``handtrack replay REC``: every frame of a recording (or any offline source) through the tracker."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import typer
from rich.table import Table

from handtrack.cli.common import (
    HEAD_MOUNTED_HELP,
    ROTATIONS_HELP,
    console,
    frame_progress,
    publish_poses,
)
from handtrack.errors import HandtrackError
from handtrack.io.poses import PoseWriter, header_record
from handtrack.io.stream import PoseStreamer
from handtrack.preprocess.localize import reason_kind
from handtrack.sources import open_source
from handtrack.tracker import HandTracker
from handtrack.viz.draw import annotate_frame, status_lines
from handtrack.viz.windows import check_viewer, open_window, show_frame


def _video_codec(path: Path) -> str:
    """The fourcc for a video file of this suffix; a clear error for any other (checked before anything loads)."""
    codecs = {".mp4": "mp4v", ".avi": "MJPG"}
    if path.suffix.lower() not in codecs:
        raise HandtrackError(f"{path}: videos are written as .mp4 or .avi")
    return codecs[path.suffix.lower()]


def _open_video(path: Path, width: int, height: int, fps: float) -> cv2.VideoWriter:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*_video_codec(path)), fps, (width, height))
    if not writer.isOpened():
        raise HandtrackError(f"{path}: OpenCV cannot write this video here")
    return writer


def replay(
    recording: Path = typer.Argument(..., help="A .bag/.db3 recording, a PNG folder or a .npy/.npz stack."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write poses as JSONL (docs/poses-jsonl.md)."),
    video: Optional[Path] = typer.Option(None, "--video", help="Write an annotated video (.mp4 or .avi)."),
    serve: Optional[str] = typer.Option(None, "--serve", help="Stream poses to WebSocket clients (ws://HOST:PORT)."),
    udp: Optional[str] = typer.Option(None, "--udp", help="Stream poses as UDP datagrams to HOST:PORT."),
    serve_wait: float = typer.Option(0.0, "--serve-wait", min=0.0, help="Seconds to wait for a WebSocket client "
                                     "before replaying."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (.onnx/.pt); default: the bundled one."),
    hands: int = typer.Option(1, "--hands", min=1, max=2, help="Hands per frame."),
    hand: Optional[str] = typer.Option(None, "--hand", help="right, left (mirrored through the right-hand model), "
                                       "or auto (a classifier reads the pose network both ways; doubles the first "
                                       "engine pass). Default: auto where the model has a fitted classifier (the "
                                       "bundled ones do), else right."),
    head_mounted: bool = typer.Option(False, "--head-mounted", help=HEAD_MOUNTED_HELP),
    refine: bool = typer.Option(True, "--refine/--no-refine", help="Second pass around the predicted palm."),
    follow: bool = typer.Option(True, "--follow/--no-follow", help="Crop a tracked hand where its palm was in the "
                                "previous frame: one engine pass instead of two, at about the same accuracy; "
                                "--no-follow crops every frame afresh."),
    presence: bool = typer.Option(True, "--presence/--no-presence", help="Drop what the presence check finds no "
                                  "hand in (a forearm whose hand has left the view, a head; models/presence.md)."),
    rotations: float = typer.Option(0.0, "--rotations", min=0.0, max=90.0, metavar="DEG", help=ROTATIONS_HELP),
    provider: Optional[str] = typer.Option(
        None, "--provider", help="Force an onnxruntime provider (cpu, cuda); for a .pt model a torch device with "
        "optional +fp16 and +compile, e.g. cuda+fp16+compile."),
    camera_profile: Optional[str] = typer.Option(None, "--camera-profile", help="Camera of a PNG folder or array."),
    depth_unit: Optional[float] = typer.Option(None, "--depth-unit", help="Millimetres per raw unit (PNG/arrays)."),
    viewer: str = typer.Option("none", "--viewer", help="Show the tracking: 2d, 3d or none."),
    realtime: bool = typer.Option(False, "--realtime", help="Pace at the recorded speed (drops frames when behind)."),
) -> None:
    """Track hands in every frame of a recording and summarise (optionally write the poses as JSONL)."""
    check_viewer(viewer)
    if video is not None:
        _video_codec(video)
    frames = found = both = 0
    stage_ms: dict[str, list[float]] = {}
    why_not: Counter[str] = Counter()  # frames without a hand, by the kind of reason
    with open_source(recording, camera_profile=camera_profile, depth_unit_mm=depth_unit, realtime=realtime) as source:
        tracker = HandTracker(model, max_hands=hands, handedness=hand, refine=refine, provider=provider,
                              head_mounted=head_mounted, follow=follow, presence=presence,
                              rotations_deg=rotations)
        start = time.perf_counter()
        writer, video_writer = None, None
        window = open_window(viewer, source.intrinsics, f"handtrack replay {Path(recording).name}")
        header = header_record(source.intrinsics, source.depth_unit_mm, source.description,
                               tracker.engine.metadata, tracker.settings())
        streamer = PoseStreamer(serve, udp) if (serve or udp) else None
        if streamer is not None:
            streamer.send_header(header)
            if serve and serve_wait > 0 and not streamer.wait_for_client(serve_wait):
                console.print(f"no WebSocket client within {serve_wait:g} s; replaying anyway")
        if video is not None:
            video_writer = _open_video(video, source.intrinsics.width, source.intrinsics.height,
                                       source.nominal_fps or 30.0)
        if out is not None:
            writer = PoseWriter(out, header)
        try:
            with frame_progress() as progress:
                task = progress.add_task(f"replaying {Path(recording).name}", total=source.frame_count, rate="")
                for frame, poses in tracker.run(source):
                    frames += 1
                    found += bool(poses)
                    both += len(poses) > 1
                    if not poses:
                        why_not[reason_kind(tracker.last_reason)] += 1
                    for name, value in (poses[0].timings_ms.items() if poses else ()):
                        stage_ms.setdefault(name, []).append(value)
                    publish_poses(frame, poses, tracker.last_reason, writer, streamer)
                    status = status_lines(frame.index, poses, tracker.last_reason)
                    if video_writer is not None:
                        video_writer.write(annotate_frame(frame.depth, frame.depth_unit_mm, poses, status))
                    if window is not None:
                        if show_frame(window, frame, poses, status) == "quit":
                            break
                    progress.update(task, advance=1, rate=f"{frames / (time.perf_counter() - start):.0f} fps")
        finally:
            if window is not None:
                window.close()
            if writer is not None:
                writer.close()
            if video_writer is not None:
                video_writer.release()
            if streamer is not None:
                streamer.close()
        elapsed = time.perf_counter() - start
        table = Table(title=f"replay of {source.description} with {tracker.model_name} ({tracker.engine.provider})",
                      show_header=False)
        table.add_column("field")
        table.add_column("value")
        table.add_row("frames", str(frames))
        table.add_row("hands found", f"{100.0 * found / max(frames, 1):.1f} % of frames")
        if hands > 1:
            table.add_row("two hands found", f"{100.0 * both / max(frames, 1):.1f} % of frames")
        if why_not:
            table.add_row("no hand, why", "; ".join(f"{kind}: {count} frame{'s' * (count != 1)}"
                                                    for kind, count in why_not.most_common(3)))
        table.add_row("hand", f"--hand {tracker.handedness}")
        if rotations:
            table.add_row("turned readings", f"each final crop also read turned {rotations:g} degrees both ways "
                          f"(--rotations {rotations:g})")
        table.add_row("speed", f"{frames / max(elapsed, 1e-9):.1f} frames/s (whole loop, reading included)")
        for name, values in stage_ms.items():
            table.add_row(f"{name} ms", f"median {np.median(values):.2f}, p95 {np.percentile(values, 95):.2f}")
        if out is not None:
            table.add_row("poses", str(out))
        if video is not None:
            table.add_row("video", str(video))
        if streamer is not None:
            per_message_ms = streamer.send_ms / max(streamer.messages, 1)
            table.add_row("streaming", f"{streamer.messages} messages, {per_message_ms:.3f} "
                          "ms added per frame")
    console.print(table)
