"""Handedness "auto" accuracy on the fixed synthetic validation set.

Every validation crop is a right hand; its mirror image is the same hand as a left one. The tracker's auto rule
(preprocess/mirror.py: run both orientations, keep the one with the higher mean heatmap confidence) is scored
on both, so the two classes are exactly balanced. Usage:

    python benchmarks/handedness.py [--model models/pwr-lite.onnx] [--samples 500]
"""

from __future__ import annotations

import argparse

import numpy as np

from handtrack.engines import load_engine
from handtrack.pose import Handedness
from handtrack.preprocess.mirror import choose_side, mirror_crops
from handtrack.synth.generator import VALIDATION_SIZE, validation_sampler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/pwr-lite.onnx")
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    engine = load_engine(args.model, threads=2)
    sampler = validation_sampler()
    n = min(args.samples, VALIDATION_SIZE)
    right = np.stack([sampler.sample(i).crop for i in range(n)])[:, None].astype(np.float32)
    left = mirror_crops(right)
    correct = 0
    for crops, truth in ((right, Handedness.RIGHT), (left, Handedness.LEFT)):
        _, conf_seen = engine.infer(crops)
        _, conf_mirrored = engine.infer(mirror_crops(crops))
        correct += sum(choose_side(a, b)[0] == truth for a, b in zip(conf_seen, conf_mirrored))
    print(f"{args.model}: handedness auto correct on {100.0 * correct / (2 * n):.1f} % of {2 * n} crops "
          f"({n} right hands of the validation set and their mirror images)")


if __name__ == "__main__":
    main()
