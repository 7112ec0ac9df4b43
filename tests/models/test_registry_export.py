"""Every registry entry builds, trains one step, exports to ONNX and loads through load_engine."""

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch", reason="the models need PyTorch (the train extra)")

from handtrack.engines import ModelFileError, load_engine  # noqa: E402
from handtrack.models import REGISTRY, build_network, registry_entry  # noqa: E402
from handtrack.models.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from handtrack.models.export import export_onnx  # noqa: E402
from handtrack.models.losses import make_targets, pwr_loss  # noqa: E402
from handtrack.models.pwr import representation  # noqa: E402
from handtrack.preprocess.params import CropParams  # noqa: E402
from handtrack.preprocess.random_crops import random_crops  # noqa: E402


def _checkpoint(tmp_path, name):
    entry = registry_entry(name)
    torch.manual_seed(0)
    network = build_network(entry.model)
    path = tmp_path / f"{name}.pt"
    save_checkpoint(path, name, network, entry.model, CropParams(), {"data": "untrained test weights"})
    return path, network, entry


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_entry_trains_exports_and_loads(tmp_path, name, sr305_crops):
    path, network, entry = _checkpoint(tmp_path, name)
    crops = torch.from_numpy(random_crops(2, 128, np.random.default_rng(1)))
    outputs = network(crops)
    assert len(outputs) == entry.model.stages and outputs[-1].uvd.shape == (2, 21, 3)
    image, mask = representation(crops, 1.0)
    loss = pwr_loss(outputs, make_targets(torch.zeros(2, 21, 3), image, mask, entry.loss), entry.loss)["total"]
    loss.backward()
    assert torch.isfinite(loss)

    report = export_onnx(path, tmp_path / f"{name}.onnx", check_crops=sr305_crops)
    assert report.max_joint_error <= 1e-3 and report.n_real == len(sr305_crops)
    engine = load_engine(tmp_path / f"{name}.onnx")
    assert engine.metadata.name == name and engine.metadata.contract == CropParams()
    joints, confidence = engine.infer(sr305_crops)
    assert joints.shape == (len(sr305_crops), 21, 3) and confidence.shape == (len(sr305_crops), 21)
    torch_engine = load_engine(path)
    t_joints, _ = torch_engine.infer(sr305_crops)
    assert np.abs(t_joints - joints).max() / max(1.0, float(np.abs(joints).max())) <= 1e-3


def test_checkpoint_round_trip(tmp_path):
    path, network, _ = _checkpoint(tmp_path, "pwr-lite")
    loaded, metadata, _ = load_checkpoint(path)
    for a, b in zip(network.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    assert metadata.training == {"data": "untrained test weights"}


def test_export_can_give_the_model_a_name_of_its_own(tmp_path):
    path, _, _ = _checkpoint(tmp_path, "pwr-lite")
    export_onnx(path, tmp_path / "hm.onnx", name="pwr-lite-hm")
    engine = load_engine(tmp_path / "hm.onnx")
    assert engine.metadata.name == "pwr-lite-hm" and engine.metadata.model_config["stem"] == "lite"
    export_onnx(path, tmp_path / "plain.onnx")
    assert load_engine(tmp_path / "plain.onnx").metadata.name == "pwr-lite"


def test_models_without_a_usable_contract_are_refused(tmp_path):
    path, network, _ = _checkpoint(tmp_path, "pwr-one-stage")
    export_onnx(path, tmp_path / "m.onnx")
    proto = onnx.load(tmp_path / "m.onnx")
    bare = onnx.ModelProto()
    bare.CopyFrom(proto)
    del bare.metadata_props[:]
    onnx.save(bare, tmp_path / "bare.onnx")
    with pytest.raises(ModelFileError, match="not a handtrack model"):
        load_engine(tmp_path / "bare.onnx")
    for entry in proto.metadata_props:
        if entry.key == "handtrack.contract":
            entry.value = entry.value.replace('"version": 1', '"version": 7')
    onnx.save(proto, tmp_path / "future.onnx")
    with pytest.raises(ModelFileError, match="cannot be honoured"):
        load_engine(tmp_path / "future.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="onnxruntime cannot load it"):
        load_engine(tmp_path / "junk.onnx")
    with pytest.raises(ModelFileError, match="unsupported model type"):
        (tmp_path / "m.tflite").write_bytes(b"x")
        load_engine(tmp_path / "m.tflite")
    with pytest.raises(ModelFileError, match="TensorRT"):
        (tmp_path / "m.engine").write_bytes(b"x")
        load_engine(tmp_path / "m.engine")


def test_fp16_export_of_the_trained_run_passes_its_check(tmp_path, sr305_crops):
    """Half precision on trained weights (the repository's pwr-lite run): joints within 1e-2 of fp32 PyTorch."""
    from tests.conftest import REPO

    report = export_onnx(REPO / "runs" / "pwr-lite-anatomical" / "checkpoint.pt", tmp_path / "half.onnx", fp16=True,
                         check_crops=sr305_crops)
    assert report.max_joint_error <= 1e-2 and report.n_real == len(sr305_crops)
    joints, _ = load_engine(tmp_path / "half.onnx").infer(sr305_crops.astype(np.float32))
    assert joints.shape == (len(sr305_crops), 21, 3) and np.isfinite(joints).all()


def test_a_failed_export_check_leaves_the_previous_model_in_place(tmp_path):
    from handtrack.models.export import ExportError

    path, _, _ = _checkpoint(tmp_path, "pwr-one-stage")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"the previous model")
    with pytest.raises(ExportError, match="differs from PyTorch"):
        export_onnx(path, out, tolerance=-1.0)  # no model can pass a negative tolerance
    assert out.read_bytes() == b"the previous model"
    assert list(tmp_path.glob("*.onnx")) == [out]


def test_instance_norm_equals_torchs_and_exports_as_one_onnx_node(tmp_path):
    """blocks.InstanceNorm (a group norm of one channel a group, far fewer operator calls) computes what
    nn.InstanceNorm2d(affine=True) computes, forward and backward, takes its state dict, and the exported model
    holds InstanceNormalization nodes, as the shipped models do."""
    from handtrack.models.blocks import InstanceNorm

    torch.manual_seed(0)
    ours, theirs = InstanceNorm(6), torch.nn.InstanceNorm2d(6, affine=True)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 2.0)
        theirs.bias.uniform_(-1.0, 1.0)
    ours.load_state_dict(theirs.state_dict())
    x = (torch.randn(3, 6, 9, 7) * 5.0 + 2.0).requires_grad_()
    x2 = x.detach().clone().requires_grad_()
    y, y2 = ours(x), theirs(x2)
    assert torch.allclose(y, y2, atol=1e-5)
    (y * torch.arange(y.numel()).reshape(y.shape)).sum().backward()
    (y2 * torch.arange(y2.numel()).reshape(y2.shape)).sum().backward()
    assert torch.allclose(x.grad, x2.grad, rtol=1e-4, atol=1e-3)
    assert torch.allclose(ours.weight.grad, theirs.weight.grad, rtol=1e-4, atol=1e-2)
    assert torch.allclose(ours.as_instance_norm_2d()(x), y, atol=1e-6)

    path, network, entry = _checkpoint(tmp_path, "pwr-lite")
    count = sum(isinstance(m, InstanceNorm) for m in network.modules())
    assert count > 0 and entry.model.norm == "instance"
    export_onnx(path, tmp_path / "pwr-lite.onnx")
    ops = [n.op_type for n in onnx.load(str(tmp_path / "pwr-lite.onnx")).graph.node]
    assert ops.count("InstanceNormalization") == count
