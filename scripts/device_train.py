"""Train on a lent GPU machine (``run`` tool), where only torch, onnx, onnxruntime, numpy and opencv exist.

Trains a registry model for a few minutes (one device command may run 10 minutes at most), resuming the run
folder when it holds a checkpoint, and writes the run folder (checkpoint + log) and a latency check of the
PyTorch engine (eager, CUDA graphs fp32 and fp16, each compared with eager) to ``--out`` (the machine's $OUT),
so that the next command - or this machine, after fetching - continues it.
Needs no typer, rich or pyrealsense2. Example, on the device machine:

    python scripts/device_train.py --model pwr --run runs/pwr --minutes 8 --workers 14 --out "$OUT"
    python scripts/device_train.py --model pwr-lite --run runs/pwr-lite --minutes 8 --workers 14 --out "$OUT" \
        --latency-models pwr

The run is copied into ``--out`` and trained there (checkpoint every ``--checkpoint-every`` minutes), so that
a command stopped at its limit still returns the last checkpoint.

The data of a resumed run are the run's own; its batch size, learning rate and decay change only where given
(``handtrack train --resume`` rules).
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from handtrack.models.checkpoint import save_untrained_checkpoint  # noqa: E402
from handtrack.training.loop import TrainConfig, train  # noqa: E402


def engine_report(checkpoint: Path, repeats: int = 200) -> list[dict]:
    """Per-crop latency (batch 1, median and p95 ms, host copies included) of the product's TorchEngine: eager
    fp32, and on a GPU also CUDA graphs in fp32 and fp16, each checked against eager fp32 outputs."""
    import numpy as np

    from handtrack.benchmark import bench_engine
    from handtrack.engines.torch_engine import TorchEngine

    on_gpu = torch.cuda.is_available()
    variants = [("eager fp32", {"cuda_graphs": False})]
    if on_gpu:
        variants += [("cuda graphs fp32", {}), ("cuda graphs fp16", {"fp16": True})]
    crop = np.random.default_rng(0).uniform(-1, 1, (1, 1, 128, 128)).astype(np.float32)
    reference = None
    rows = []
    for label, options in variants:
        engine = TorchEngine(checkpoint, device="cuda" if on_gpu else "cpu", **options)
        joints, _ = engine.infer(crop)  # the first call captures the graph
        reference = joints if reference is None else reference
        stats = bench_engine(engine, crop, repeats=repeats, warmup=10)
        rows.append({"engine": label, "provider": engine.provider, **stats,
                     "max_joint_difference_to_eager": float(np.abs(joints - reference).max())})
    device = torch.cuda.get_device_name() if on_gpu else (platform.processor() or platform.machine())
    return [{"device": device, **row} for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pwr")
    parser.add_argument("--run", type=Path, required=True, help="run folder (resumed when it has a checkpoint)")
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--checkpoint-every", type=float, default=2.0, help="minutes between checkpoints")
    parser.add_argument("--workers", type=int, default=14, help="data-rendering processes")
    parser.add_argument("--batch", type=int, default=None, help="default 32; on a resumed run, changes its batch")
    parser.add_argument("--lr", type=float, default=None, help="default 2e-4; on a resumed run, changes its rate")
    parser.add_argument("--lr-decay-every", type=int, default=None, help="steps between halvings (default 20000)")
    parser.add_argument("--precision", default="fp32", help="fp32, or bf16 (autocast forward pass)")
    parser.add_argument("--compile", default="off", help="the training step through torch.compile: off, on, "
                        "cudagraphs")
    parser.add_argument("--palm", default=None, help="hand geometry of the synthetic data (default anatomical; on a "
                        "resumed run, changes its): anatomical, anatomical-wrist, symmetric")
    parser.add_argument("--view", default=None, help="views of the synthetic data (default front; on a resumed run, "
                        "changes its): front, head-mounted, mixed")
    parser.add_argument("--coord-weight", type=float, default=None, help="weight of the coordinate loss terms (default "
                        "the model's, 1; on a resumed run, changes its; docs/ablation.md)")
    parser.add_argument("--palm-centred-share", type=float, default=None, help="share of crops centred on the true "
                        "palm, as the tracker's second pass crops (default 0; on a resumed run, changes its)")
    parser.add_argument("--camera", default=None, help="the synthetic scenes' camera: sr305 (default), d435, mixed "
                        "(30 %% D435); on a resumed run, changes its")
    parser.add_argument("--reuse", type=int, default=1, help="optimizer steps per fresh batch (replay buffer)")
    parser.add_argument("--render-on-device", action="store_true", help="render the crops in batches on the GPU")
    parser.add_argument("--crops-per-scene", type=int, default=1, help="with --render-on-device")
    parser.add_argument("--pose-bank", default="", help="folder with animbank.pose (carried into the repo)")
    parser.add_argument("--latency-models", nargs="*", default=[],
                        help="registry entries whose engine latency is also timed, untrained")
    parser.add_argument("--out", type=Path, required=True, help="where results go ($OUT on the device)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # Train inside --out, so that a command stopped at its time limit still returns the last checkpoint.
    run = args.out / args.run.name
    if args.run.resolve() != run.resolve() and args.run.is_dir():
        # contents only (copyfile): files fetched from a device arrive read-only, and the log is appended to
        shutil.copytree(args.run, run, dirs_exist_ok=True, copy_function=shutil.copyfile)
    run.mkdir(parents=True, exist_ok=True)
    resume = (run / "checkpoint.pt").is_file()
    schedule = {k: v for k, v in (("batch_size", args.batch), ("lr", args.lr), ("lr_decay_every", args.lr_decay_every),
                                  ("palm", args.palm), ("view", args.view), ("coord_weight", args.coord_weight),
                                  ("palm_centred_share", args.palm_centred_share), ("camera", args.camera))
                if v is not None}
    config = TrainConfig(model=args.model, **schedule, precision=args.precision, time_budget_min=args.minutes,
                         checkpoint_every_min=args.checkpoint_every, workers=args.workers, threads=2,
                         pose_bank=args.pose_bank, device="auto", reuse=args.reuse,
                         render_on_device=args.render_on_device, crops_per_scene=args.crops_per_scene,
                         compile=args.compile)
    report: dict = {"model": args.model, "resumed": resume}
    report.update(train(config, run, resume=resume, schedule=schedule))
    report_path = args.out / f"{run.name}-report.json"
    report_path.write_text(json.dumps(report, indent=2))
    engines = engine_report(run / "checkpoint.pt")
    for name in args.latency_models:
        untrained = save_untrained_checkpoint(name, Path(tempfile.mkdtemp()) / f"{name}.pt")
        engines += [{"model": f"{name} (untrained)", **row} for row in engine_report(untrained)]
    report["engines"] = engines
    report_path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
