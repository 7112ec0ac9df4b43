"""Training the pose-reading handedness classifier (:class:`handtrack.engines.handedness.PoseHandedness`).

Every synthetic hand is a right hand, and its crop mirrored left-right is the same hand as a left one. The
pose network (trained on right hands) reads each crop twice, as seen and mirrored; for a right hand the first
reading is the right hand's, for a left hand the second. A small network learns which reading a right hand
explains better from the two readings' :func:`~handtrack.engines.handedness.pose_features`. It is built
antisymmetric, score(a, b) = g(a, b) - g(b, a), so a crop and its mirror image always get opposite answers.

Three steps, each resumable, the first two in chunks of 1,000 crops:

    python -m handtrack.training.handedness_pose crops --data runs/handedness-pose --count 30000
    python -m handtrack.training.handedness_pose read --data runs/handedness-pose --model models/pwr.onnx
    python -m handtrack.training.handedness_pose fit --data runs/handedness-pose --model models/pwr.onnx

``crops --view head-mounted --palm anatomical-wrist`` renders a headset's views instead (the classifier of
models/pwr-lite-hm.onnx); the folder remembers its kind in ``crops.json``.

``crops`` renders training crops (CropSampler seed TRAIN_SEED, augmentation on) and the held-out crops (the
fixed validation set's 2,000 scenes with the anatomical palm the pose models train on), stored as float16;
``read`` runs the pose model on each crop and its mirror image; ``fit`` trains the classifier and writes
models/handedness-<pose model>.onnx with its held-out accuracy (the validation crops and their mirror images)
in the metadata.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

from handtrack.engines.handedness import POSE_FEATURES, pose_features, probe_crop, surface_at_joints
from handtrack.synth.scene import PALM_MODELS, VIEWS

log = logging.getLogger(__name__)

TRAIN_SEED = 777001  # training crops; the held-out crops are the fixed validation set's scenes
CHUNK = 1000
CROP_KIND_FILE = "crops.json"  # {"view": ..., "palm": ...} of a crop folder
READINGS = ("seen", "mirrored")


def crop_kind(data_dir: Path) -> dict[str, str]:
    """The view and palm of the crops in ``data_dir`` (``crops.json``; folders written before it existed hold
    front views of the anatomical palm)."""
    path = data_dir / CROP_KIND_FILE
    if path.is_file():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    return {"view": "front", "palm": "anatomical"}


def render_crops(data_dir: Path, count: int, validation_count: int = 2000, view: str = "front",
                 palm: str = "anatomical") -> None:
    """Write ``train-K.npy`` (training crops K .. K+999, seed TRAIN_SEED, augmentation on) up to ``count``
    crops and ``validation-K.npy`` (the fixed validation scenes, no augmentation) up to ``validation_count``,
    as float16 (S, S) crops, both of ``view`` ("front" or "head-mounted") and ``palm``; chunks already there are
    kept (a folder holds crops of one kind: another view or palm is refused)."""
    from handtrack.synth.generator import CropSampler
    from handtrack.training.handedness import validation_crops

    data_dir.mkdir(parents=True, exist_ok=True)
    kind = {"view": view, "palm": palm}
    if any(data_dir.glob("*.npy")) and crop_kind(data_dir) != kind:
        raise ValueError(f"{data_dir} holds crops of {crop_kind(data_dir)}, not {kind}: use another --data folder")
    (data_dir / CROP_KIND_FILE).write_text(json.dumps(kind), encoding="utf-8")
    training = CropSampler(TRAIN_SEED, palm=palm, view=view)
    chunks = {"validation": lambda start, stop: validation_crops(stop - start, palm, first=start, view=view),
              "train": lambda start, stop: np.stack([training.sample(i).crop for i in range(start, stop)])}
    for prefix, total in (("validation", validation_count), ("train", count)):
        for start in range(0, total, CHUNK):
            out = data_dir / f"{prefix}-{start:06d}.npy"
            if out.exists():
                continue
            stop = min(start + CHUNK, total)
            crops = chunks[prefix](start, stop).astype(np.float16)
            tmp = out.with_name(out.stem + ".tmp.npy")
            np.save(tmp, crops)
            tmp.rename(out)  # whole chunks only: a stopped render leaves no half file
            log.info("%s crops %d-%d written", prefix, start, stop - 1)


def read_crops(engine, crops: np.ndarray, batch: int = 50) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """(N, S, S) crops -> the pose engine's readings of each crop as seen and mirrored: ``joints_seen`` (N, 21,
    3), ``confidence_seen`` (N, 21), ``surface_seen`` (N, 21) and the same ``_mirrored`` (in the mirrored
    crop's own orientation)."""
    out: dict[str, np.ndarray] = {}
    for name in READINGS:
        x = np.ascontiguousarray(crops[:, None, :, ::-1] if name == "mirrored" else crops[:, None], np.float32)
        parts = [engine.infer(x[i:i + batch]) for i in range(0, len(x), batch)]
        joints = np.concatenate([p[0] for p in parts])
        out[f"joints_{name}"] = joints
        out[f"confidence_{name}"] = np.concatenate([p[1] for p in parts])
        out[f"surface_{name}"] = surface_at_joints(x, joints)
    return out


def read_all(data_dir: Path, model: Path, threads: int = 1, shard: tuple[int, int] = (0, 1)) -> int:
    """Readings of every crop chunk by ``model`` into ``readings-<model name>/`` (chunks already read are
    kept); returns the number of chunks read now. ``shard`` (i, n): only every n-th chunk from the i-th, so that
    n processes can share the work."""
    from handtrack.engines import load_engine

    engine = load_engine(model, threads=threads)
    out_dir = data_dir / f"readings-{engine.metadata.name}"
    out_dir.mkdir(parents=True, exist_ok=True)
    done = 0
    for crops_file in sorted(data_dir.glob("*-[0-9][0-9][0-9][0-9][0-9][0-9].npy"))[shard[0]::shard[1]]:
        out = out_dir / f"{crops_file.stem}.npz"
        if out.exists():
            continue
        readings = read_crops(engine, np.load(crops_file).astype(np.float32))
        tmp = out.with_name(out.stem + ".tmp.npz")
        np.savez(tmp, **readings)
        tmp.rename(out)
        log.info("%s read by %s", crops_file.name, engine.metadata.name)
        done += 1
    return done


def features(readings: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(N, POSE_FEATURES) features of the seen and of the mirrored readings."""
    return tuple(pose_features(readings[f"joints_{n}"], readings[f"confidence_{n}"], readings[f"surface_{n}"])
                 for n in READINGS)  # type: ignore[return-value]


def load_readings(folder: Path, prefix: str) -> dict[str, np.ndarray]:
    files = sorted(folder.glob(f"{prefix}-[0-9][0-9][0-9][0-9][0-9][0-9].npz"))
    if not files:
        raise FileNotFoundError(f"no {prefix}-*.npz readings in {folder}: run the crops and read steps first")
    chunks = [dict(np.load(f)) for f in files]
    return {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}


def build_network(mean: np.ndarray, std: np.ndarray, hidden: int = 256, dropout: float = 0.2):  # type: ignore[no-untyped-def]
    """The antisymmetric scorer: (seen, mirrored) features -> logit that the hand is a left one."""
    import torch

    class Antisymmetric(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))
            self.register_buffer("std", torch.from_numpy(std.astype(np.float32)))
            self.g = torch.nn.Sequential(torch.nn.Linear(2 * POSE_FEATURES, hidden), torch.nn.ReLU(),
                                         torch.nn.Dropout(dropout), torch.nn.Linear(hidden, 128), torch.nn.ReLU(),
                                         torch.nn.Linear(128, 1))

        def forward(self, seen: torch.Tensor, mirrored: torch.Tensor) -> torch.Tensor:
            a, b = (seen - self.mean) / self.std, (mirrored - self.mean) / self.std
            return (self.g(torch.cat([a, b], 1)) - self.g(torch.cat([b, a], 1)))[:, 0]

    return Antisymmetric()


def ensemble(members: list):  # type: ignore[no-untyped-def,type-arg]
    """Several trained scorers as one: the mean of their logits (still antisymmetric)."""
    import torch

    class Ensemble(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.members = torch.nn.ModuleList(members)

        def forward(self, seen: torch.Tensor, mirrored: torch.Tensor) -> torch.Tensor:
            return torch.stack([m(seen, mirrored) for m in self.members]).mean(dim=0)

    return Ensemble()


def accuracy(network, seen: np.ndarray, mirrored: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """Share right of right hands (the crops as seen) and left hands (their mirror images: the readings
    swap). The antisymmetric network answers the two exactly oppositely, so one pass counts both."""
    import torch

    network.eval()
    with torch.inference_mode():
        logits = network(torch.from_numpy(seen), torch.from_numpy(mirrored)).numpy()
    network.train()
    return float(np.mean(logits < 0))


def fit(data_dir: Path, model_name: str, epochs: int = 40, seed: int = 0, batch: int = 256,
        lr: float = 1e-3, weight_decay: float = 1e-3, train_count: int | None = None,
        members: int = 1) -> tuple[object, dict]:
    """Train the classifier on the training readings of ``model_name`` (``members`` networks from seeds
    ``seed``, ``seed + 1``, ..., averaged); returns the network and the result (held-out accuracy on the
    validation crops and their mirror images)."""
    import torch

    folder = data_dir / f"readings-{model_name}"
    train_seen, train_mirrored = features(load_readings(folder, "train"))
    if train_count is not None:
        train_seen, train_mirrored = train_seen[:train_count], train_mirrored[:train_count]
    val_seen, val_mirrored = features(load_readings(folder, "validation"))
    both = np.concatenate([train_seen, train_mirrored])
    mean, std = both.mean(axis=0), both.std(axis=0) + 1e-6
    seen_t, mirrored_t = torch.from_numpy(train_seen), torch.from_numpy(train_mirrored)
    started = time.monotonic()
    trained, single = [], []
    for member_seed in range(seed, seed + members):
        torch.manual_seed(member_seed)
        network = build_network(mean, std)
        _train(network, seen_t, mirrored_t, torch.Generator().manual_seed(member_seed), epochs, batch, lr,
               weight_decay, (val_seen, val_mirrored))
        trained.append(network)
        single.append(round(accuracy(network, val_seen, val_mirrored), 4))
    network = trained[0] if members == 1 else ensemble(trained)
    result = {"pose_model": model_name, "train_crops": len(train_seen), "epochs": epochs, "members": members,
              "fit_seconds": round(time.monotonic() - started, 1),
              "held_out_accuracy": round(accuracy(network, val_seen, val_mirrored), 4),
              "held_out_accuracy_members": single, "held_out_crops": 2 * len(val_seen),
              "held_out": held_out_description(crop_kind(data_dir))}
    return network, result


def held_out_description(kind: dict[str, str]) -> str:
    """What a classifier's held-out figure was measured on, for its metadata."""
    views = "" if kind["view"] == "front" else f", seen from a headset ({kind['view']})"
    return f"the fixed validation set's scenes ({kind['palm']} palm{views}) and their mirror images"


def _train(network, seen_t, mirrored_t, generator, epochs: int, batch: int, lr: float,  # type: ignore[no-untyped-def]
           weight_decay: float, held_out: tuple[np.ndarray, np.ndarray]) -> None:
    import torch

    optimizer = torch.optim.AdamW(network.parameters(), lr=lr, weight_decay=weight_decay)
    for epoch in range(epochs):
        order = torch.randperm(len(seen_t), generator=generator)
        for i in range(0, len(order), batch):
            k = order[i:i + batch]
            # each crop as seen (a right hand, label 0) and mirrored (a left hand, label 1: the readings swap)
            logits = torch.cat([network(seen_t[k], mirrored_t[k]), network(mirrored_t[k], seen_t[k])])
            labels = torch.cat([torch.zeros(len(k)), torch.ones(len(k))])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if (epoch + 1) % 10 == 0:
            log.info("epoch %d: loss %.4f, held out %.4f", epoch + 1, loss.item(), accuracy(network, *held_out))


def export(network, engine, out: Path, result: dict) -> float:  # type: ignore[no-untyped-def]
    """Write the classifier as ONNX (inputs "right_reading", "mirror_reading" (B, POSE_FEATURES); output
    "p_left" (B,)) with the pose model's probe reading and ``result`` in its metadata; returns the largest
    difference to PyTorch on random features (raises above 1e-5)."""
    import onnx
    import torch

    from handtrack.engines.handedness import PoseHandedness
    from handtrack.engines.metadata import ModelMetadata

    class WithSigmoid(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = network

        def forward(self, seen: torch.Tensor, mirrored: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.inner(seen, mirrored))

    model = WithSigmoid().eval()
    zeros = torch.zeros(1, POSE_FEATURES)
    torch.onnx.export(model, (zeros, zeros), str(out), dynamo=False, opset_version=17,
                      input_names=["right_reading", "mirror_reading"], output_names=["p_left"],
                      dynamic_axes={"right_reading": {0: "batch"}, "mirror_reading": {0: "batch"},
                                    "p_left": {0: "batch"}})
    probe_joints, _ = engine.infer(probe_crop(engine.metadata.contract.input_size))
    proto = onnx.load(str(out))
    metadata = ModelMetadata(f"handedness-{engine.metadata.name}",
                             {"kind": "handedness-pose", "pose_model": engine.metadata.name,
                              "features": POSE_FEATURES, "probe_joints": np.round(probe_joints[0], 5).tolist()},
                             engine.metadata.contract, result)
    for key, value in metadata.to_props().items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(out))
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 16, POSE_FEATURES)).astype(np.float32)
    with torch.inference_mode():
        expected = model(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    difference = float(np.abs(PoseHandedness(out).p_left(a, b) - expected).max())
    if difference > 1e-5:
        raise RuntimeError(f"{out}: ONNX differs from PyTorch by {difference:.2e}")
    return difference


def main() -> None:
    parser = argparse.ArgumentParser(description="the pose-reading handedness classifier: crops, readings, fit")
    parser.add_argument("action", choices=("crops", "read", "fit"))
    parser.add_argument("--data", type=Path, default=Path("runs/handedness-pose"))
    parser.add_argument("--count", type=int, default=30000, help="crops: training crops to render")
    parser.add_argument("--view", default="front", choices=VIEWS,
                        help="crops: front, or head-mounted (a headset's views, for its model)")
    parser.add_argument("--palm", default="anatomical", choices=PALM_MODELS, help="crops: the hands' palm geometry")
    parser.add_argument("--model", type=Path, default=Path("models/pwr-lite.onnx"), help="the pose model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--shard", default="0/1", help="read: I/N, every N-th chunk from the I-th (N processes)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--members", type=int, default=1, help="fit: networks averaged (seeds seed, seed+1, ...)")
    parser.add_argument("--out", type=Path, default=None, help="fit: default models/handedness-<pose model>.onnx")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.action == "crops":
        try:
            render_crops(args.data, args.count, view=args.view, palm=args.palm)
        except ValueError as error:  # a folder of another kind of crops: one line, no traceback
            raise SystemExit(f"error: {error}") from None
    elif args.action == "read":
        i, n = (int(x) for x in args.shard.split("/"))
        print(read_all(args.data, args.model, args.threads, (i, n)), "chunks read")
    else:
        import torch

        from handtrack.engines import load_engine

        torch.set_num_threads(args.threads)
        engine = load_engine(args.model, threads=args.threads)
        network, result = fit(args.data, engine.metadata.name, args.epochs, args.seed,
                              members=args.members)
        out = args.out or Path("models") / f"handedness-{engine.metadata.name}.onnx"
        difference = export(network, engine, out, result)
        print(f"wrote {out} (ONNX vs PyTorch {difference:.1e}): {json.dumps(result)}")


if __name__ == "__main__":
    main()
