"""Benchmark: synthetic training crops per second (render + sensor + real localisation + crop).

Usage: python benchmarks/bench_synth.py [--samples N] [--workers W]
Prints crops/s for one process and for W worker processes, with the machine, and side by side the one-process
figure of the numpy reference renderer (``CropSampler(reference=True)``, what the compiled loops replace).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from handtrack.benchmark import machine_info  # noqa: E402
from handtrack.synth.generator import CropSampler  # noqa: E402


def _work(args: tuple[int, int], reference: bool = False) -> int:
    import torch

    torch.set_num_threads(1)
    start, count = args
    sampler = CropSampler(seed=1, reference=reference)
    for i in range(start, start + count):
        sampler.sample(i)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    _work((0, 5))  # warm up imports and caches
    t0 = time.perf_counter()
    _work((1000, args.samples))
    single = args.samples / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    _work((1000, args.samples), reference=True)
    reference = args.samples / (time.perf_counter() - t0)
    per = args.samples // args.workers
    with mp.get_context("spawn").Pool(args.workers) as pool:
        pool.map(_work, [(5000, 3)] * args.workers)  # warm up the workers
        t0 = time.perf_counter()
        done = sum(pool.map(_work, [(10_000 + k * per, per) for k in range(args.workers)]))
        multi = done / (time.perf_counter() - t0)
    m = machine_info()
    print(f"machine: {m['cpu']}, {m['cores']} cores")
    print(f"one process: {single:.1f} crops/s; {args.workers} processes: {multi:.1f} crops/s; "
          f"numpy reference, one process: {reference:.1f} crops/s ({single / reference:.2f}x)")


if __name__ == "__main__":
    main()
