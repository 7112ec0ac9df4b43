"""``handtrack demo``: the bundled model on the bundled recording; a window with a display, files without."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import cv2
import typer

from handtrack.cli.common import console
from handtrack.io.poses import PoseWriter, header_record
from handtrack.smoothing import OneEuroConfig
from handtrack.sources import open_source
from handtrack.tracker import HandTracker
from handtrack.viz.draw import annotate_frame, status_lines
from handtrack.viz.viewer2d import Viewer2D, has_display

DEMO_RECORDING = Path(__file__).resolve().parents[1] / "_data" / "demo-sr305.db3"


def demo(
    out: Path = typer.Option(Path("handtrack-demo"), "--out", help="Folder for the files written without a display."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file; default: the bundled one."),
    window: Optional[bool] = typer.Option(None, "--window/--no-window", help="Force the window on or off "
                                          "(default: on when there is a display)."),
) -> None:
    """Track the bundled recording of a synthetic hand moving through gestures."""
    tracker = HandTracker(model, smoothing=OneEuroConfig())
    show = has_display() if window is None else window
    with open_source(DEMO_RECORDING) as source:
        if show:
            _demo_window(tracker, source)
            return
        out.mkdir(parents=True, exist_ok=True)
        video_path, poses_path, shot_path = out / "demo.mp4", out / "poses.jsonl", out / "screenshot.png"
        size = (source.intrinsics.width, source.intrinsics.height)
        video = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), source.nominal_fps or 30.0, size)
        found = frames = 0
        start = time.perf_counter()
        with PoseWriter(poses_path, header_record(source.intrinsics, source.depth_unit_mm, source.description,
                                                  tracker.engine.metadata, tracker.settings())) as writer:
            for frame, hands in tracker.run(source):
                frames += 1
                found += bool(hands)
                writer.write(frame, hands, tracker.last_reason)
                status = status_lines(frame.index, hands, tracker.last_reason, "handtrack demo")
                image = annotate_frame(frame.depth, frame.depth_unit_mm, hands, status)
                video.write(image)
                if frame.index == 50:
                    cv2.imwrite(str(shot_path), image)
        video.release()
        elapsed = time.perf_counter() - start
    console.print(f"no display: wrote {video_path}, {poses_path} and {shot_path}")
    console.print(f"{frames} frames, a hand in {found} of them, {frames / elapsed:.0f} frames/s with "
                  f"{tracker.model_name} ({tracker.engine.provider}, --hand {tracker.handedness})")


def _demo_window(tracker: HandTracker, source) -> None:  # type: ignore[no-untyped-def]
    viewer = Viewer2D("handtrack demo (q quits, space pauses, s saves a screenshot)")
    try:
        while True:  # run() starts afresh each time round
            for frame, hands in tracker.run(source):
                status = status_lines(frame.index, hands, tracker.last_reason)
                action = viewer.show(annotate_frame(frame.depth, frame.depth_unit_mm, hands, status), wait_ms=30)
                while action == "pause":
                    action = viewer.show(viewer.last_image, wait_ms=100)  # type: ignore[arg-type]
                    action = "" if action == "pause" else (action or "pause")
                if action == "quit":
                    return
    finally:
        viewer.close()
