"""The training loop: time budget, periodic checkpoints, exact resumption, JSONL log, validation.

Multi-process (several GPUs or machines): launch with ``torchrun --nproc_per_node N -m handtrack train ...``;
each rank trains on its share of every global batch through DistributedDataParallel (gloo on CPU, nccl on
GPUs) and rank 0 writes the log and checkpoints.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from handtrack.models import build_network, registry_entry
from handtrack.models.checkpoint import load_checkpoint, save_checkpoint
from handtrack.models.config import LossConfig
from handtrack.models.losses import StageOutput, make_targets, pwr_loss
from handtrack.models.pwr import representation
from handtrack.preprocess.params import CropParams
from handtrack.training.data import RangeSampler, ReplayBuffer, SyntheticCrops, SyntheticJobs, run_cameras

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    model: str = "pwr-lite"
    data_seed: int = 1
    batch_size: int = 32
    lr: float = 2e-4  # the paper's Adam learning rate
    lr_decay_every: int = 20_000  # steps; x0.5 each time
    time_budget_min: float = 60.0
    checkpoint_every_min: float = 10.0
    validate_every: int = 500  # steps
    validation_samples: int = 128  # the first N of the fixed validation set
    workers: int = 1
    threads: int = 1
    max_steps: int = 0  # 0 = no limit (the time budget ends the run)
    pose_bank: str = ""  # folder with animbank.pose + model_hand.json: half the poses are real captured ones
    device: str = "auto"  # auto: CUDA when available, else CPU
    data: str = "synthetic"  # or a 21-joint dataset the user has: "msra:PATH", "hands2017:PATH"
    palm: str = "anatomical"  # the generator's palm geometry (handtrack.synth.scene.PALM_MODELS)
    view: str = "front"  # the generator's views (handtrack.synth.generator.TRAINING_VIEWS)
    reuse: int = 1  # optimizer steps per fresh batch: the extra ones on samples drawn from a replay buffer
    reuse_buffer: int = 4096  # samples the replay buffer keeps (on the training device)
    render_on_device: bool = False  # synthetic crops rendered in batches on the training device (GPU)
    crops_per_scene: int = 1  # with render_on_device: crop windows (augmentations) per localised scene
    render_group: int = 16  # with render_on_device: training batches rendered in one call
    precision: str = "fp32"  # or "bf16": the network's forward pass under bfloat16 autocast (GPUs), losses in fp32
    coord_weight: float | None = None  # weight of the coordinate terms L_uv + L_d; None: the registry entry's
    palm_centred_share: float = 0.0  # share of synthetic crops centred on the true palm, as the tracker's second
    # pass crops (handtrack.synth.generator.CropSampler); the others around the localiser's centre
    camera: str = "sr305"  # the synthetic scenes' camera: a profile, or "mixed" (training.data.TRAINING_CAMERAS)
    compile: str = "off"  # the training step (targets, forward, loss; backward with it) through torch.compile:
    # "off", "on" (TorchInductor's fused kernels) or "cudagraphs" (and replayed as CUDA graphs: a GPU whose step
    # waits on kernel launches); see COMPILE_MODES


def learning_rate(config: TrainConfig, step: int) -> float:
    """The paper's Adam rate, halved every ``lr_decay_every`` steps: a pure function of the step, so a resumed
    run follows the same schedule exactly."""
    return config.lr * 0.5 ** (step // config.lr_decay_every)


def validation_error_mm(network: torch.nn.Module, samples: list[tuple[np.ndarray, np.ndarray, Any]]) -> float:
    """Mean 3D joint error (mm) on validation samples (crop, true xyz, transform)."""
    from handtrack.preprocess import crop_to_xyz_mm
    from handtrack.synth.generator import validation_sampler

    intr = validation_sampler().profile.intrinsics
    network.eval()
    device = next(network.parameters()).device
    with torch.inference_mode():
        crops = torch.from_numpy(np.stack([s[0] for s in samples])[:, None]).to(device)
        joints = network(crops)[-1].uvd.float().cpu().numpy()
    network.train()
    errors = [np.linalg.norm(crop_to_xyz_mm(j, t, intr) - xyz, axis=-1).mean() for j, (_, xyz, t) in
              zip(joints, samples)]
    return float(np.mean(errors))


#: settings a resumed run may change (its learning-rate schedule, the generator's palm geometry, its batch size:
#: the data order is the global sample counter, so a new batch size continues the same sample stream); everything
#: else is the run's own
SCHEDULE_KEYS = ("lr", "lr_decay_every", "palm", "batch_size", "view", "coord_weight", "palm_centred_share",
                 "camera")
#: the numeric precisions a run may train in
PRECISIONS = ("fp32", "bf16")
#: the TrainConfig.compile values a user picks (handtrack train --compile)
COMPILE_CHOICES = ("off", "on", "cudagraphs")
#: every TrainConfig.compile value and the torch.compile arguments it stands for ("aot_eager" traces the step but
#: runs it unfused: the tests' quick check of the compiled path)
COMPILE_MODES: dict[str, dict[str, Any] | None] = {
    "off": None, "on": {}, "cudagraphs": {"mode": "reduce-overhead"}, "aot_eager": {"backend": "aot_eager"}}
#: runs saved before a setting existed trained with this value of it
_SETTING_BEFORE_IT_EXISTED = {"palm": "symmetric", "view": "front", "coord_weight": None, "palm_centred_share": 0.0,
                              "camera": "sr305"}


def run_loss(entry_loss: LossConfig, config: TrainConfig) -> LossConfig:
    """The loss a run trains with: its registry entry's, with the run's coordinate weight where it sets one."""
    if config.coord_weight is None:
        return entry_loss
    return replace(entry_loss, coord_weight=config.coord_weight)


def train(config: TrainConfig, out_dir: Path, resume: bool = False,
          schedule: dict[str, Any] | None = None,
          on_step: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Train until the time budget is spent; checkpoint to out_dir/checkpoint.pt; log to out_dir/log.jsonl;
    draw out_dir/curve.png (loss and validation error) at every checkpoint.

    on_step: called on the main process with every step's log record (the CLI's progress bar).

    schedule: on resume, new values for :data:`SCHEDULE_KEYS` (e.g. a lower rate once the error plateaus);
    the change is logged with the step it starts at, and the schedule stays a pure function of the step.
    """
    from handtrack.synth.generator import validation_sampler

    rank, world = _distributed_setup()
    is_main = rank == 0
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path, log_path = out_dir / "checkpoint.pt", out_dir / "log.jsonl"
    torch.set_num_threads(config.threads)
    entry = registry_entry(config.model)
    step, samples_seen, elapsed_before = 0, 0, 0.0
    if resume and ckpt_path.is_file():
        network, metadata, state = load_checkpoint(ckpt_path)
        # The saved run decides everything but how long this session may train.
        keep = ("time_budget_min", "checkpoint_every_min", "max_steps", "workers", "threads", "device", "reuse",
                "reuse_buffer", "render_on_device", "crops_per_scene", "render_group", "precision", "compile")
        saved = {**_SETTING_BEFORE_IT_EXISTED, **state["config"]}
        config = TrainConfig(**{**saved, **{k: getattr(config, k) for k in keep}})
        changes = {k: v for k, v in (schedule or {}).items() if k in SCHEDULE_KEYS and v != getattr(config, k)}
        if changes:
            config = TrainConfig(**{**asdict(config), **changes})
        step, samples_seen, elapsed_before = state["step"], state["samples_seen"], state["elapsed_s"]
        if is_main:
            _truncate_log(log_path, step, {k: saved[k] for k in SCHEDULE_KEYS})
        optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
    else:
        torch.manual_seed(config.data_seed)
        network = build_network(entry.model)
        optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
    loss = run_loss(entry.loss, config)
    val = validation_sampler()
    val_samples = [(s.crop, s.joints_xyz_mm, s.transform) for s in
                   (val.sample(i) for i in range(config.validation_samples))] if is_main else []
    budget_s = config.time_budget_min * 60.0
    if config.data == "synthetic" and config.render_on_device:
        dataset: torch.utils.data.Dataset = SyntheticJobs(config.data_seed, pose_bank=config.pose_bank,
                                                          palm=config.palm, crops_per_scene=config.crops_per_scene,
                                                          view=config.view,
                                                          palm_centred_share=config.palm_centred_share,
                                                          camera=config.camera)
    elif config.data == "synthetic":
        dataset = SyntheticCrops(config.data_seed, pose_bank=config.pose_bank, palm=config.palm, view=config.view,
                                 palm_centred_share=config.palm_centred_share, camera=config.camera)
    else:
        from handtrack.training.datasets import DatasetCrops

        dataset = DatasetCrops(config.data, config.data_seed)
    # Jobs rendered on the device are loaded (and rendered) render_group training batches at a time: a batched
    # renderer's fixed cost per call (kernel launches) is then shared by more crops.
    loaded = config.batch_size * (config.render_group if isinstance(dataset, SyntheticJobs) else 1)
    loader = DataLoader(dataset, batch_size=loaded,
                        sampler=RangeSampler(samples_seen, 10**12, loaded, rank, world),
                        num_workers=config.workers, persistent_workers=config.workers > 0,
                        prefetch_factor=4 if config.workers > 0 else None)
    start = last_ckpt = time.monotonic()
    device = training_device(config.device, rank)
    network.to(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick its fastest convolutions
    _optimizer_to(optimizer, device)
    renderer = None
    if isinstance(dataset, SyntheticJobs):
        from handtrack.synth.batched import BatchedCropRenderer
        from handtrack.synth.generator import CropSampler

        # one renderer per camera of the run (a job carries its camera's index)
        renderer = [BatchedCropRenderer.for_sampler(CropSampler(config.data_seed, profile=name, palm=config.palm,
                                                                view=config.view), device,
                                                    compiled=device.type == "cuda")
                    for name in run_cameras(config.camera)]
    model = network
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(network)
    network.train()
    loss_terms = training_step_losses(model, loss, config.precision, config.compile)

    def checkpoint() -> None:
        if not is_main:
            return
        state = {"config": asdict(config), "step": step, "samples_seen": samples_seen,
                 "elapsed_s": elapsed_before + time.monotonic() - start, "optimizer": optimizer.state_dict(),
                 "torch_rng": torch.get_rng_state()}
        data = f"synthetic hands ({config.palm} palm), CropSampler seed {config.data_seed}"
        if config.view != "front":
            data += f", {config.view} views"
        if config.camera != "sr305":
            data += f", camera {config.camera}"
        if config.palm_centred_share:
            data += f", {config.palm_centred_share:.0%} of the crops centred on the true palm"
        if config.pose_bank:
            data += ", half the poses from the Intel hand-tracking pose bank"
        if config.data != "synthetic":
            data = f"dataset {config.data}, crops around the labelled palm centre, seed {config.data_seed}"
        training = {"data": data, "steps": step,
                    "samples": samples_seen, "cpu_seconds_wall": round(state["elapsed_s"], 1),
                    "loss": loss.to_dict(), "optimizer": f"Adam lr {config.lr}, x0.5 every "
                    f"{config.lr_decay_every} steps, batch {config.batch_size}"}
        save_checkpoint(ckpt_path, config.model, network, entry.model, CropParams(), training, state)
        _draw_curve(log_path, out_dir / "curve.png", config.model)

    with log_path.open("a", encoding="utf-8") if is_main else open(os.devnull, "w") as log_file:
        if resume and schedule and is_main:
            schedule_now = {k: getattr(config, k) for k in SCHEDULE_KEYS}
            log_file.write(json.dumps({"step": step, "schedule": schedule_now}) + "\n")
        replay = ReplayBuffer(config.reuse_buffer, config.data_seed + rank) if config.reuse > 1 else None
        stop = False
        for fresh_crops, fresh_joints in _fresh_batches(loader, renderer, device, config.batch_size):
            if replay is not None:
                replay.add(fresh_crops, fresh_joints)
            for repeat in range(config.reuse):
                if repeat == 0:
                    crops, joints = fresh_crops, fresh_joints
                    samples_seen += len(crops) * world
                else:
                    assert replay is not None
                    crops, joints = replay.draw(len(fresh_crops), step)
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(config, step)
                terms = loss_terms(crops, joints)
                optimizer.zero_grad()
                terms["total"].backward()
                optimizer.step()
                step += 1
                values = torch.stack([v.detach() for v in terms.values()])
                if world > 1:  # log the loss of the whole global batch, not just this rank's share
                    torch.distributed.all_reduce(values)
                    values /= world
                record: dict[str, Any] = {"step": step, "samples": samples_seen,
                                          "elapsed_s": round(elapsed_before + time.monotonic() - start, 1),
                                          **{k: round(float(v), 6) for k, v in zip(terms, values)}}
                if is_main and step % config.validate_every == 0:
                    record["val_mean_mm"] = round(validation_error_mm(network, val_samples), 3)
                    log.info("step %d: validation %.2f mm", step, record["val_mean_mm"])
                log_file.write(json.dumps(record) + "\n")
                log_file.flush()
                if on_step is not None and is_main:
                    on_step(record)
                now = time.monotonic()
                if now - last_ckpt > config.checkpoint_every_min * 60:
                    checkpoint()
                    last_ckpt = now
                stop = now - start > budget_s or bool(config.max_steps and step >= config.max_steps)
                stop = _agree(stop, world)  # every rank stops at the same step: rank 0's clock decides
                if stop:
                    break
            if stop:
                break
    checkpoint()
    result = {"step": step, "samples": samples_seen}
    if is_main:
        result["val_mean_mm"] = validation_error_mm(network, val_samples)
        with log_path.open("a", encoding="utf-8") as log_file:
            log_file.write(json.dumps({"step": step, "final_val_mean_mm": round(result["val_mean_mm"], 3)}) + "\n")
        _draw_curve(log_path, out_dir / "curve.png", config.model)
    if world > 1:
        # DistributedDataParallel's reducer holds the process group: freed first, so that no gloo thread is left to
        # outlive the interpreter (at exit that aborted a finished rank now and then: "terminate called without an
        # active exception")
        del loss_terms, model
        gc.collect()
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return result


def training_step_losses(model: torch.nn.Module, loss: LossConfig, precision: str = "fp32", compile: str = "off",
                         ) -> Callable[[torch.Tensor, torch.Tensor], dict[str, torch.Tensor]]:
    """The loss terms of a training step as a function of crops (B, 1, S, S) and joints (B, J, 3): the targets
    (heatmaps, offset maps) made from the crops, the forward pass, the paper's losses. With ``compile`` other than
    "off", the whole of it goes through ``torch.compile`` (:data:`COMPILE_MODES`), so that its backward pass is
    compiled too: on a GPU a step of small kernels otherwise waits on their launches (the paper-size network took
    68 ms per step of 32 and of 128 alike on an H200, session 13)."""
    if compile not in COMPILE_MODES:
        raise ValueError(f"compile {compile!r}: choose one of {', '.join(COMPILE_MODES)}")

    def terms(crops: torch.Tensor, joints: torch.Tensor) -> dict[str, torch.Tensor]:
        image, mask = representation(crops, 1.0)
        targets = make_targets(joints, image, mask, loss)
        return pwr_loss(forward(model, crops, precision), targets, loss)

    options = COMPILE_MODES[compile]
    return terms if options is None else torch.compile(terms, **options)


def forward(model: torch.nn.Module, crops: torch.Tensor, precision: str) -> list[StageOutput]:
    """The network's stage outputs for (B, 1, S, S) crops, in fp32: computed in fp32, or under bfloat16
    autocast for ``precision`` "bf16" (tensor cores; the outputs are cast back so that the losses stay fp32)."""
    if precision == "fp32":
        return model(crops)
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    with torch.autocast(crops.device.type, dtype=torch.bfloat16):
        stages = model(crops)

    def fp32(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t.float()

    return [StageOutput(s.uvd.float(), fp32(s.heatmaps), fp32(s.offsets)) for s in stages]


def render_jobs(renderers: list[Any], jobs: dict[str, torch.Tensor]) -> torch.Tensor:
    """(B, 1, S, S) crops of a batch of packed jobs, each rendered by the renderer of its camera (``jobs["camera"]``
    indexes ``renderers``; jobs without it are the first camera's), in the batch's order."""
    if len(renderers) == 1 or "camera" not in jobs:
        return renderers[0](jobs)
    crops: torch.Tensor | None = None
    for camera, renderer in enumerate(renderers):
        chosen = jobs["camera"] == camera
        if not bool(chosen.any()):
            continue
        part = renderer({key: value[chosen] for key, value in jobs.items()})
        if crops is None:
            crops = part.new_empty((len(chosen),) + tuple(part.shape[1:]))
        crops[chosen.to(part.device)] = part
    assert crops is not None
    return crops


def _fresh_batches(loader: DataLoader, renderer: Any, device: torch.device, batch_size: int,
                   ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Training batches (crops (B, 1, S, S), joints (B, J, 3)) on the device, in data order: as loaded, or, for
    packed jobs, rendered on the device a loaded group at a time and split into batches of ``batch_size``."""
    for batch in loader:
        if renderer is None:
            yield batch[0].to(device, non_blocking=True), batch[1].to(device, non_blocking=True)
            continue
        with torch.no_grad():
            crops = render_jobs(renderer, batch)
        joints = batch["joints"].to(device, non_blocking=True)
        for first in range(0, len(crops), batch_size):
            yield crops[first: first + batch_size], joints[first: first + batch_size]


def _draw_curve(log_path: Path, png_path: Path, label: str) -> None:
    """The run's loss and validation curves as a PNG (OpenCV; never fails the run)."""
    try:
        from handtrack.eval.plots import training_curve_png

        records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        training_curve_png(records, png_path, label)
    except (OSError, ValueError, ImportError) as exc:
        log.warning("could not draw %s: %s", png_path, exc)


def _truncate_log(log_path: Path, step: int, saved_schedule: dict[str, Any] | None = None) -> None:
    """Drop log records after ``step``: a run stopped between two checkpoints (killed, machine lost) logged
    steps that the resumed run does again. Schedule records at ``step`` itself are kept only when they say
    what the checkpoint holds (``saved_schedule``), once: a resume whose schedule change died with it before a
    checkpoint left a record of a change that never took effect."""
    if not log_path.is_file():
        return
    lines = log_path.read_text(encoding="utf-8").splitlines()
    kept, schedule_kept = [], False
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("step", 0) > step:
            continue
        if record.get("step", 0) == step and "schedule" in record:
            if schedule_kept or (saved_schedule is not None and record["schedule"] != saved_schedule):
                continue
            schedule_kept = True
        kept.append(line)
    if len(kept) != len(lines):
        log.info("resume at step %d: dropping %d log records of steps after the checkpoint (or of schedule "
                 "changes it does not hold)", step, len(lines) - len(kept))
        log_path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def training_device(name: str, rank: int = 0) -> torch.device:
    """auto (CUDA when available, else CPU), cpu or cuda; a CUDA rank gets its own GPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        return torch.device("cuda", rank % max(torch.cuda.device_count(), 1))
    return torch.device(name)


def _optimizer_to(optimizer: torch.optim.Optimizer, device: torch.device) -> None:
    """Move a (resumed) optimiser's state to the parameters' device."""
    for state in optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and key != "step":
                state[key] = value.to(device)


def _distributed_setup() -> tuple[int, int]:
    """(rank, world size): from torchrun's environment (RANK, WORLD_SIZE); gloo on CPU, nccl on GPUs."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    return torch.distributed.get_rank(), world


def _agree(stop: bool, world: int) -> bool:
    """Rank 0's decision, broadcast to every rank."""
    if world <= 1:
        return stop
    flag = torch.tensor([1 if stop else 0])
    torch.distributed.broadcast(flag, src=0)
    return bool(flag.item())
