"""Benchmark: onnxruntime CPU time per crop of a lite network exported with each form of its heads.

The lite stem runs at half the representation size, so each head predicts every 2 x 2 block of its 64 x 64 maps
from one feature vector: a 1 x 1 convolution to 4x the channels, then a pixel shuffle (what training runs), or
the single stride-2 transposed convolution that equals both (what inference and export run;
``handtrack.models.pwr.shuffled_conv1x1``). Both forms of the same weights are exported and timed alternating,
batch 1, in one run, so that their ratio is meaningful on a noisy machine; their outputs are compared too. Usage:

    python benchmarks/bench_head_export.py [--checkpoint runs/pwr-lite-anatomical/checkpoint.pt] [--threads 2]
        [--rounds 8] [--crops 40]

Without the checkpoint, a pwr-lite network with random weights is timed (the same operations).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handtrack.models import build_network, registry_entry  # noqa: E402
from handtrack.models.blocks import with_onnx_instance_norms  # noqa: E402
from handtrack.models.checkpoint import load_checkpoint  # noqa: E402
from handtrack.models.pwr import InferenceModel  # noqa: E402
from handtrack.preprocess.random_crops import random_crops  # noqa: E402


def export_form(network: torch.nn.Module, shuffle_form: bool, path: Path) -> None:
    """Write ``network`` as ONNX (batch 1 input, dynamic batch), its heads as 1 x 1 convolution + shuffle when
    ``shuffle_form``, else as transposed convolutions (the heads choose by their training flag)."""
    model = with_onnx_instance_norms(copy.deepcopy(InferenceModel(network)).eval())
    for head in model.network.heads:
        head.train(shuffle_form)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 1, 128, 128),), str(path), dynamo=False, opset_version=17,
                          training=torch.onnx.TrainingMode.PRESERVE,  # EVAL would switch the heads back
                          input_names=["crop"], output_names=["joints", "confidence"],
                          dynamic_axes={"crop": {0: "batch"}, "joints": {0: "batch"}, "confidence": {0: "batch"}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="runs/pwr-lite-anatomical/checkpoint.pt")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--crops", type=int, default=40)
    args = parser.parse_args()
    import onnxruntime as ort

    if Path(args.checkpoint).exists():
        network, _, _ = load_checkpoint(args.checkpoint)
        label = args.checkpoint
    else:
        network, label = build_network(registry_entry("pwr-lite")), "pwr-lite, random weights"
    crops = random_crops(args.crops, 128, np.random.default_rng(0))
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as the engine runs it
    forms = {"1x1 convolution + shuffle": True, "transposed convolution": False}
    sessions, outputs = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name, shuffle_form in forms.items():
            path = Path(folder) / f"{int(shuffle_form)}.onnx"
            export_form(network, shuffle_form, path)
            sessions[name] = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            outputs[name] = sessions[name].run(None, {"crop": crops})[0]
    times: dict[str, list[float]] = {name: [] for name in forms}
    for _ in range(args.rounds):
        for name, session in sessions.items():
            start = time.perf_counter()
            for i in range(len(crops)):
                session.run(None, {"crop": crops[i:i + 1]})
            times[name].append(1000 * (time.perf_counter() - start) / len(crops))
    first, second = (statistics.median(times[name]) for name in forms)
    print(f"{label}, onnxruntime {ort.__version__} CPU, {args.threads} threads, batch 1, {args.rounds} rounds of "
          f"{len(crops)} crops alternating")
    for name in forms:
        print(f"  {name:26s} median {statistics.median(times[name]):.2f} ms per crop "
              f"(rounds {min(times[name]):.2f}-{max(times[name]):.2f})")
    diff = float(np.abs(outputs["1x1 convolution + shuffle"] - outputs["transposed convolution"]).max())
    print(f"  ratio {first / second:.2f}x; joints differ by at most {diff:.1e} (crop-normalised)")


if __name__ == "__main__":
    main()
