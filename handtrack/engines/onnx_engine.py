"""onnxruntime engine: TensorRT, CUDA, then CPU execution providers, whichever are present."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from handtrack.engines.base import Engine
from handtrack.engines.metadata import ModelFileError, ModelMetadata

log = logging.getLogger(__name__)

PREFERRED_PROVIDERS = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")


def choose_providers(forced: str | None = None) -> list[str]:
    """The providers to ask for, best first; ``forced`` (e.g. "cpu", "cuda", "CUDAExecutionProvider") picks one."""
    available = ort.get_available_providers()
    if forced:
        name = forced if forced.endswith("ExecutionProvider") else {
            "cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider", "tensorrt": "TensorrtExecutionProvider",
        }.get(forced.lower(), forced)
        if name not in available:
            raise ModelFileError(f"onnxruntime provider {forced!r} is not available here; available: "
                                 f"{', '.join(available)}")
        return [name]
    return [p for p in PREFERRED_PROVIDERS if p in available] or ["CPUExecutionProvider"]


def _check_pose_model(session: ort.InferenceSession, metadata: ModelMetadata, origin: str) -> None:
    """Refuse a handtrack model file that is no pose model (one crop in: (batch, 1, S, S); joints and confidence
    out), such as a handedness classifier given as ``--model``, with a line saying what it is."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    size = metadata.contract.input_size
    if len(inputs) == 1 and len(inputs[0].shape) == 4 and list(inputs[0].shape[1:]) == [1, size, size] \
            and len(outputs) == 2:
        return
    kind = metadata.model_config.get("kind", "")
    takes = ", ".join(f"{i.name} {i.shape}" for i in inputs)
    what = f"it takes {takes} instead of one crop (batch, 1, {size}, {size})"
    if str(kind).startswith("handedness"):
        what = f"a handedness classifier ({kind}): it is loaded beside its pose model, not as --model"
    raise ModelFileError(f"{origin}: not a pose model: {what}")


class OnnxEngine(Engine):
    """A ``.onnx`` model through onnxruntime (IO binding keeps inputs on the GPU when CUDA runs it)."""

    def __init__(self, path: str | Path, provider: str | None = None, threads: int | None = None) -> None:
        self.path = Path(path)
        options = ort.SessionOptions()
        # No busy-waiting between calls: spinning worker threads would steal the CPU that localisation and
        # cropping need between two engine calls (measured: localisation 1.6 -> 4.4 ms on 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=choose_providers(provider))
        except (ort.capi.onnxruntime_pybind11_state.Fail, ort.capi.onnxruntime_pybind11_state.InvalidGraph,
                ort.capi.onnxruntime_pybind11_state.InvalidProtobuf, ort.capi.onnxruntime_pybind11_state.NoSuchFile,
                RuntimeError) as exc:
            raise ModelFileError(f"{self.path}: onnxruntime cannot load it ({str(exc).splitlines()[0]})") from exc
        props = self.session.get_modelmeta().custom_metadata_map
        self.metadata = ModelMetadata.from_props(props, str(self.path))
        _check_pose_model(self.session, self.metadata, str(self.path))
        self.provider = self.session.get_providers()[0]
        self._input = self.session.get_inputs()[0].name
        self._fp16 = self.session.get_inputs()[0].type == "tensor(float16)"
        log.info("loaded %s on %s", self.path.name, self.provider)

    def infer(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = self.check_input(crops)
        if self._fp16:
            x = x.astype(np.float16)
        if self.provider == "CUDAExecutionProvider":
            joints, confidence = self.run_bound(x, "cuda")
        else:
            joints, confidence = self.session.run(None, {self._input: x})
        return joints.astype(np.float32), confidence.astype(np.float32)

    def run_bound(self, x: np.ndarray, device: str) -> list[np.ndarray]:
        """One run through IO binding: the input copied once to ``device`` ("cuda" or "cpu"), the outputs bound
        to host memory; returns the outputs in the model's order (joints, confidence)."""
        binding = self.session.io_binding()
        binding.bind_ortvalue_input(self._input, ort.OrtValue.ortvalue_from_numpy(x, device, 0))
        for output in self.session.get_outputs():
            binding.bind_output(output.name, "cpu")
        self.session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()
