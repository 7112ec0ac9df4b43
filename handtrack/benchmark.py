"""Speed measurement shared by ``handtrack bench`` and the scripts in benchmarks/."""

from __future__ import annotations

import os
import platform
import resource
import time
from typing import Any

import numpy as np

from handtrack.engines import Engine
from handtrack.tracker import HandTracker
from handtrack.types import Frame


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.system()}


def _stats(values_ms: list[float]) -> dict[str, float]:
    return {"median_ms": round(float(np.median(values_ms)), 3), "p95_ms": round(float(np.percentile(values_ms, 95)), 3)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_engine(engine: Engine, crops: np.ndarray, batch: int = 1, repeats: int = 50, warmup: int = 5) -> dict:
    """Latency of ``engine.infer`` on batches of ``batch`` crops taken from ``crops`` (N, 1, S, S)."""
    idx = np.arange(batch) % len(crops)
    x = np.ascontiguousarray(crops[idx])
    for _ in range(warmup):
        engine.infer(x)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        engine.infer(x)
        times.append((time.perf_counter() - t0) * 1e3)
    stats = _stats(times)
    stats["per_crop_ms"] = round(stats["median_ms"] / batch, 3)
    stats["crops_per_s"] = round(1000.0 * batch / stats["median_ms"], 1)
    return stats


def bench_pipeline(tracker: HandTracker, frames: list[Frame], repeats: int = 3) -> dict:
    """Per-stage latency of :meth:`HandTracker.track` over ``frames`` (each repeated), and frames per second."""
    stages: dict[str, list[float]] = {}
    totals, found, both = [], 0, 0
    crops_before = tracker.engine_crops
    for _ in range(repeats):
        tracker.reset()
        for frame in frames:
            t0 = time.perf_counter()
            poses = tracker.track(frame)
            totals.append((time.perf_counter() - t0) * 1e3)
            found += bool(poses)
            both += len(poses) > 1
            for name, value in (poses[0].timings_ms.items() if poses else ()):
                stages.setdefault(name, []).append(value)
    result: dict[str, Any] = {name: _stats(values) for name, values in stages.items()}
    result["frame"] = _stats(totals)
    result["fps"] = round(1000.0 / result["frame"]["median_ms"], 1)
    result["hands_found_fraction"] = round(found / max(len(totals), 1), 3)
    result["two_hands_fraction"] = round(both / max(len(totals), 1), 3)
    result["crops_per_frame"] = round((tracker.engine_crops - crops_before) / max(len(totals), 1), 2)
    return result
