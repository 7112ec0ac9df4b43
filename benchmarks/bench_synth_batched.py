"""Benchmark: training crops per second of the batched path (``handtrack train --render-on-device``).

Usage: python benchmarks/bench_synth_batched.py [--device cuda] [--batch 1024] [--workers 15]
       [--crops-per-scene 2 [3 ...]] [--batches 8] [--json OUT.json] [--compiled auto|on|off] [--count-ops]

Three figures, with the machine and the device named:
- jobs: what the CPU worker processes deliver alone (scene, real localiser, crop windows, packing), crops/s,
  sustained: over at least three batches per worker, timed after every worker's start-up and first batches
  (training keeps its workers for the whole run); the start-up (seconds to the first batch) is reported apart;
- render: the device's batched rendering alone (ray casting, sensor model, normalisation), crops/s;
- end to end: workers feeding the device, crops/s, sustained (what a training run gets when the network is fast).
Each ``--crops-per-scene`` value is measured in turn; the JSON holds the first at its top level and all of them
under ``runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the device machine has no installed handtrack

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from handtrack.benchmark import machine_info  # noqa: E402
from handtrack.synth.batched import BatchedCropRenderer, normalise_crops  # noqa: E402
from handtrack.synth.generator import CropSampler  # noqa: E402
from handtrack.synth.sensor_torch import apply_sensor_torch, edge_preserving_smooth, projector_shadow  # noqa: E402
from handtrack.training.data import RangeSampler, SyntheticJobs  # noqa: E402

PREFETCH = 2  # batches each worker keeps ready


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def render_stages(renderer: BatchedCropRenderer, jobs: dict[str, torch.Tensor]) -> dict[str, Callable[[], object]]:
    """The stages of a render call on one loaded batch of packed jobs, each a call: ray casting (eager and
    through torch.compile), the whole sensor model and, within it, the projector shadow and the SDK smoothing,
    and the normalisation with the connected-surface growth."""
    dev = renderer.device
    generator = torch.Generator(device=dev).manual_seed(0)
    fx, sdk = jobs["fx_px"].to(dev), jobs["sdk"].to(dev)
    depth = renderer.depth_mm(jobs)
    z = apply_sensor_torch(depth, renderer.sensor, renderer.depth_unit_mm, fx, sdk, generator)
    clean = torch.where(torch.isfinite(depth), depth, torch.zeros_like(depth)).float()
    model = renderer.sensor
    eager, compiled = replace(renderer, compiled=False), replace(renderer, compiled=True)
    compiled.depth_mm(jobs)  # compiled here (shapes dynamic), not in the timing; a failure is logged
    return {
        "ray casting": lambda: eager.depth_mm(jobs),
        "ray casting, compiled": lambda: compiled.depth_mm(jobs),
        "sensor model": lambda: apply_sensor_torch(depth, model, renderer.depth_unit_mm, fx, sdk, generator),
        "  projector shadow": lambda: projector_shadow(clean, clean > 0, model.shadow_baseline_mm, fx),
        "  SDK smoothing": lambda: edge_preserving_smooth(clean[sdk], model.sdk_alpha, model.sdk_delta_mm,
                                                          model.sdk_iterations),
        "normalisation": lambda: normalise_crops(z, jobs["centre_z"].to(dev), jobs["cube_half"].to(dev),
                                                 renderer.params),
    }


def stage_ms(stages: dict[str, Callable[[], object]], device: torch.device, repeats: int = 3) -> dict[str, float]:
    """Milliseconds per call of each stage (synchronised, the median of ``repeats``)."""
    result = {}
    for name, call in stages.items():
        times = []
        for _ in range(repeats):
            _sync(device)
            t0 = time.perf_counter()
            call()
            _sync(device)
            times.append(time.perf_counter() - t0)
        result[name] = round(1e3 * sorted(times)[len(times) // 2], 2)
    return result


def stage_ops(stages: dict[str, Callable[[], object]], device: torch.device) -> dict[str, dict[str, int]]:
    """PyTorch operator calls (``aten::`` dispatches, views included) and, on a GPU, kernels launched per call of
    each stage: a GPU runs a stage made of many small operations at the rate it can launch them, so these counts
    say, even on a CPU, which stages a GPU would wait on."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    result = {}
    for name, call in stages.items():
        with profile(activities=activities) as prof:
            call()
            _sync(device)
        events = prof.key_averages()
        counts = {"aten_ops": sum(e.count for e in events if e.key.startswith("aten::"))}
        if device.type == "cuda":
            counts["kernels"] = sum(e.count for e in events if e.device_type == torch.autograd.DeviceType.CUDA)
        result[name] = counts
    return result


