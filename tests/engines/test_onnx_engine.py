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
