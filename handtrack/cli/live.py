"""``handtrack live``: camera -> capture thread (newest frame only; records every frame) -> tracker (smoothed) ->
viewer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from handtrack.cli.common import (
    HEAD_MOUNTED_HELP,
    ROTATIONS_HELP,
    console,
    parse_resolution,
    publish_poses,
)
from handtrack.io.poses import PoseWriter, header_record
from handtrack.io.recorder import RecordingSwitch, recording_of
from handtrack.io.stream import PoseStreamer
from handtrack.smoothing import OneEuroConfig
from handtrack.sources import LatestFrameCapture, open_source
from handtrack.tracker import HandTracker
from handtrack.viz.viewer2d import has_display
from handtrack.viz.windows import check_viewer, open_window, show_frame


def live(
    camera: str = typer.Option("realsense", "--camera", help="'realsense', or a recording played at its own pace."),
    serial: Optional[str] = typer.Option(None, "--serial", help="Camera serial (default: the first camera)."),
    resolution: str = typer.Option("640x480", "--resolution", help="Depth resolution WIDTHxHEIGHT."),
    fps: Optional[int] = typer.Option(None, "--fps", min=1, help="Camera frame rate; default: the fastest the "
                                      "camera offers at that resolution, up to 90 (D400 series 90, SR300/SR305 60)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file; default: the bundled one."),
    hands: int = typer.Option(1, "--hands", min=1, max=2, help="Hands per frame."),
    hand: Optional[str] = typer.Option(None, "--hand", help="right, left (mirrored through the right-hand model), "
                                       "or auto (a classifier reads the pose network both ways; doubles the first "
                                       "engine pass). Default: auto where the model has a fitted classifier (the "
                                       "bundled ones do), else right."),
    viewer: str = typer.Option("auto", "--viewer", help="2d (OpenCV), 3d (Open3D point cloud and skeleton), none "
                               "(status lines on the terminal), or auto: 2d where there is a display, else none."),
    record: Optional[Path] = typer.Option(None, "--record", help="Also record the depth stream (.db3): every frame "
                                          "the camera delivers, also those the tracker skips."),
    smoothing: bool = typer.Option(True, "--smoothing/--no-smoothing", help="One Euro filter on the joints."),
    follow: bool = typer.Option(True, "--follow/--no-follow", help="Crop a tracked hand where its palm was in the "
                                "previous frame: one engine pass instead of two, at about the same accuracy; "
                                "--no-follow crops every frame afresh."),
    presence: bool = typer.Option(True, "--presence/--no-presence", help="Drop what the presence check finds no "
                                  "hand in (a forearm whose hand has left the view, a head; models/presence.md)."),
    rotations: float = typer.Option(0.0, "--rotations", min=0.0, max=90.0, metavar="DEG", help=ROTATIONS_HELP),
    head_mounted: bool = typer.Option(False, "--head-mounted", help=HEAD_MOUNTED_HELP),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, help="Stop after this many frames."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the poses of every tracked frame as JSONL "
                                       "(docs/poses-jsonl.md; a frame's index is the camera's, so skipped frames "
                                       "show as gaps), line by line: a crash keeps what was written."),
    serve: Optional[str] = typer.Option(None, "--serve", help="Stream poses to WebSocket clients (ws://HOST:PORT)."),
    udp: Optional[str] = typer.Option(None, "--udp", help="Stream poses as UDP datagrams to HOST:PORT."),
) -> None:
    """Track hands live. Keys in the window: q quit, space pause, s screenshot, r start/stop recording."""
    chosen = viewer if viewer != "auto" else "2d" if has_display() else "none"
    check_viewer(chosen)
    width, height = parse_resolution(resolution)
    spec = camera if camera != "realsense" else ("realsense:" + serial if serial else "realsense")
    source = open_source(spec, width=width, height=height, fps=fps, realtime=camera != "realsense")
    if viewer == "auto" and chosen == "none":  # said once the camera is open: a failure to open it says only that
        console.print("no display: status lines here instead of a window (--viewer none)")
    viewer = chosen
    tracker = HandTracker(model, max_hands=hands, handedness=hand, smoothing=OneEuroConfig() if smoothing else None,
                          head_mounted=head_mounted, follow=follow, presence=presence,
                          rotations_deg=rotations)
    window = open_window(viewer, source.intrinsics)
    # recordings are written on the capture thread: every frame the camera delivers, whatever the tracker keeps up with
    recording = RecordingSwitch(*recording_of(source))
    if record is not None:
        recording.start(record)
    written: list[tuple[Path, int]] = []
    header = header_record(source.intrinsics, source.depth_unit_mm, source.description,
                           tracker.engine.metadata, tracker.settings())
    writer = PoseWriter(out, header) if out is not None else None
    streamer = PoseStreamer(serve, udp) if (serve or udp) else None
    if streamer is not None:
        streamer.send_header(header)
    frames, start, last_print = 0, time.perf_counter(), 0.0
    try:
        with LatestFrameCapture(source, on_frame=recording) as capture:
            for frame in capture:
                poses = tracker.track(frame)
                frames += 1
                publish_poses(frame, poses, tracker.last_reason, writer, streamer)
                rate = frames / max(time.perf_counter() - start, 1e-9)
                status = [f"{rate:.0f} fps, dropped {capture.dropped}",
                          " ".join(f"{k} {v:.1f}" for k, v in poses[0].timings_ms.items()) if poses
                          else f"no hand: {tracker.last_reason}"]
                if recording.path is not None:
                    status.append(f"recording {recording.path.name}: {recording.frames_written} frames")
                if window is not None:
                    action = show_frame(window, frame, poses, status)
                    if action == "quit":
                        break
                    if action == "record":
                        stopped = recording.stop()
                        if stopped is None:
                            recording.start(Path(f"handtrack-{time.strftime('%Y%m%d-%H%M%S')}.db3"))
                        else:
                            written.append(stopped)
                elif time.perf_counter() - last_print > 1.0:
                    last_print = time.perf_counter()
                    console.print(" | ".join(status))
                if max_frames is not None and frames >= max_frames:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        if writer is not None:
            writer.close()
        if streamer is not None:
            streamer.close()
        stopped = recording.stop()
        if stopped is not None:
            written.append(stopped)
        if window is not None:
            window.close()
    console.print(f"{frames} frames tracked, {capture.dropped} dropped by the capture thread")
    for path, count in written:
        console.print(f"wrote {count} frames to {path}")
    if out is not None:
        console.print(f"wrote the poses of {frames} frames to {out}")
