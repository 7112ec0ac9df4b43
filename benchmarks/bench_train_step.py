"""Benchmark: training throughput of the network alone (targets + forward + loss + backward + Adam step).

Side by side in one run, so the ratios between entries are meaningful on a noisy machine; the data
generator is not included (``benchmarks/bench_synth.py`` measures it). Usage:

    python benchmarks/bench_train_step.py [--threads 1] [--batch 32 [128 ...]] [--steps 5] [--models pwr-lite ...]
        [--device cuda] [--precision fp32 [bf16]] [--json OUT.json]

On a GPU, steps are synchronised and cuDNN's autotuner is on, as in training.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the device machine has no installed handtrack

from handtrack.models import build_network, registry_entry  # noqa: E402
from handtrack.models.losses import make_targets, pwr_loss  # noqa: E402
from handtrack.models.pwr import representation  # noqa: E402
from handtrack.training.loop import forward  # noqa: E402

#: variants measured besides the registry entries: (label, registry entry, ModelConfig changes)
VARIANTS = {"pwr-lite+separable": ("pwr-lite", {"block": "separable"})}


def samples_per_second(entry_name: str, changes: dict, batch: int, steps: int, device: torch.device,
                       precision: str = "fp32") -> tuple[float, int]:
    """(training samples per second, parameter count) of one configuration on random crops."""
    entry = registry_entry(entry_name)
    config = dataclasses.replace(entry.model, **changes)
    network = build_network(config).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    crops = (torch.rand(batch, 1, 128, 128, generator=generator) * 0.8 - 0.4).to(device)
    joints = (torch.rand(batch, 21, 3, generator=generator) * 0.6 - 0.3).to(device)

    def step() -> None:
        image, mask = representation(crops, config.background_value)
        targets = make_targets(joints, image, mask, entry.loss)
        loss = pwr_loss(forward(network, crops, precision), targets, entry.loss)["total"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(3):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    elapsed = time.perf_counter() - start
    return batch * steps / elapsed, sum(p.numel() for p in network.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, nargs="+", default=[32])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--models", nargs="*", default=["pwr-lite", "pwr-lite+separable", "pwr-direct", "pwr"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", nargs="+", default=["fp32"], help="fp32 and/or bf16")
    parser.add_argument("--json", default="", help="also write the rows here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        name = torch.cuda.get_device_name(device)
    else:
        name = platform.processor() or platform.machine()
    print(f"{name}, torch {torch.__version__}, {args.threads} thread(s)", flush=True)
    rows = []
    for name_ in args.models:
        entry_name, changes = VARIANTS.get(name_, (name_, {}))
        for batch in args.batch:
            for precision in args.precision:
                rate, params = samples_per_second(entry_name, changes, batch, args.steps, device, precision)
                rows.append({"device": name, "model": name_, "batch": batch, "precision": precision,
                             "samples_per_s": round(rate, 1), "ms_per_step": round(1e3 * batch / rate, 2),
                             "parameters_m": round(params / 1e6, 2)})
                print(f"{name_:22s} batch {batch:4d} {precision}  {rate:8.1f} samples/s  "
                      f"{1e3 * batch / rate:7.1f} ms/step  {params / 1e6:5.2f} M parameters", flush=True)
                if args.json:
                    Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
