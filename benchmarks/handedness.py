"""Can the right-hand pose network itself tell left from right? The "confidence rule", measured.

The rule: run a crop as seen and mirrored through the network, call it the side whose pose has the higher mean
heatmap confidence. Every validation crop is a right hand; its mirror image is the same hand as a left one, so
both are scored (balanced classes). Then the same on real frames: the 19 SR305 frames of
../shared/data/sr305-lada (all right hands, its README says) through the whole tracker, as recorded and
mirrored left-right (left hands). The figures are why ``--hand auto`` needs a trained handedness classifier.
Usage:

    python benchmarks/handedness.py [--model models/pwr-lite.onnx] [--samples 500]

With ``--classifier FILE.onnx`` (an export of ``handtrack.training.handedness`` or
``handtrack.training.handedness_pose``; the latter reads ``--model``'s poses) it measures that classifier
instead, the same way: held-out synthetic crops (``--palm``: the fixed set's symmetric palm or the anatomical
one; ``--view head-mounted``: the same seeds seen from a headset) and their mirror images, then the real SR305
views through the tracker with ``handedness="auto"``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from handtrack.engines import load_engine
from handtrack.pose import Handedness
from handtrack.preprocess.mirror import mirror_crops
from handtrack.synth.generator import VALIDATION_SIZE
from handtrack.training.handedness import validation_crops
from handtrack.types import Frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/pwr-lite.onnx")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--classifier", default="")
    parser.add_argument("--palm", default="symmetric")
    parser.add_argument("--view", default="front", help="--classifier: front, or head-mounted (the same seeds "
                        "seen from a headset; then 100 synthetic headset frames and their mirror images through "
                        "the tracker instead of the real frames, which are not a headset's)")
    parser.add_argument("--first", type=int, default=0, help="--classifier: held-out scenes from this index of "
                        "the validation sampler (2000 and on: scenes beyond the fixed set, never used before)")
    args = parser.parse_args()
    if args.classifier:
        classifier(args.classifier, args.model, args.samples if args.first else min(args.samples, VALIDATION_SIZE),
                   args.palm, args.first, args.view)
        return
    engine = load_engine(args.model, threads=2)
    n = min(args.samples, VALIDATION_SIZE)
    right = validation_crops(n)[:, None]
    left = mirror_crops(right)
    correct = 0
    for crops, truth in ((right, Handedness.RIGHT), (left, Handedness.LEFT)):
        _, conf_seen = engine.infer(crops)
        _, conf_mirrored = engine.infer(mirror_crops(crops))
        says_right = conf_seen.mean(axis=1) >= conf_mirrored.mean(axis=1)
        correct += int(np.sum(says_right == (truth == Handedness.RIGHT)))
    print(f"{args.model}: the confidence rule is right on {100.0 * correct / (2 * n):.1f} % of {2 * n} crops "
          f"({n} right hands of the validation set and their mirror images)")
    real_frames(args.model)


def real_views() -> list[tuple[Frame, Handedness]]:
    """The 19 real SR305 frames (right hands) as recorded and mirrored left-right (left hands), with the truth;
    empty (and said) when ../shared/data is absent."""
    from handtrack.preprocess.mirror import mirror_frame
    from handtrack.sources import open_source

    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "sr305-lada"
    if not folder.is_dir():
        print(f"no real frames at {folder}")
        return []
    views = []
    with open_source(folder, camera_profile="sr305") as source:
        for frame in source:
            seen, mirrored = mirror_frame(frame)
            views += [(seen, Handedness.RIGHT), (mirrored, Handedness.LEFT)]
    return views


def classifier(path: str, model: str, n: int, palm: str, first: int = 0, view: str = "front") -> None:
    from handtrack import HandTracker
    from handtrack.engines.handedness import PoseHandedness, load_handedness

    right = validation_crops(n, palm, first, view)[:, None]
    net = load_handedness(path)
    if isinstance(net, PoseHandedness):
        from handtrack.training.handedness_pose import features, read_crops

        seen, mirrored = features(read_crops(load_engine(model, threads=2), right[:, 0]))
        p_right, p_left = net.p_left(seen, mirrored), net.p_left(mirrored, seen)
    else:
        p_right, p_left = net.p_left(right), net.p_left(mirror_crops(right))
    correct = int(np.sum(p_right < 0.5) + np.sum(p_left >= 0.5))
    print(f"{path}: right on {100.0 * correct / (2 * n):.1f} % of {2 * n} held-out crops ({n} right hands of "
          f"the validation sampler's scenes {first}-{first + n - 1} with the {palm} palm, {view} view, and their "
          "mirror images)")
    if view != "front":
        tracked_views(model, path, palm, view)
        return
    tracker = HandTracker(model, handedness="auto", handedness_model=path)
    views = real_views()
    correct = {Handedness.RIGHT: 0, Handedness.LEFT: 0}
    for view, truth in views:
        tracker.reset()
        poses = tracker.track(view)
        correct[truth] += bool(poses) and poses[0].handedness == truth
    print(f"real SR305 views: right on {sum(correct.values())} of {len(views)} (19 right hands as recorded: "
          f"{correct[Handedness.RIGHT]} called right; the same mirrored: {correct[Handedness.LEFT]} called left)")


def tracked_views(model: str, path: str, palm: str, view: str, frames: int = 100, seed: int = 31) -> None:
    """Synthetic frames of ``view`` (``SyntheticSource``, not the validation sampler's crops) as rendered (right
    hands) and mirrored left-right (left hands), each through the whole tracker with ``handedness="auto"`` in the
    mode for that view: the side it calls, per single frame."""
    from handtrack import HandTracker
    from handtrack.preprocess.mirror import mirror_frame
    from handtrack.synth.generator import SyntheticSource

    tracker = HandTracker(model, handedness="auto", handedness_model=path, head_mounted=view == "head-mounted")
    found = correct = 0
    for frame in SyntheticSource(frames, seed=seed, profile="sr305", palm=palm, view=view):
        for shown, truth in zip(mirror_frame(frame), (Handedness.RIGHT, Handedness.LEFT)):
            tracker.reset()
            poses = tracker.track(shown)
            found += bool(poses)
            correct += bool(poses) and poses[0].handedness == truth
    print(f"tracked synthetic {view} frames (seed {seed}, {frames} as rendered and mirrored): a hand in {found} of "
          f"{2 * frames}, its side right in {correct} ({100.0 * correct / max(found, 1):.1f} %)")


def real_frames(model: str) -> None:
    from handtrack import HandTracker

    trackers = {side: HandTracker(model, handedness=side) for side in ("right", "left")}
    views = real_views()
    correct = 0
    for view, truth in views:
        scores = {}
        for side, tracker in trackers.items():
            tracker.reset()
            poses = tracker.track(view)
            scores[side] = poses[0].score if poses else 0.0
        says = Handedness.RIGHT if scores["right"] >= scores["left"] else Handedness.LEFT
        correct += says == truth
    print(f"real SR305 frames: the confidence rule is right on {100.0 * correct / max(len(views), 1):.1f} % of "
          f"{len(views)} (19 right hands as recorded and mirrored)")


if __name__ == "__main__":
    main()
