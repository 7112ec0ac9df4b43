"""Per-crop latency (batch 1 and 2, host copies included) of the PyTorch engine's GPU variants, for the card
it runs on: CUDA graphs in fp32 and fp16, each with and without ``torch.compile``, every variant's joints
compared with eager fp32. For a lent GPU machine (needs only torch, numpy, onnx); results are appended as JSON
lines to ``--out`` as each variant finishes, so a command stopped at its limit keeps what it measured.

    python benchmarks/gpu_engine_latency.py --models pwr pwr-lite --out "$OUT/latency.jsonl"
    python benchmarks/gpu_engine_latency.py --checkpoint runs/pwr-lite-anatomical/checkpoint.pt --out latency.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from handtrack.models.checkpoint import save_untrained_checkpoint  # noqa: E402

VARIANTS = {  # label: TorchEngine options
    "cuda graphs fp32": {},
    "cuda graphs fp16": {"fp16": True},
    "compiled + cuda graphs fp32": {"compile": True},
    "compiled + cuda graphs fp16": {"fp16": True, "compile": True},
}


def measure(checkpoint: Path, label: str, variants: list[str], out: Path, repeats: int) -> None:
    from handtrack.benchmark import bench_engine
    from handtrack.engines.torch_engine import TorchEngine

    rng = np.random.default_rng(0)
    crops = {b: rng.uniform(-1, 1, (b, 1, 128, 128)).astype(np.float32) for b in (1, 2)}
    eager = TorchEngine(checkpoint, device="cuda", cuda_graphs=False)
    reference = {b: eager.infer(c)[0] for b, c in crops.items()}
    for variant in variants:
        start = time.perf_counter()
        engine = TorchEngine(checkpoint, device="cuda", **VARIANTS[variant])
        row = {"model": label, "variant": variant, "device": torch.cuda.get_device_name(),
               "torch": torch.__version__}
        for batch, c in crops.items():
            joints, _ = engine.infer(c)  # the first call captures the graph (and compiles)
            stats = bench_engine(engine, c, batch=batch, repeats=repeats)
            row[f"batch{batch}_median_ms"], row[f"batch{batch}_p95_ms"] = stats["median_ms"], stats["p95_ms"]
            row[f"batch{batch}_max_joint_difference_to_eager"] = float(np.abs(joints - reference[batch]).max())
        row["setup_s"] = round(time.perf_counter() - start, 1)
        with out.open("a", encoding="utf-8") as file:
            file.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=[], help="registry entries, timed untrained")
    parser.add_argument("--checkpoint", type=Path, nargs="*", default=[], help="trained checkpoints")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("error: this benchmark needs a CUDA GPU")
    for path in args.checkpoint:
        measure(path, str(path), args.variants, args.out, args.repeats)
    for name in args.models:
        untrained = save_untrained_checkpoint(name, Path(tempfile.mkdtemp()) / f"{name}.pt")
        measure(untrained, f"{name} (untrained)", args.variants, args.out, args.repeats)


if __name__ == "__main__":
    main()
