"""Training the presence check: a small CNN that says whether a crop holds a hand at all.

Crops are made the way the tracker makes them (the real localiser, the crop contract) from synthetic scenes
(``SyntheticSource``), each labelled by what it holds:

- hands (label 1): around the localiser's centre (the tracker's first pass) and around the true palm moved 8 mm
  at random per axis (its second pass, cropped around the predicted palm), each in the scene as drawn and with the
  hand slid to the image's edge (the palm 25-90 mm inside it, fingers or arm often cut: the hands the tracker asks
  about, since it asks only about crops whose surface reaches the edge);
- no hand (label 0): what the localiser finds in the same scenes with the hand and arm slid until the palm lies
  80-250 mm past the image's edge (``SyntheticSource.out_of_view_frame``: a forearm's end at the edge), searched
  afresh and tracked from where the palm was; what it finds or offers in the scene's background alone (a torso,
  with a head on half of them; a wall); and crops centred on points of those hand-less surfaces' outlines (the
  edge of a body, an arm cut by the image's edge), as a tracker following a hand that has gone would make.

Training augments both classes alike: mirror, quarter turns, ragged outlines and holes in the surface as a real
sensor's (so that raggedness, which every real crop has, tells nothing about the class), small depth noise.

    python -m handtrack.training.presence render --data runs/presence/data --seed 900 --first 0 --count 1500
    python -m handtrack.training.presence train --data runs/presence/data --held-out-seed 901 --minutes 8
    python -m handtrack.training.presence export --run runs/presence --model-out models/presence.onnx
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

#: what each rendered crop holds (``kind`` in the data files); label 1 for those in HAND_KINDS, 0 for the rest
KINDS = ("hand, localiser's crop", "hand, palm's crop", "forearm's end, fresh search", "body, fresh search",
         "forearm's end, tracked search", "body's outline", "arm's outline", "hand at the edge, localiser's crop",
         "hand at the edge, palm's crop")
HAND_KINDS = (0, 1, 7, 8)
#: a hand at the image's edge (kinds 7 and 8): the scene's hand and arm slid until the palm lies this far (mm, at its
#: depth) inside the image's edge, fingers or arm often cut by it: the hands the tracker asks the check about
EDGE_HAND_INSIDE_MM = (25.0, 90.0)
PALM_JITTER_MM = 8.0  # per axis: the second pass's crop lies about this far from the true palm
NEGATIVE_JITTER_MM = 10.0  # per axis, around what the localiser found where there is no hand
OUTLINE_JITTER_MM = 20.0


def _crop(frame, centre_mm: np.ndarray):  # type: ignore[no-untyped-def]
    """(S, S) float16 normalised crop of ``frame`` around ``centre_mm`` (3,) with the default contract."""
    from handtrack.preprocess import crop_depth, make_crop_transform
    from handtrack.preprocess.params import CropParams

    params = CropParams()
    transform = make_crop_transform(np.asarray(centre_mm, dtype=np.float64), frame.intrinsics, params)
    return crop_depth(frame.depth, frame.depth_unit_mm, transform, params).astype(np.float16)


def outline_centres_mm(frame, count: int, rng: np.random.Generator) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    """Up to ``count`` points (3,) mm on the outline of ``frame``'s surfaces (a valid pixel with no depth within 4
    pixels, or within 8 pixels of the image's border), each moved 15 mm behind the surface: where a crop of an
    edge centres."""
    from handtrack.geometry import deproject_pixels_to_points

    depth_mm = frame.depth.astype(np.float32) * frame.depth_unit_mm
    valid = (depth_mm > 0).astype(np.uint8)
    edge = (valid > 0) & (cv2.erode(valid, np.ones((9, 9), np.uint8)) == 0)
    edge[:4], edge[-4:], edge[:, :4], edge[:, -4:] = False, False, False, False
    border = np.zeros_like(edge)
    border[4:8], border[-8:-4], border[:, 4:8], border[:, -8:-4] = True, True, True, True
    pixels = np.argwhere(edge | (border & (valid > 0)))
    if not len(pixels):
        return []
    chosen = pixels[rng.choice(len(pixels), min(count, len(pixels)), replace=False)]
    points = deproject_pixels_to_points(chosen[:, ::-1].astype(np.float64),
                                        depth_mm[chosen[:, 0], chosen[:, 1]].astype(np.float64), frame.intrinsics)
    return [p + np.array([0.0, 0.0, 15.0]) for p in points]


def render_scenes(seed: int, first: int, count: int, palm: str = "anatomical") -> tuple[np.ndarray, np.ndarray]:
    """Crops (N, S, S) float16 and their kinds (N,) int8 (index into KINDS) from SyntheticSource(seed, palm)'s
    scenes ``first`` .. ``first + count - 1``."""
    from handtrack.preprocess import HandLocalizer, LocalizerConfig
    from handtrack.preprocess.refine import palm_centre_mm
    from handtrack.synth.generator import SyntheticSource

    source = SyntheticSource(first + count, seed=seed, palm=palm)
    localizer = HandLocalizer(LocalizerConfig())
    rng = np.random.default_rng([seed, first])
    crops, kinds = [], []

    def add(frame, centre: np.ndarray, kind: int, jitter_mm: float) -> None:  # type: ignore[no-untyped-def]
        crop = _crop(frame, centre + rng.normal(0.0, jitter_mm, 3))
        if kind in HAND_KINDS or (crop < 1.0).mean() > 0.02:  # a crop of nothing tells nothing
            crops.append(crop)
            kinds.append(kind)

    for index in range(first, first + count):
        frame = source.frame(index)
        palm_mm = palm_centre_mm(frame.joints_xyz_mm)
        found = localizer.locate(frame)
        if found.found:
            add(frame, found.hands[0].centre_xyz_mm, 0, 0.0)
        add(frame, palm_mm, 1, PALM_JITTER_MM)
        gone = source.out_of_view_frame(index, float(rng.uniform(80.0, 250.0)))
        for hand in (found := localizer.locate(gone)).hands[:1] + found.unconfirmed[:1]:
            for _ in range(2):
                add(gone, hand.centre_xyz_mm, 2, NEGATIVE_JITTER_MM)
        for hand in localizer.locate(gone, [palm_mm.astype(np.float32)]).hands[:1]:
            for _ in range(2):
                add(gone, hand.centre_xyz_mm, 4, NEGATIVE_JITTER_MM)
        for centre in outline_centres_mm(gone, 1, rng):
            add(gone, centre, 6, OUTLINE_JITTER_MM)
        edge = source.out_of_view_frame(index, -float(rng.uniform(*EDGE_HAND_INSIDE_MM)))
        if (found := localizer.locate(edge)).found:
            add(edge, found.hands[0].centre_xyz_mm, 7, 0.0)
        add(edge, palm_centre_mm(edge.joints_xyz_mm), 8, PALM_JITTER_MM)
        scene, _ = source.scene(index)
        if scene.background_capsules or scene.plane is not None:
            background = source.background_frame(index, head=bool(rng.random() < 0.5))
            found = localizer.locate(background)
            for hand in (found.hands + found.unconfirmed)[:2]:
                for _ in range(2):
                    add(background, hand.centre_xyz_mm, 3, NEGATIVE_JITTER_MM)
            for centre in outline_centres_mm(background, 2, rng):
                add(background, centre, 5, OUTLINE_JITTER_MM)
    return np.stack(crops), np.asarray(kinds, dtype=np.int8)


def render(data_dir: Path, seed: int, first: int, count: int, palm: str = "anatomical") -> Path:
    """Render scenes ``first``.. of ``seed`` (hands with ``palm``, handtrack.synth.scene.PALM_MODELS) into
    ``data_dir/seed-S-first-F.npz`` (``-PALM`` before ``.npz`` for another palm than "anatomical"): crops, kinds; a
    file already there is kept (rendering resumes file by file)."""
    out = data_dir / (f"seed-{seed}-first-{first}" + ("" if palm == "anatomical" else f"-{palm}") + ".npz")
    if out.is_file():
        log.info("%s exists: kept", out)
        return out
    data_dir.mkdir(parents=True, exist_ok=True)
    crops, kinds = render_scenes(seed, first, count, palm)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, crops=crops, kinds=kinds)
    tmp.rename(out)
    log.info("%s: %d crops, by kind %s", out, len(crops), np.bincount(kinds, minlength=len(KINDS)).tolist())
    return out


def load_data(data_dir: Path, seeds: set[int] | None = None, exclude: set[int] | None = None,
              ) -> tuple[np.ndarray, np.ndarray]:
    """(N, S, S) float16 crops and (N,) kinds of the data files in ``data_dir`` (of ``seeds`` only, or without
    ``exclude``)."""
    crops, kinds = [], []
    for path in sorted(data_dir.glob("seed-*-first-*.npz")):
        seed = int(path.name.split("-")[1])
        if (seeds is not None and seed not in seeds) or (exclude is not None and seed in exclude):
            continue
        with np.load(path) as data:
            crops.append(data["crops"])
            kinds.append(data["kinds"])
    if not crops:
        raise FileNotFoundError(f"no data files for these seeds in {data_dir}")
    return np.concatenate(crops), np.concatenate(kinds)


def ragged(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(S, S) crop with a real sensor's faults drawn on its surface, in place: with p 0.7 a band 1-3 pixels deep
    along the outline loses 20-70 % of its pixels; with p 0.5 blobs of holes open inside it."""
    surface = (crop < 1.0).astype(np.uint8)
    if rng.random() < 0.7:
        k = int(rng.integers(1, 4)) * 2 + 1
        band = (surface > 0) & (cv2.erode(surface, np.ones((k, k), np.uint8)) == 0)
        crop[band & (rng.random(crop.shape) < rng.uniform(0.2, 0.7))] = 1.0
    if rng.random() < 0.5:
        blobs = cv2.resize(rng.random((16, 16)).astype(np.float32), crop.shape[::-1], interpolation=cv2.INTER_LINEAR)
        crop[(surface > 0) & (blobs > rng.uniform(0.8, 0.97))] = 1.0
    return crop


