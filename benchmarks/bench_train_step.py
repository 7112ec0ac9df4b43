"""Benchmark: training throughput of the network alone (targets + forward + loss + backward + Adam step).

Side by side in one run, so the ratios between entries are meaningful on a noisy machine; the data
generator is not included (``benchmarks/bench_synth.py`` measures it). Usage:

    python benchmarks/bench_train_step.py [--threads 1] [--batch 32 [128 ...]] [--steps 5] [--models pwr-lite ...]
        [--device cuda] [--precision fp32 [bf16]] [--compile off [on cudagraphs]] [--json OUT.json]

On a GPU, steps are synchronised and cuDNN's autotuner is on, as in training. The step is training's own
(``handtrack.training.loop.training_step_losses``); a compiled one is compiled in its warm-up steps, which are not
timed (the compile time is reported apart).
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
from handtrack.training.loop import training_step_losses  # noqa: E402

#: variants measured besides the registry entries: (label, registry entry, ModelConfig changes)
VARIANTS = {"pwr-lite+separable": ("pwr-lite", {"block": "separable"}),
            # instance norm through nn.InstanceNorm2d, as before session 15 (blocks.InstanceNorm)
            "pwr-lite+torch-instance-norm": ("pwr-lite", {"norm": "instance-torch"}),
            "pwr+torch-instance-norm": ("pwr", {"norm": "instance-torch"})}


def samples_per_second(entry_name: str, changes: dict, batch: int, steps: int, device: torch.device,
                       precision: str = "fp32", compile: str = "off") -> tuple[float, int, float]:
    """(training samples per second, parameter count, seconds of the warm-up steps, compiling included) of one
    configuration on random crops."""
    entry = registry_entry(entry_name)
    config = dataclasses.replace(entry.model, **changes)
    network = build_network(config).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    crops = (torch.rand(batch, 1, 128, 128, generator=generator) * 0.8 - 0.4).to(device)
    joints = (torch.rand(batch, 21, 3, generator=generator) * 0.6 - 0.3).to(device)
    torch._dynamo.reset()  # a new network each time: without a reset the recompilations would hit dynamo's limit
    loss_terms = training_step_losses(network, entry.loss, precision, compile)

    def step() -> None:
        loss = loss_terms(crops, joints)["total"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    start = time.perf_counter()
    for _ in range(3):
        step()
    sync()
    warmup_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    elapsed = time.perf_counter() - start
    return batch * steps / elapsed, sum(p.numel() for p in network.parameters()), warmup_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, nargs="+", default=[32])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--models", nargs="*", default=["pwr-lite", "pwr-lite+separable", "pwr-direct", "pwr"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", nargs="+", default=["fp32"], help="fp32 and/or bf16")
    parser.add_argument("--compile", nargs="+", default=["off"], help="off, on and/or cudagraphs (training's "
                        "--compile); a variant that fails to compile is reported and skipped")
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
                for compile_mode in args.compile:
                    try:
                        rate, params, warmup_s = samples_per_second(entry_name, changes, batch, args.steps, device,
                                                                    precision, compile_mode)
                    except Exception as error:  # noqa: BLE001 - one variant failing must not cost the others
                        print(f"{name_} batch {batch} {precision} compile {compile_mode}: failed: "
                              f"{str(error).splitlines()[0][:200]}", flush=True)
                        continue
                    rows.append({"device": name, "model": name_, "batch": batch, "precision": precision,
                                 "compile": compile_mode, "samples_per_s": round(rate, 1),
                                 "ms_per_step": round(1e3 * batch / rate, 2), "warmup_s": round(warmup_s, 1),
                                 "parameters_m": round(params / 1e6, 2)})
                    print(f"{name_:22s} batch {batch:4d} {precision} compile {compile_mode:10s} {rate:8.1f} "
                          f"samples/s  {1e3 * batch / rate:7.1f} ms/step  (warm-up {warmup_s:.1f} s)  "
                          f"{params / 1e6:5.2f} M parameters", flush=True)
                    if args.json:
                        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
