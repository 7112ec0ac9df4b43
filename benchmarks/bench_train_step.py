"""Benchmark: training throughput of the network alone (targets + forward + loss + backward + Adam step).

Side by side in one run, so the ratios between entries are meaningful on a noisy machine; the data
generator is not included (``benchmarks/bench_synth.py`` measures it). Usage:

    python benchmarks/bench_train_step.py [--threads 1] [--batch 32] [--steps 5] [--models pwr-lite ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time

import torch

from handtrack.models import build_network, registry_entry
from handtrack.models.losses import make_targets, pwr_loss
from handtrack.models.pwr import representation

#: variants measured besides the registry entries: (label, registry entry, ModelConfig changes)
VARIANTS = {"pwr-lite+separable": ("pwr-lite", {"block": "separable"})}


def samples_per_second(entry_name: str, changes: dict, batch: int, steps: int) -> tuple[float, int]:
    """(training samples per second, parameter count) of one configuration on random crops."""
    entry = registry_entry(entry_name)
    config = dataclasses.replace(entry.model, **changes)
    network = build_network(config)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    crops = torch.rand(batch, 1, 128, 128, generator=generator) * 0.8 - 0.4
    joints = torch.rand(batch, 21, 3, generator=generator) * 0.6 - 0.3

    def step() -> None:
        image, mask = representation(crops, config.background_value)
        loss = pwr_loss(network(crops), make_targets(joints, image, mask, entry.loss), entry.loss)["total"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    elapsed = time.perf_counter() - start
    return batch * steps / elapsed, sum(p.numel() for p in network.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--models", nargs="*", default=["pwr-lite", "pwr-lite+separable", "pwr-direct", "pwr"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} thread(s), "
          f"batch {args.batch}")
    for name in args.models:
        entry_name, changes = VARIANTS.get(name, (name, {}))
        rate, params = samples_per_second(entry_name, changes, args.batch, args.steps)
        print(f"{name:22s} {rate:7.1f} samples/s   {params / 1e6:5.2f} M parameters")


if __name__ == "__main__":
    main()
