"""``handtrack train``: train a registry model on synthetic hands, within a time budget, resumable."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from handtrack.cli.common import console
from handtrack.cli.training_display import TrainingDisplay
from handtrack.errors import HandtrackError


def train_command(
    model: str = typer.Option("pwr-lite", "--model", help="Registry name (pwr, pwr-lite, pwr-direct, ...)."),
    data: str = typer.Option("synthetic", "--data", help="Training data: synthetic, or a copy of a 21-joint public "
                             "dataset: msra:PATH, hands2017:PATH."),
    out: Path = typer.Option(Path("runs/pwr-lite"), "--out", help="Run folder: checkpoint.pt, log.jsonl."),
    time_budget: float = typer.Option(60.0, "--time-budget", min=0.1, help="Minutes to train, then checkpoint."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out exactly where it stopped."),
    batch: Optional[int] = typer.Option(None, "--batch", min=1, help="Batch size (default 32, the paper's; on "
                                        "--resume, changes the run's from that step on)."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Adam learning rate (default 2e-4, the paper's; a resumed "
                                       "run keeps its own unless this is given)."),
    lr_decay_every: Optional[int] = typer.Option(None, "--lr-decay-every", min=1, help="Steps between halvings "
                                                 "of the rate (default 20000; on --resume, changes the run's)."),
    workers: int = typer.Option(1, "--workers", min=0, help="Processes rendering data ahead of the trainer."),
    threads: int = typer.Option(2, "--threads", min=1, help="PyTorch threads of the trainer (on 2 cores with one "
                                "data process, 2 threads that sleep when idle beat 1: benchmarks in the README)."),
    max_steps: int = typer.Option(0, "--max-steps", min=0, help="Stop after this many steps (0: budget only)."),
    checkpoint_every: float = typer.Option(10.0, "--checkpoint-every", min=0.1, help="Minutes between checkpoints."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when available), cpu or cuda."),
    palm: Optional[str] = typer.Option(None, "--palm", help="Palm geometry of the synthetic hands: anatomical "
                                       "(default) or symmetric (the first generator's); on --resume, changes the "
                                       "run's from that step on."),
    view: Optional[str] = typer.Option(None, "--view", help="Views of the synthetic hands: front (default), "
                                       "head-mounted (a headset's camera) or mixed (a quarter head-mounted); on "
                                       "--resume, changes the run's from that step on."),
    reuse: int = typer.Option(1, "--reuse", min=1, help="Optimizer steps per freshly rendered batch; the extra "
                              "ones train on samples drawn from the last 4,096 (for a GPU that the data processes "
                              "cannot keep busy). 1: every step on fresh samples."),
    render_on_device: bool = typer.Option(False, "--render-on-device", help="Synthetic data: workers make the "
                                          "scenes and crop windows, the training device (a GPU) renders the crops "
                                          "in batches."),
    crops_per_scene: int = typer.Option(1, "--crops-per-scene", min=1, help="With --render-on-device: crop "
                                        "windows (independent augmentations and sensor noise) per localised "
                                        "scene."),
    precision: str = typer.Option("fp32", "--precision", help="fp32, or bf16: the forward pass under bfloat16 "
                                  "autocast (tensor cores on a GPU; losses and weights stay fp32)."),
    camera: Optional[str] = typer.Option(None, "--camera", help="Synthetic data: the camera the scenes are rendered "
                                         "with, sr305 (default), d435 (stereo sensor model) or mixed (30 % D435); "
                                         "on --resume, changes the run's from that step on."),
    compile_step: str = typer.Option("off", "--compile", help="off, on (the training step through "
                                     "torch.compile: fused kernels, compiled once per run, tens of seconds) or "
                                     "cudagraphs (also replayed as CUDA graphs; GPUs)."),
    coord_weight: Optional[float] = typer.Option(None, "--coord-weight", min=0.0, help="Weight of the coordinate "
                                                 "loss terms (L_uv + L_d) against the map terms (default: the "
                                                 "model's, 1 for pwr and pwr-lite; on --resume, changes the run's "
                                                 "from that step on)."),
    palm_centred_share: Optional[float] = typer.Option(None, "--palm-centred-share", min=0.0, max=1.0,
                                                       help="Share of synthetic crops centred on the true palm (as "
                                                       "the tracker's second pass crops) instead of the "
                                                       "localiser's centre (default 0; on --resume, changes the "
                                                       "run's from that step on)."),
    pose_bank: str = typer.Option("", "--pose-bank", help="Folder with animbank.pose and model_hand.json (real "
                                  "captured poses for half the samples)."),
) -> None:
    """Train with the paper's losses and Adam; writes a checkpoint at least every 10 minutes and at the end."""
    if threads > 1 and "torch" not in sys.modules:
        # OpenMP threads that spin while they wait take the cores the data processes need; set before the
        # OpenMP runtime loads (with torch), and only where the user has not chosen.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        from handtrack.models import registry_entry
        from handtrack.training.loop import TrainConfig, train
    except ImportError as exc:
        raise HandtrackError("training needs PyTorch: pip install torch==2.13.0 'handtrack[train]'") from exc
    from handtrack.training.datasets import check_data_spec

    check_data_spec(data)
    if data != "synthetic":
        from handtrack.datasets import open_dataset

        open_dataset(data)  # a missing folder or a malformed label file: a one-line error now, not in a worker
    try:
        registry_entry(model)
    except KeyError as exc:
        raise HandtrackError(str(exc.args[0])) from exc
    if crops_per_scene > 1 and not render_on_device:
        raise HandtrackError("--crops-per-scene needs --render-on-device")
    if pose_bank and not (Path(pose_bank) / "animbank.pose").is_file():
        raise HandtrackError(f"--pose-bank: no animbank.pose in {pose_bank}")
    if resume and not (out / "checkpoint.pt").is_file():
        raise HandtrackError(f"--resume: no checkpoint in {out}")
    from handtrack.synth.scene import PALM_MODELS

    if palm is not None and palm not in PALM_MODELS:
        raise HandtrackError(f"--palm: unknown palm geometry {palm!r}; choose from {', '.join(PALM_MODELS)}")
    from handtrack.synth.generator import TRAINING_VIEWS

    if view is not None and view not in TRAINING_VIEWS:
        raise HandtrackError(f"--view: unknown view {view!r}; choose from {', '.join(TRAINING_VIEWS)}")
    from handtrack.training.loop import COMPILE_CHOICES, PRECISIONS

    if precision not in PRECISIONS:
        raise HandtrackError(f"--precision: unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    from handtrack.training.data import TRAINING_CAMERAS

    if camera is not None and camera not in TRAINING_CAMERAS:
        raise HandtrackError(f"--camera: unknown camera {camera!r}; choose from {', '.join(TRAINING_CAMERAS)}")
    if compile_step not in COMPILE_CHOICES:
        raise HandtrackError(f"--compile: unknown mode {compile_step!r}; choose from {', '.join(COMPILE_CHOICES)}")
    schedule = {k: v for k, v in (("lr", lr), ("lr_decay_every", lr_decay_every), ("palm", palm),
                                  ("batch_size", batch), ("view", view),
                                  ("coord_weight", coord_weight), ("palm_centred_share", palm_centred_share),
                                  ("camera", camera))
                if v is not None}
    config = TrainConfig(model=model, time_budget_min=time_budget, workers=workers, **schedule, precision=precision,
                         threads=threads, max_steps=max_steps, checkpoint_every_min=checkpoint_every,
                         pose_bank=pose_bank, device=device, data=data, reuse=reuse,
                         render_on_device=render_on_device, crops_per_scene=crops_per_scene,
                         compile=compile_step)
    display = TrainingDisplay(time_budget * 60.0)
    with display.progress:
        result = train(config, out, resume=resume, schedule=schedule, on_step=display)
    console.print(f"stopped at step {result['step']} ({result['samples']} samples); validation mean error "
                  f"{result['val_mean_mm']:.2f} mm on the first validation samples; checkpoint {out / 'checkpoint.pt'}")
