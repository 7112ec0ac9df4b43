"""The engine interface: normalised crops in, crop-normalised joints and confidences out."""

from __future__ import annotations

import abc

import numpy as np

from handtrack.engines.metadata import ModelMetadata


class Engine(abc.ABC):
    """Runs a model. ``infer(crops)`` takes (B, 1, S, S) float32 crops (S = metadata.contract.input_size) and
    returns joints (B, 21, 3) float32 crop-normalised (u, v, d) and confidence (B, 21) float32."""

    metadata: ModelMetadata
    provider: str = ""

    @abc.abstractmethod
    def infer(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run the model on a batch of crops."""

    def check_input(self, crops: np.ndarray) -> np.ndarray:
        size = self.metadata.contract.input_size
        if crops.ndim != 4 or crops.shape[1:] != (1, size, size):
            raise ValueError(f"crops must be (B, 1, {size}, {size}), got {crops.shape}")
        return np.ascontiguousarray(crops, dtype=np.float32)
