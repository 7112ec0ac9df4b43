"""Benchmark: hand localisation + crop of a 640x480 frame, one core.

Runs over the real frames in ../shared/data (SR305 and D400-class close range), repeats each frame, and
prints median and p95 latency per stage. Usage: python benchmarks/bench_localize_crop.py [--repeats N]
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from handtrack.calibration import load_profile  # noqa: E402
from handtrack.preprocess.crop import crop_depth, make_crop_transform  # noqa: E402
from handtrack.preprocess.localize import HandLocalizer  # noqa: E402
from handtrack.preprocess.params import CropParams  # noqa: E402
from handtrack.types import Frame, Intrinsics  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_frames() -> list[Frame]:
    frames = []
    sr305 = load_profile("sr305")
    for path in sorted(glob.glob(str(SHARED / "sr305-lada" / "*" / "*.png"))):
        frames.append(Frame(cv2.imread(path, cv2.IMREAD_UNCHANGED), sr305.depth_unit_mm, sr305.intrinsics, 0.0, 0))
    d4xx = Intrinsics(640, 480, 610.0, 610.0, 319.5, 239.5)
    for path in sorted(glob.glob(str(SHARED / "d4xx-close-awr" / "*" / "*.png"))):
        frames.append(Frame(cv2.imread(path, cv2.IMREAD_UNCHANGED), 1.0, d4xx, 0.0, 0))
    if not frames:
        raise SystemExit(f"no frames under {SHARED}")
    return frames


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    frames = load_frames()
    localizer, params = HandLocalizer(), CropParams()
    loc_ms, crop_ms = [], []
    for _ in range(args.repeats):
        for frame in frames:
            t0 = time.perf_counter()
            result = localizer.locate(frame)
            t1 = time.perf_counter()
            hand = result.hands[0]
            transform = make_crop_transform(hand.centre_xyz_mm, frame.intrinsics, params)
            crop_depth(frame.depth, frame.depth_unit_mm, transform, params)
            t2 = time.perf_counter()
            loc_ms.append((t1 - t0) * 1e3)
            crop_ms.append((t2 - t1) * 1e3)
    total = np.add(loc_ms, crop_ms)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, OpenCV 1 thread; "
          f"{len(frames)} real 640x480 frames x {args.repeats}")
    for name, values in (("localise", loc_ms), ("crop", crop_ms), ("total", total)):
        print(f"{name:9s} median {np.median(values):6.3f} ms   p95 {np.percentile(values, 95):6.3f} ms")


if __name__ == "__main__":
    main()
