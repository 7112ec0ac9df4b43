"""Model and loss configurations (plain dataclasses, stored in checkpoints and model files)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ModelConfig:
    """The network's shape.

    kind: "pwr" (Pixel-wise Regression: heatmaps + offset maps + differentiable decoders) or "direct" (the
    paper's Direct_Regression ablation: pooled features -> fully connected -> coordinates).
    stem: "reference" — the paper's low-level CNN, 128 -> 64, hourglass at 64 x 64; "lite" — 128 -> 32 with
    two stride-2 convolutions, hourglass at 32 x 32, the 1 x 1 heads predict 2 x 2 blocks of the 64 x 64 maps.
    Both predict the same 64 x 64 heatmaps and offset maps.
    features / levels: hourglass width and depth. stages: 1 or 2 (stage 2 sees stage 1's maps).
    norm: "instance" (paper), "batch" or "none"; "instance-torch": the same instance norm through
    ``nn.InstanceNorm2d`` (slower; for ``benchmarks/bench_train_step.py``'s comparison).
    block: the residual block: "basic" (two 3 x 3 convolutions), "bottleneck" (pre-activation 1 x 1 - 3 x 3 -
    1 x 1 at half width, as in the authors' code) or "separable" (each 3 x 3 split into depthwise + pointwise).
    """

    kind: str = "pwr"
    stem: str = "reference"
    features: int = 128
    levels: int = 4
    stages: int = 2
    norm: str = "instance"
    block: str = "basic"
    joints: int = 21
    input_size: int = 128
    representation_size: int = 64
    background_value: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("pwr", "direct"):
            raise ValueError(f"unknown model kind {self.kind!r}")
        if self.stem not in ("reference", "lite"):
            raise ValueError(f"unknown stem {self.stem!r}")
        if self.norm not in ("instance", "instance-torch", "batch", "none"):
            raise ValueError(f"unknown norm {self.norm!r}")
        if self.block not in ("basic", "bottleneck", "separable"):
            raise ValueError(f"unknown block {self.block!r}")
        if self.stages not in (1, 2):
            raise ValueError("stages must be 1 or 2")
        if self.input_size != 2 * self.representation_size:
            raise ValueError("the representation is half the input size (128 -> 64)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return cls(**data)


@dataclass(frozen=True)
class LossConfig:
    """Per-stage loss L = w_uv L_uv + w_d L_d + w_H L_H + w_D L_D (paper: all 1; authors' code: w_D = 0.01).

    heatmap_sigma_px / heatmap_kernel: the Gaussian that spreads the four-neighbour target (paper: k = 7).
    """

    coord_weight: float = 1.0
    heatmap_weight: float = 1.0
    offset_weight: float = 0.01
    heatmap_kernel: int = 7
    heatmap_sigma_px: float = 1.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LossConfig:
        return cls(**data)
