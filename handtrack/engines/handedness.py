"""The handedness classifier's model file (``models/handedness.onnx``) through onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from handtrack.engines.metadata import ModelFileError, ModelMetadata


class HandednessClassifier:
    """``p_left(crops)``: (B, 1, S, S) normalised crops -> (B,) probability that each is a left hand."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelFileError(f"{self.path}: handedness model not found")
        options = ort.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
            raise ModelFileError(f"{self.path}: onnxruntime cannot load it ({str(exc).splitlines()[0]})") from exc
        self.metadata = ModelMetadata.from_props(self.session.get_modelmeta().custom_metadata_map, str(self.path))
        if self.metadata.model_config.get("kind") != "handedness":
            raise ModelFileError(f"{self.path}: not a handedness model")
        self._input = self.session.get_inputs()[0].name

    def p_left(self, crops: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(crops, dtype=np.float32)
        return self.session.run(None, {self._input: x})[0].reshape(-1)