def augmented(crops: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(B, S, S) float32 training crops: mirrored (p 0.5), turned a random number of quarter turns, made ragged
    (:func:`ragged`) and given 0.01 of depth noise (about 1.5 mm) on the surface."""
    batch = crops.astype(np.float32)
    if rng.random() < 0.5:
        batch = batch[:, :, ::-1]
    batch = np.ascontiguousarray(np.rot90(batch, int(rng.integers(4)), axes=(1, 2)))
    for crop in batch:
        ragged(crop, rng)
    surface = batch < 1.0
    batch[surface] += rng.normal(0.0, 0.01, int(surface.sum())).astype(np.float32)
    return batch


def build_network():  # type: ignore[no-untyped-def]
    """The presence CNN: (B, 1, 128, 128) crops -> (B, 1) logits (a hand). Halved to 64x64, five 3x3 convolutions
    with group norm (16-64 channels, four of stride 2), global average, one linear layer: 52 k parameters. Group
    norm, not batch norm: with batch norm the network learnt to read a crop against the rest of its batch (half
    hands in every training batch) and took 91 % of held-out forearms' ends for hands in eval mode."""
    from torch import nn

    def block(inputs: int, outputs: int, stride: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False), nn.GroupNorm(4, outputs), nn.ReLU())

    return nn.Sequential(nn.AvgPool2d(2), block(1, 16, 1), block(16, 24, 2), block(24, 32, 2), block(32, 48, 2),
                         block(48, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1))


