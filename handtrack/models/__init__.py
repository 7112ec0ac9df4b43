"""PyTorch models (needs the ``train`` extra): the Pixel-wise Regression network, its targets, losses,
registry and checkpoints. Inference without torch goes through :mod:`handtrack.engines`."""

from handtrack.models.config import LossConfig, ModelConfig
from handtrack.models.pwr import DirectRegression, InferenceModel, PixelwiseRegression, build_network
from handtrack.models.registry import REGISTRY, registry_entry

__all__ = [
    "REGISTRY", "DirectRegression", "InferenceModel", "LossConfig", "ModelConfig", "PixelwiseRegression",
    "build_network", "registry_entry",
]
