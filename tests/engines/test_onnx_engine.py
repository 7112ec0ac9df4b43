"""The onnxruntime engine: provider choice and the IO-binding path (used with CUDA; exercised here on the CPU)."""

import numpy as np
import pytest

from handtrack.engines import load_engine
from handtrack.engines.metadata import ModelFileError


def test_io_binding_path_gives_the_plain_run_outputs(untrained_onnx):
    engine = load_engine(untrained_onnx, provider="cpu")
    crops = np.random.default_rng(0).uniform(-1, 1, (2, 1, 128, 128)).astype(np.float32)
    plain = engine.session.run(None, {engine.session.get_inputs()[0].name: crops})
    bound = engine.run_bound(crops, "cpu")
    assert [o.shape for o in bound] == [o.shape for o in plain] == [(2, 21, 3), (2, 21)]
    for a, b in zip(bound, plain):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_an_absent_provider_is_a_clear_error(untrained_onnx):
    with pytest.raises(ModelFileError, match="not available here"):
        load_engine(untrained_onnx, provider="tensorrt")


def test_a_file_that_is_no_pose_model_is_refused_with_what_it_is(tmp_path):
    from pathlib import Path

    import onnx
    from onnx import TensorProto, helper

    models = Path(__file__).resolve().parents[2] / "models"
    with pytest.raises(ModelFileError, match="not a pose model: a handedness classifier"):
        load_engine(models / "handedness-pwr-lite.onnx")
    # a model with a pose model's metadata but another input: named with what it takes
    pose = onnx.load(str(models / "pwr-lite.onnx"))
    x = helper.make_tensor_value_info("crop", TensorProto.FLOAT, ["batch", 3, 128, 128])
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 3, 128, 128])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, ["batch", 3, 128, 128])
    nodes = [helper.make_node("Identity", ["crop"], [name]) for name in ("a", "b")]
    graph = helper.make_graph(nodes, "g", [x], [a, b])
    other = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    other.ir_version = pose.ir_version
    for prop in pose.metadata_props:
        other.metadata_props.add(key=prop.key, value=prop.value)
    onnx.save(other, str(tmp_path / "rgb.onnx"))
    with pytest.raises(ModelFileError, match=r"rgb.onnx: not a pose model: it takes crop \['batch', 3, 128, 128\]"):
        load_engine(tmp_path / "rgb.onnx")
    assert load_engine(models / "pwr-lite.onnx").metadata.name == "pwr-lite"  # a pose model loads
