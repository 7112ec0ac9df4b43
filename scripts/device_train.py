"""Train on a lent GPU machine (``run`` tool), where only torch, onnx, onnxruntime, numpy and opencv exist.

Trains a registry model for a few minutes (one device command may run 10 minutes at most), resuming the run
folder when it holds a checkpoint, then copies the run folder (checkpoint + log) and a GPU latency benchmark
to ``--out`` (the machine's $OUT), so that the next command - or this machine, after fetching - continues it.
Needs no typer, rich or pyrealsense2. Example, on the device machine:

    python scripts/device_train.py --model pwr --run runs/pwr --minutes 8 --workers 14 --out "$OUT"
    python scripts/device_train.py --model pwr-lite --run runs/pwr-lite --minutes 8 --workers 14 --out "$OUT"

The batch, learning rate and data of a resumed run are the run's own (``handtrack train --resume`` rules).
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from handtrack.models.checkpoint import load_checkpoint  # noqa: E402
from handtrack.models.pwr import InferenceModel  # noqa: E402
from handtrack.training.loop import TrainConfig, train  # noqa: E402


def latency_ms(checkpoint: Path, device: str, fp16: bool, batch: int = 1, repeats: int = 200) -> dict:
    """Median and p95 per-call latency (ms) of the inference model on ``device``; CUDA graphs when on a GPU."""
    network, _, _ = load_checkpoint(checkpoint)
    model = InferenceModel(network).eval().to(device)
    dtype = torch.float16 if fp16 and device == "cuda" else torch.float32
    model = model.to(dtype)
    crop = torch.rand(batch, 1, 128, 128, device=device, dtype=dtype)
    run = lambda: model(crop)  # noqa: E731
    graphed = False
    with torch.inference_mode():
        for _ in range(10):
            run()
        if device == "cuda":
            torch.cuda.synchronize()
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                model(crop)
            run, graphed = graph.replay, True
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            if device == "cuda":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {"device": torch.cuda.get_device_name() if device == "cuda" else platform.processor(),
            "dtype": str(dtype).replace("torch.", ""), "batch": batch, "cuda_graph": graphed,
            "median_ms": round(times[len(times) // 2], 4), "p95_ms": round(times[int(len(times) * 0.95)], 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pwr")
    parser.add_argument("--run", type=Path, required=True, help="run folder (resumed when it has a checkpoint)")
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=14, help="data-rendering processes")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--pose-bank", default="", help="folder with animbank.pose (carried into the repo)")
    parser.add_argument("--out", type=Path, required=True, help="where results go ($OUT on the device)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    resume = (args.run / "checkpoint.pt").is_file()
    config = TrainConfig(model=args.model, batch_size=args.batch, lr=args.lr, time_budget_min=args.minutes,
                         workers=args.workers, threads=2, pose_bank=args.pose_bank, device="auto")
    result = train(config, args.run, resume=resume)
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(args.run, args.out / args.run.name, dirs_exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    bench = [latency_ms(args.run / "checkpoint.pt", device, fp16) for fp16 in ((False, True) if device == "cuda"
                                                                             else (False,))]
    report = {"model": args.model, "resumed": resume, **result, "latency": bench}
    (args.out / f"{args.run.name}-report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
