"""Training the handedness classifier on mirrored synthetic hands.

Every synthetic hand is a right hand; its crop mirrored left-right is the same hand as a left one. So each
rendered crop gives one sample of each class, and the classifier can only tell them apart by the hand's
chirality (which side the thumb and the finger flexion lie on, seen in depth), never by anything else that
differs between the classes. Crops are rendered once into a cache (``render_cache``), then trained on for
several epochs with label-preserving augmentation (rotations by multiples of 90 degrees: a rotation is no
mirror). Held out: the project's fixed validation set and its mirror images.

    python -m handtrack.training.handedness render --out runs/handedness/cache --minutes 20
    python -m handtrack.training.handedness train --cache runs/handedness/cache --run runs/handedness --minutes 10
    python -m handtrack.training.handedness export --run runs/handedness --model-out models/handedness.onnx

On a GPU, fresh crops every step instead of a cache (``train_streaming``):

    python -m handtrack.training.handedness stream --run runs/handedness-gpu --minutes 5 --workers 15
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CACHE_SEED = 4242  # training crops; the validation set has its own seed (synth.generator.VALIDATION_SEED)
STREAM_SEED = 4343  # crops rendered on the fly (train_streaming)


def render_cache(out_dir: Path, minutes: float, chunk: int = 1000, pose_bank: str = "") -> int:
    """Render training crops (CropSampler, seed CACHE_SEED, augmentation on) into ``out_dir/crops-K.npy``
    files of ``chunk`` float16 crops each, continuing after the chunks already there, until ``minutes``
    pass. Returns the number of crops in the cache."""
    from handtrack.synth.generator import CropSampler
    from handtrack.synth.posebank import load_pose_bank

    out_dir.mkdir(parents=True, exist_ok=True)
    sampler = CropSampler(CACHE_SEED, bank=load_pose_bank(pose_bank) if pose_bank else None)
    deadline = time.monotonic() + minutes * 60.0
    k = len(list(out_dir.glob("crops-*.npy")))
    while time.monotonic() < deadline:
        crops = np.stack([sampler.sample(k * chunk + i).crop for i in range(chunk)]).astype(np.float16)
        tmp = out_dir / f"crops-{k:04d}.tmp.npy"
        np.save(tmp, crops)
        tmp.rename(out_dir / f"crops-{k:04d}.npy")  # whole chunks only: a stopped render leaves no half file
        log.info("cache chunk %d written", k)
        k += 1
    return k * chunk


def load_cache(cache_dir: Path) -> np.ndarray:
    """(N, S, S) float32 crops of every complete chunk in the cache."""
    files = sorted(cache_dir.glob("crops-[0-9][0-9][0-9][0-9].npy"))
    if not files:
        raise FileNotFoundError(f"no crops-*.npy in {cache_dir}")
    return np.concatenate([np.load(f) for f in files]).astype(np.float32)


def validation_crops(count: int, palm: str = "symmetric", first: int = 0, view: str = "front") -> np.ndarray:
    """(count, S, S) crops of the fixed validation set (right hands); with ``palm="anatomical"`` the same
    scenes, poses and camera with the anatomical palm (a classifier trained on that palm is held out on it);
    with ``view="head-mounted"`` the same seeds seen from a headset (``handtrack eval --view head-mounted``).
    ``first`` > 0: the validation sampler's scenes from that index on (``first`` >= VALIDATION_SIZE: scenes of
    the same kind that no figure or choice has used)."""
    from handtrack.synth.generator import validation_sampler

    sampler = validation_sampler()
    sampler.palm, sampler.view = palm, view
    return np.stack([sampler.sample(i).crop for i in range(first, first + count)]).astype(np.float32)


def _batch(crops: np.ndarray, rng: np.random.Generator, rotate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each crop as seen (right, label 0) and mirrored (left, label 1); with ``rotate``, each turned by a
    random multiple of 90 degrees (a rotation keeps the side). Returns (2B, 1, S, S) crops and (2B,) labels."""
    both = np.concatenate([crops, crops[..., ::-1]])
    labels = np.concatenate([np.zeros(len(crops)), np.ones(len(crops))]).astype(np.float32)
    if rotate:
        turns = rng.integers(0, 4, len(both))
        both = np.stack([np.rot90(c, t, axes=(-2, -1)) for c, t in zip(both, turns)])
    return np.ascontiguousarray(both[:, None]), labels


