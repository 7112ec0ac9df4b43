"""The presence check through onnxruntime: does a crop hold a hand at all?

The localiser takes what stands out of a depth frame for a hand, and the pose network reads a hand into any crop it
is given: the end of a forearm whose hand has left the view, a head, the edge of a body. A small CNN
(:mod:`handtrack.training.presence`, kind ``presence``, bundled as ``models/presence.onnx``) scores the crop the
tracker read the hand from: the probability that it holds a hand. It reads the crop alone, so one file serves every
pose model whose crop contract it shares (:meth:`PresenceClassifier.check_contract`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handtrack.engines.handedness import open_model_file
from handtrack.engines.metadata import ModelFileError
from handtrack.preprocess.params import CropParams

#: the contract fields a crop classifier must share with the pose model whose crops it scores
_SHARED_CONTRACT = ("input_size", "cube_half_mm", "background_value", "segment_jump_mm", "depth_normalisation",
                    "resampling", "version")


class PresenceClassifier:
    """``p_hand(crops)``: (B, 1, S, S) normalised crops -> (B,) probability that each holds a hand."""

    def __init__(self, path: str | Path, threads: int | None = 1) -> None:
        self.path = Path(path)
        self.session, self.metadata = open_model_file(self.path, threads or 1)
        if self.metadata.model_config.get("kind") != "presence":
            raise ModelFileError(f"{self.path}: not a presence model (kind {self.metadata.model_config.get('kind')!r})")
        self._input = self.session.get_inputs()[0].name

    def check_contract(self, contract: CropParams) -> None:
        """Refuse a pose model whose crops differ from the ones this classifier was trained on."""
        mine, theirs = self.metadata.contract.to_dict(), contract.to_dict()
        differ = [key for key in _SHARED_CONTRACT if mine.get(key) != theirs.get(key)]
        if differ:
            raise ModelFileError(f"{self.path}: scores crops made with another crop contract than the pose model's "
                                 f"(differs in {', '.join(differ)}): turn the presence check off or retrain it")

    def p_hand(self, crops: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(crops, dtype=np.float32)
        return self.session.run(None, {self._input: x})[0].reshape(-1)