def measure(renderer: BatchedCropRenderer, device: torch.device, batch: int, workers: int, crops_per_scene: int,
            batches: int, count_ops: bool = False) -> dict:
    """The three rates (crops/s) for one number of crop windows per scene, sustained (workers started and their
    first batches taken before the clock starts, as in a training run's persistent workers), the start-up
    (seconds to the first batch) and the hand's pixel share."""
    dataset = SyntheticJobs(1, crops_per_scene=crops_per_scene)
    loader = DataLoader(dataset, batch_size=batch, sampler=RangeSampler(0, 10**9, batch), num_workers=workers,
                        persistent_workers=False, prefetch_factor=PREFETCH if workers else None)
    rounds = max(batches, 3 * max(workers, 1))
    t0 = time.perf_counter()
    it = iter(loader)
    first = next(it)
    startup_s = time.perf_counter() - t0
    # Warm-up: every worker's first batches and the queue filled while they started. Taking batches faster than
    # the workers make them, the queue is then empty and the clock below measures what the workers deliver.
    for _ in range(max(workers, 1) * (PREFETCH + 1) - 1):
        next(it)
    t0 = time.perf_counter()
    for _ in range(rounds):
        next(it)
    jobs_rate = rounds * batch / (time.perf_counter() - t0)
    renderer(first)
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(rounds):
        crops = renderer(next(it))
    _sync(device)
    end_rate = rounds * batch / (time.perf_counter() - t0)
    del it
    t0 = time.perf_counter()
    for _ in range(batches):
        crops = renderer(first)
    _sync(device)
    render_rate = batches * batch / (time.perf_counter() - t0)
    stages = render_stages(renderer, first)
    timings = stage_ms(stages, device)
    ops = {}
    if count_ops:
        try:
            ops = stage_ops(stages, device)
        except Exception as error:  # noqa: BLE001 - a profiler that fails must not cost the rates measured above
            print(f"  counting operations failed: {error}", flush=True)
    return {"crops_per_scene": crops_per_scene, "jobs_crops_per_s": round(jobs_rate, 1),
            "render_crops_per_s": round(render_rate, 1), "end_to_end_crops_per_s": round(end_rate, 1),
            "startup_s": round(startup_s, 1), "hand_pixel_share": round(float((crops < 1.0).float().mean()), 3),
            "stage_ms_per_call": timings, "stage_ops_per_call": ops}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--crops-per-scene", type=int, nargs="+", default=[2])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--json", default="")
    parser.add_argument("--count-ops", action="store_true",
                        help="also count the operator calls (and GPU kernels) of each stage, with torch.profiler")
    parser.add_argument("--compiled", choices=["auto", "on", "off"], default="auto",
                        help="ray casting through torch.compile (auto: on a GPU, as training does)")
    args = parser.parse_args()
    device = torch.device(args.device)
    compiled = args.compiled == "on" or (args.compiled == "auto" and device.type == "cuda")
    renderer = BatchedCropRenderer.for_sampler(CropSampler(1), device, compiled=compiled)
    m = machine_info()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({m['cpu']})"
    print(f"machine: {m['cpu']}, {m['cores']} cores; device: {name}; batch {args.batch}, {args.workers} worker "
          f"processes; ray casting {'compiled' if compiled else 'eager'}", flush=True)
    runs = []
    for k in args.crops_per_scene:
        run = measure(renderer, device, args.batch, args.workers, k, args.batches, args.count_ops)
        runs.append(run)
        print(f"{k} crops per scene: jobs (CPU workers) {run['jobs_crops_per_s']:.0f} crops/s; render "
              f"({args.device}) {run['render_crops_per_s']:.0f} crops/s; end to end "
              f"{run['end_to_end_crops_per_s']:.0f} crops/s (sustained; first batch after {run['startup_s']} s)",
              flush=True)
        print("  ms per render call of " + str(args.batch) + ": " + ", ".join(
            f"{name.strip()} {ms}" for name, ms in run["stage_ms_per_call"].items()), flush=True)
        if run["stage_ops_per_call"]:
            print("  operations per render call: " + ", ".join(
                f"{name.strip()} {'/'.join(str(n) for n in counts.values())}"
                for name, counts in run["stage_ops_per_call"].items())
                + " (aten calls" + (" / kernels)" if device.type == "cuda" else ")"), flush=True)
        if args.json:  # written after each setting, so a run stopped at a time limit keeps what it measured
            result = {"machine": m, "device": name, "batch": args.batch, "workers": args.workers, **runs[0],
                      "runs": runs}
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
