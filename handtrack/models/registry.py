"""Named model configurations: the paper-size net, the CPU real-time net, and the paper's ablations."""

from __future__ import annotations

from dataclasses import dataclass

from handtrack.models.config import LossConfig, ModelConfig


@dataclass(frozen=True)
class RegistryEntry:
    model: ModelConfig
    loss: LossConfig
    description: str


_LITE = ModelConfig(stem="lite", features=32, levels=3, stages=2)

REGISTRY: dict[str, RegistryEntry] = {
    "pwr": RegistryEntry(ModelConfig(block="bottleneck"), LossConfig(),
                         "paper size: reference stem, 128 features, 4-level hourglass of bottleneck blocks, 2 stages, "
                         "instance norm"),
    "pwr-lite": RegistryEntry(_LITE, LossConfig(),
                              "CPU real-time: lite stem (hourglass at 32x32), 32 features, 3 levels, 2 stages"),
    "pwr-direct": RegistryEntry(ModelConfig(kind="direct", stem="lite", features=32, levels=3, stages=1),
                                LossConfig(heatmap_weight=0.0, offset_weight=0.0),
                                "ablation Direct_Regression on the lite backbone: pooled features -> FC"),
    "pwr-coord-unsup": RegistryEntry(_LITE, LossConfig(coord_weight=0.0),
                                     "ablation Coordinate_Unsupervised: only heatmap and offset-map losses"),
    "pwr-repr-unsup": RegistryEntry(_LITE, LossConfig(heatmap_weight=0.0, offset_weight=0.0),
                                    "ablation Representation_Unsupervised: only the coordinate losses"),
    "pwr-one-stage": RegistryEntry(ModelConfig(stem="lite", features=32, levels=3, stages=1), LossConfig(),
                                   "ablation One_Stage on the lite backbone"),
}


def registry_entry(name: str) -> RegistryEntry:
    if name not in REGISTRY:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]