def accuracy(network, crops: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """Share of crops and their mirror images classified right (right: logit < 0, left: logit > 0)."""
    import torch

    device = next(network.parameters()).device
    network.eval()
    with torch.inference_mode():
        right = network(torch.from_numpy(np.ascontiguousarray(crops[:, None])).to(device)).cpu().numpy()
        left = network(torch.from_numpy(np.ascontiguousarray(crops[:, None, :, ::-1])).to(device)).cpu().numpy()
    network.train()
    return float((np.sum(right < 0) + np.sum(left > 0)) / (2 * len(crops)))


def train_classifier(cache_dir: Path, run_dir: Path, minutes: float, batch: int = 128, lr: float = 1e-3,
                     validation_count: int = 1000, threads: int = 1, validation_palm: str = "symmetric") -> dict:
    """Train (or continue) the classifier in ``run_dir`` for ``minutes``; returns the held-out accuracy."""
    import torch

    from handtrack.models.handedness import HandednessNet

    torch.set_num_threads(threads)
    run_dir.mkdir(parents=True, exist_ok=True)
    crops = load_cache(cache_dir)
    val = validation_crops(validation_count, validation_palm)
    network = HandednessNet()
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    step = 0
    ckpt = run_dir / "checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        network.load_state_dict(state["network"])
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]
    rng = np.random.default_rng(step)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    deadline = time.monotonic() + minutes * 60.0
    with (run_dir / "log.jsonl").open("a", encoding="utf-8") as log_file:
        while time.monotonic() < deadline:
            x, y = _batch(crops[rng.integers(0, len(crops), batch // 2)], rng)
            loss = loss_fn(network(torch.from_numpy(x)), torch.from_numpy(y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            record = {"step": step, "loss": round(float(loss.detach()), 5)}
            if step % 250 == 0:
                record["val_accuracy"] = round(accuracy(network, val[:300]), 4)
                log.info("step %d: loss %.4f, accuracy on 300 held-out crops x 2: %.3f", step, loss.item(),
                         record["val_accuracy"])
            log_file.write(json.dumps(record) + "\n")
    torch.save({"network": network.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "cache_crops": len(crops)}, ckpt)
    result = {"step": step, "cache_crops": len(crops), "val_accuracy": accuracy(network, val),
              "val_crops": 2 * len(val), "val_palm": validation_palm}
    with (run_dir / "log.jsonl").open("a", encoding="utf-8") as log_file:
        log_file.write(json.dumps({"final": result}) + "\n")
    return result


def mirrored_rotated_batch(crops, generator):  # type: ignore[no-untyped-def]
    """Torch twin of :func:`_batch` with rotation: (B, 1, S, S) right-hand crops -> (2B, 1, S, S) crops (the
    crops, then their mirror images) each turned by a random multiple of 90 degrees, and (2B,) labels
    (0 right, 1 left)."""
    import torch

    both = torch.cat([crops, crops.flip(-1)])
    labels = torch.cat([torch.zeros(len(crops)), torch.ones(len(crops))]).to(crops.device)
    turns = torch.randint(0, 4, (len(both),), generator=generator)
    out = both.clone()
    for k in (1, 2, 3):
        chosen = (turns == k).nonzero()[:, 0].to(crops.device)
        if len(chosen):
            out[chosen] = torch.rot90(both[chosen], k, dims=(-2, -1))
    return out, labels


def train_streaming(run_dir: Path, minutes: float, device: str = "auto", workers: int = 1, batch: int = 256,
                    lr: float = 1e-3, validation_count: int = 1000, validation_palm: str = "anatomical",
                    crops_per_scene: int = 2, pose_bank: str = "", checkpoint_every_min: float = 2.0) -> dict:
    """Train (or continue) the classifier in ``run_dir`` on crops rendered on the fly: worker processes make
    the scenes and crop windows (:class:`handtrack.training.data.SyntheticJobs`, anatomical palm), the training
    device renders each batch (:class:`handtrack.synth.batched.BatchedCropRenderer`), so every batch is new
    and nothing can be memorised (the cached crops were: 59 % held out). Meant for a GPU; works on a CPU."""
    import torch
    from torch.utils.data import DataLoader

    from handtrack.models.handedness import HandednessNet
    from handtrack.synth.batched import BatchedCropRenderer
    from handtrack.synth.generator import CropSampler
    from handtrack.training.data import RangeSampler, SyntheticJobs
    from handtrack.training.loop import training_device

    dev = training_device(device)
    run_dir.mkdir(parents=True, exist_ok=True)
    network = HandednessNet().to(dev)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    step, streamed = 0, 0
    ckpt = run_dir / "checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, map_location=dev, weights_only=False)
        network.load_state_dict(state["network"])
        optimizer.load_state_dict(state["optimizer"])
        step, streamed = state["step"], state.get("streamed_crops", 0)
    val = validation_crops(validation_count, validation_palm)
    half = batch // 2  # each crop also goes in mirrored
    loader = DataLoader(SyntheticJobs(STREAM_SEED, pose_bank=pose_bank, crops_per_scene=crops_per_scene),
                        batch_size=half, sampler=RangeSampler(streamed, 10**12, half), num_workers=workers,
                        persistent_workers=workers > 0, prefetch_factor=4 if workers > 0 else None)
    renderer = BatchedCropRenderer.for_sampler(CropSampler(STREAM_SEED), dev, compiled=dev.type == "cuda")
    generator = torch.Generator().manual_seed(STREAM_SEED + step)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def save() -> None:
        torch.save({"network": network.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                    "streamed_crops": streamed}, ckpt)

    start = last_save = time.monotonic()
    with (run_dir / "log.jsonl").open("a", encoding="utf-8") as log_file:
        for jobs in loader:
            with torch.no_grad():
                x, y = mirrored_rotated_batch(renderer(jobs), generator)
            loss = loss_fn(network(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            streamed += half
            record = {"step": step, "loss": round(float(loss.detach()), 5), "streamed_crops": streamed}
            if step % 250 == 0:
                record["val_accuracy"] = round(accuracy(network, val[:300]), 4)
                log.info("step %d: loss %.4f, accuracy on 300 held-out crops x 2: %.3f", step, loss.item(),
                         record["val_accuracy"])
            log_file.write(json.dumps(record) + "\n")
            now = time.monotonic()
            if now - last_save > checkpoint_every_min * 60:
                save()
                last_save = now
            if now - start > minutes * 60:
                break
    save()
    result = {"step": step, "streamed_crops": streamed, "val_accuracy": accuracy(network, val),
              "val_crops": 2 * len(val), "val_palm": validation_palm, "device": str(dev)}
    with (run_dir / "log.jsonl").open("a", encoding="utf-8") as log_file:
        log_file.write(json.dumps({"final": result}) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="handedness classifier: render a crop cache, or train")
    parser.add_argument("action", choices=("render", "train", "stream", "export"))
    parser.add_argument("--device", default="auto", help="stream: where crops are rendered and the net trains")
    parser.add_argument("--workers", type=int, default=1, help="stream: processes making scenes and crop windows")
    parser.add_argument("--batch", type=int, default=256, help="stream: crops per step (half of them mirrored)")
    parser.add_argument("--out", type=Path, default=Path("runs/handedness/cache"))
    parser.add_argument("--cache", type=Path, default=Path("runs/handedness/cache"))
    parser.add_argument("--run", type=Path, default=Path("runs/handedness"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--pose-bank", default="")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--validation-palm", default="symmetric", help="palm of the held-out hands: symmetric "
                        "(the fixed validation set) or anatomical (its scenes with the palm training now uses)")
    parser.add_argument("--model-out", type=Path, default=Path("models/handedness.onnx"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.action == "render":
        print(render_cache(args.out, args.minutes, pose_bank=args.pose_bank), "crops in the cache")
    elif args.action == "stream":
        print(json.dumps(train_streaming(args.run, args.minutes, args.device, args.workers, args.batch,
                                         validation_palm=args.validation_palm, pose_bank=args.pose_bank)))
    elif args.action == "train":
        print(json.dumps(train_classifier(args.cache, args.run, args.minutes, threads=args.threads,
                                          validation_palm=args.validation_palm)))
    else:
        final = [json.loads(line)["final"] for line in (args.run / "log.jsonl").read_text().splitlines()
                 if '"final"' in line][-1]
        difference = export_classifier(args.run, args.model_out, validation_crops(16), final)
        print(f"wrote {args.model_out} (ONNX vs PyTorch: {difference:.1e}); held out: {json.dumps(final)}")



def export_classifier(run_dir: Path, out: Path, check_crops: np.ndarray, result: dict) -> float:
    """Write the trained classifier as ONNX (input "crop" (B, 1, 128, 128), output "p_left" (B,)) with the crop
    contract and training facts in its metadata; returns the largest difference to PyTorch on ``check_crops``
    (raises above 1e-4)."""
    import onnx
    import torch

    from handtrack.engines.handedness import HandednessClassifier
    from handtrack.engines.metadata import ModelMetadata
    from handtrack.models.handedness import HandednessNet
    from handtrack.preprocess.params import CropParams

    state = torch.load(run_dir / "checkpoint.pt", map_location="cpu", weights_only=False)
    network = HandednessNet()
    network.load_state_dict(state["network"])
    network.eval()
    model = torch.nn.Sequential(network, torch.nn.Sigmoid()).eval()
    torch.onnx.export(model, (torch.zeros(1, 1, 128, 128),), str(out), dynamo=False, opset_version=17,
                      input_names=["crop"], output_names=["p_left"],
                      dynamic_axes={"crop": {0: "batch"}, "p_left": {0: "batch"}})
    proto = onnx.load(str(out))
    metadata = ModelMetadata("handedness", {"kind": "handedness", "width": 16}, CropParams(),
                             {"data": "synthetic right hands and their mirror images " + (
                                 f"(CropSampler seed {CACHE_SEED}, {state['cache_crops']} cached crops)"
                                 if "cache_crops" in state else
                                 f"(rendered on the fly, seed {STREAM_SEED}, {state['streamed_crops']} crops)"),
                              "steps": state["step"],
                              "held_out": result})
    for key, value in metadata.to_props().items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(out))
    x = np.ascontiguousarray(check_crops[:, None], dtype=np.float32)
    with torch.inference_mode():
        expected = model(torch.from_numpy(x)).numpy()
    difference = float(np.abs(HandednessClassifier(out).p_left(x) - expected).max())
    if difference > 1e-4:
        raise RuntimeError(f"{out}: ONNX differs from PyTorch by {difference:.2e}")
    return difference


if __name__ == "__main__":
    main()
