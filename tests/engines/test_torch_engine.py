"""The PyTorch engine: same outputs as the network; on a GPU, CUDA graphs replay the same results."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the PyTorch engine needs the train extra")

from handtrack.engines.torch_engine import TorchEngine  # noqa: E402
from handtrack.models import build_network, registry_entry  # noqa: E402
from handtrack.models.checkpoint import save_checkpoint  # noqa: E402
from handtrack.models.pwr import InferenceModel  # noqa: E402
from handtrack.preprocess.params import CropParams  # noqa: E402


def _checkpoint(path):
    torch.manual_seed(0)
    entry = registry_entry("pwr-one-stage")
    network = build_network(entry.model)
    save_checkpoint(path, "pwr-one-stage", network, entry.model, CropParams(), {}, {})
    return network


def test_cpu_engine_matches_the_network(tmp_path):
    network = _checkpoint(tmp_path / "m.pt")
    crops = np.random.default_rng(0).uniform(-1, 1, (3, 1, 128, 128)).astype(np.float32)
    engine = TorchEngine(tmp_path / "m.pt", device="cpu")
    assert engine.provider == "torch-cpu"
    joints, confidence = engine.infer(crops)
    with torch.inference_mode():
        ref_joints, ref_conf = InferenceModel(network.eval())(torch.from_numpy(crops))
    np.testing.assert_allclose(joints, ref_joints.numpy(), atol=1e-5)
    np.testing.assert_allclose(confidence, ref_conf.numpy(), atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_cuda_graphs_replay_the_eager_results(tmp_path):
    _checkpoint(tmp_path / "m.pt")
    crops = np.random.default_rng(1).uniform(-1, 1, (2, 1, 128, 128)).astype(np.float32)
    eager = TorchEngine(tmp_path / "m.pt", device="cuda", cuda_graphs=False)
    graphed = TorchEngine(tmp_path / "m.pt", device="cuda")
    for _ in range(2):  # capture, then replay with new data in the same buffers
        crops = crops[::-1].copy()
        for a, b in zip(graphed.infer(crops), eager.infer(crops)):
            np.testing.assert_allclose(a, b, atol=1e-4)


def test_pt_provider_options_are_parsed_and_checked(tmp_path):
    from handtrack.engines import ModelFileError, load_engine

    _checkpoint(tmp_path / "m.pt")
    assert load_engine(tmp_path / "m.pt", "cpu").provider == "torch-cpu"
    assert load_engine(tmp_path / "m.pt", "cpu+compile").provider == "torch-cpu-compiled"
    with pytest.raises(ModelFileError, match="unknown option 'fast'"):
        load_engine(tmp_path / "m.pt", "cpu+fast")
    with pytest.raises(ModelFileError, match="unknown torch device 'tpu'"):
        load_engine(tmp_path / "m.pt", "tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelFileError, match="sees no CUDA GPU"):
            load_engine(tmp_path / "m.pt", "cuda+fp16")


def test_compiled_engine_matches_eager(tmp_path):
    """torch.compile (TorchInductor; here its C++ CPU backend, on a GPU its Triton one) changes no result.
    Compiling takes 30-60 s on this machine's CPU."""
    from handtrack.engines import load_engine

    _checkpoint(tmp_path / "m.pt")
    crops = np.random.default_rng(2).uniform(-1, 1, (2, 1, 128, 128)).astype(np.float32)
    compiled = load_engine(tmp_path / "m.pt", "cpu+compile").infer(crops)
    eager = load_engine(tmp_path / "m.pt", "cpu").infer(crops)
    for a, b in zip(compiled, eager):
        np.testing.assert_allclose(a, b, atol=1e-4)
