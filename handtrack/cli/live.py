"""``handtrack live``: camera -> capture thread (newest frame only) -> tracker (smoothed) -> viewer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from handtrack.cli.common import console, parse_resolution
from handtrack.io.poses import frame_record, header_record
from handtrack.io.recorder import RecordingWriter
from handtrack.io.stream import PoseStreamer
from handtrack.smoothing import OneEuroConfig
from handtrack.sources import LatestFrameCapture, open_source
from handtrack.tracker import HandTracker
from handtrack.viz.windows import check_viewer, open_window, show_frame


def live(
    camera: str = typer.Option("realsense", "--camera", help="'realsense', or a recording played at its own pace."),
    serial: Optional[str] = typer.Option(None, "--serial", help="Camera serial (default: the first camera)."),
    resolution: str = typer.Option("640x480", "--resolution", help="Depth resolution WIDTHxHEIGHT."),
    fps: int = typer.Option(30, "--fps", help="Camera frame rate."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file; default: the bundled one."),
    hands: int = typer.Option(1, "--hands", min=1, max=2, help="Hands per frame."),
    hand: Optional[str] = typer.Option(None, "--hand", help="right, left (mirrored through the right-hand model), "
                                       "or auto (a classifier reads the pose network both ways; doubles the first "
                                       "engine pass). Default: auto where the model has a fitted classifier (the "
                                       "bundled ones do), else right."),
    viewer: str = typer.Option("2d", "--viewer", help="2d (OpenCV), 3d (Open3D point cloud and skeleton), or none "
                               "(status lines on the terminal)."),
    record: Optional[Path] = typer.Option(None, "--record", help="Also record the depth stream (.db3)."),
    smoothing: bool = typer.Option(True, "--smoothing/--no-smoothing", help="One Euro filter on the joints."),
    follow: bool = typer.Option(True, "--follow/--no-follow", help="Crop a tracked hand where its palm was in the "
                                "previous frame: one engine pass instead of two, at about the same accuracy; "
                                "--no-follow crops every frame afresh."),
    head_mounted: bool = typer.Option(False, "--head-mounted", help="The camera is at the eyes (a headset): the "
                                      "hand is the far end of the arm, not the nearest surface."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, help="Stop after this many frames."),
    serve: Optional[str] = typer.Option(None, "--serve", help="Stream poses to WebSocket clients (ws://HOST:PORT)."),
    udp: Optional[str] = typer.Option(None, "--udp", help="Stream poses as UDP datagrams to HOST:PORT."),
) -> None:
    """Track hands live. Keys in the window: q quit, space pause, s screenshot, r start/stop recording."""
    check_viewer(viewer)
    width, height = parse_resolution(resolution)
    spec = camera if camera != "realsense" else ("realsense:" + serial if serial else "realsense")
    source = open_source(spec, width=width, height=height, fps=fps, realtime=camera != "realsense")
    tracker = HandTracker(model, max_hands=hands, handedness=hand, smoothing=OneEuroConfig() if smoothing else None,
                          head_mounted=head_mounted, follow=follow)
    window = open_window(viewer, source.intrinsics)
    recorder = RecordingWriter(record, source.intrinsics, source.depth_unit_mm, fps) if record else None
    streamer = PoseStreamer(serve, udp) if (serve or udp) else None
    if streamer is not None:
        streamer.send_header(header_record(source.intrinsics, source.depth_unit_mm, source.description,
                                           tracker.engine.metadata))
    frames, start, last_print = 0, time.perf_counter(), 0.0
    try:
        with LatestFrameCapture(source) as capture:
            for frame in capture:
                poses = tracker.track(frame)
                frames += 1
                if recorder is not None:
                    recorder.write(frame)
                if streamer is not None:
                    streamer.send(frame_record(frame, poses, tracker.last_reason))
                rate = frames / max(time.perf_counter() - start, 1e-9)
                status = [f"{rate:.0f} fps, dropped {capture.dropped}",
                          " ".join(f"{k} {v:.1f}" for k, v in poses[0].timings_ms.items()) if poses
                          else f"no hand: {tracker.last_reason}"]
                if window is not None:
                    action = show_frame(window, frame, poses, status)
                    if action == "quit":
                        break
                    if action == "record":
                        if recorder is None:
                            recorder = RecordingWriter(Path(f"handtrack-{time.strftime('%Y%m%d-%H%M%S')}.db3"),
                                                       source.intrinsics, source.depth_unit_mm, fps)
                        else:
                            recorder.close()
                            recorder = None
                elif time.perf_counter() - last_print > 1.0:
                    last_print = time.perf_counter()
                    console.print(" | ".join(status))
                if max_frames is not None and frames >= max_frames:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        if streamer is not None:
            streamer.close()
        if recorder is not None:
            recorder.close()
        if window is not None:
            window.close()
    console.print(f"{frames} frames tracked, {capture.dropped} dropped by the capture thread")