def scores(network, crops: np.ndarray, batch: int = 256) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(N,) p(hand) of (N, S, S) crops."""
    import torch

    network.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(crops), batch):
            x = torch.from_numpy(crops[start:start + batch].astype(np.float32))[:, None]
            out.append(torch.sigmoid(network(x)).reshape(-1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def by_kind(p_hand: np.ndarray, kinds: np.ndarray, threshold: float) -> dict[str, dict[str, float]]:
    """Per kind: crops, and the share taken for a hand (p > ``threshold``)."""
    return {KINDS[k]: {"crops": int((kinds == k).sum()),
                       "taken": round(float((p_hand[kinds == k] > threshold).mean()), 4)} for k in np.unique(kinds)}


def train(data_dir: Path, run_dir: Path, minutes: float, held_out_seed: int, threads: int = 2, batch: int = 128,
          lr: float = 2e-3, seed: int = 0) -> dict:
    """Train on every data file but those of ``held_out_seed`` for ``minutes`` (batches half hands, half not; AdamW at
    ``lr`` falling linearly to zero), score the held-out ones; writes ``run_dir/presence.pt`` and
    ``run_dir/result.json``."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    crops, kinds = load_data(data_dir, exclude={held_out_seed})
    hands = np.flatnonzero(np.isin(kinds, HAND_KINDS))
    others = np.flatnonzero(~np.isin(kinds, HAND_KINDS))
    log.info("training on %d crops (%d hands), by kind %s", len(crops), len(hands),
             np.bincount(kinds, minlength=len(KINDS)).tolist())
    network = build_network()
    optimizer = torch.optim.AdamW(network.parameters(), lr, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    labels = torch.cat([torch.ones(batch // 2), torch.zeros(batch // 2)])
    start, step = time.monotonic(), 0
    network.train()
    while (elapsed := time.monotonic() - start) < minutes * 60:
        for group in optimizer.param_groups:  # the rate falls linearly to zero over the time budget
            group["lr"] = lr * (1.0 - elapsed / (minutes * 60))
        chosen = np.concatenate([rng.choice(hands, batch // 2), rng.choice(others, batch // 2)])
        x = torch.from_numpy(augmented(crops[chosen], rng))[:, None]
        loss = loss_fn(network(x).reshape(-1), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        if step % 200 == 0:
            log.info("step %d: loss %.4f", step, loss.item())
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.save(network.state_dict(), run_dir / "presence.pt")
    held_crops, held_kinds = load_data(data_dir, seeds={held_out_seed})
    p_hand = scores(network, held_crops)
    result = {"steps": step, "batch": batch, "minutes": minutes, "train_crops": len(crops),
              "held_out_seed": held_out_seed, "held_out": by_kind(p_hand, held_kinds, 0.5)}
    (run_dir / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def export(run_dir: Path, out: Path) -> float:
    """``run_dir/presence.pt`` -> ONNX at ``out`` with kind ``presence``, the crop contract and the training result in
    its metadata; returns the largest difference between onnxruntime and PyTorch on the held-out crops' first 64."""
    import onnx
    import torch

    from handtrack.engines.metadata import ModelMetadata
    from handtrack.engines.presence import PresenceClassifier
    from handtrack.preprocess.params import CropParams

    network = build_network()
    network.load_state_dict(torch.load(run_dir / "presence.pt", weights_only=True))
    network.eval()
    out.parent.mkdir(parents=True, exist_ok=True)

    class Probability(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = network

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.net(x)).reshape(-1)

    wrapped = Probability().eval()  # export restores the wrapper's mode, and with it its network's
    torch.onnx.export(wrapped, (torch.zeros(1, 1, 128, 128),), str(out), dynamo=False, opset_version=17,
                      input_names=["crops"], output_names=["p_hand"],
                      dynamic_axes={"crops": {0: "batch"}, "p_hand": {0: "batch"}})
    proto = onnx.load(str(out))
    result = json.loads((run_dir / "result.json").read_text())
    metadata = ModelMetadata("presence", {"kind": "presence"}, CropParams(), result)
    for key, value in metadata.to_props().items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(out))
    probe = np.random.default_rng(0).uniform(-1.0, 1.0, (8, 1, 128, 128)).astype(np.float32)
    with torch.no_grad():
        expected = torch.sigmoid(network(torch.from_numpy(probe))).reshape(-1).numpy()
    return float(np.abs(PresenceClassifier(out).p_hand(probe) - expected).max())


def main() -> None:
    parser = argparse.ArgumentParser(description="the presence check: render crops, train, export")
    parser.add_argument("action", choices=("render", "train", "export"))
    parser.add_argument("--data", type=Path, default=Path("runs/presence/data"))
    parser.add_argument("--seed", type=int, default=900, help="render: the scenes' seed")
    parser.add_argument("--first", type=int, default=0, help="render: the first scene")
    parser.add_argument("--count", type=int, default=1500, help="render: scenes")
    parser.add_argument("--palm", default="anatomical", help="render: the hands' palm and arm geometry "
                        "(handtrack.synth.scene.PALM_MODELS; anatomical-arm: forearms as wide as real ones)")
    parser.add_argument("--held-out-seed", type=int, default=901, help="train: the seed whose files are held out")
    parser.add_argument("--run", type=Path, default=Path("runs/presence"))
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model-out", type=Path, default=Path("models/presence.onnx"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.action == "render":
        render(args.data, args.seed, args.first, args.count, args.palm)
    elif args.action == "train":
        print(json.dumps(train(args.data, args.run, args.minutes, args.held_out_seed, args.threads), indent=1))
    else:
        print(f"exported {args.model_out}; onnxruntime against PyTorch: {export(args.run, args.model_out):.2e}")


if __name__ == "__main__":
    main()
