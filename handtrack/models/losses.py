"""The Pixel-wise Regression loss, per stage and summed over stages."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from handtrack.models.config import LossConfig
from handtrack.models.targets import heatmap_target, offset_target


@dataclass
class StageOutput:
    """One stage's predictions: uvd (B, J, 3); heatmaps and offsets (B, J, n, n) or None (direct)."""

    uvd: torch.Tensor
    heatmaps: torch.Tensor | None = None
    offsets: torch.Tensor | None = None


@dataclass
class Targets:
    uvd: torch.Tensor
    heatmaps: torch.Tensor
    offsets: torch.Tensor


def make_targets(uvd: torch.Tensor, image: torch.Tensor, mask: torch.Tensor, config: LossConfig) -> Targets:
    """Targets for (B, J, 3) crop-normalised joints given the representation image and mask (B, 1, n, n)."""
    n = image.shape[-1]
    heatmaps = heatmap_target(uvd[..., :2], n, config.heatmap_kernel, config.heatmap_sigma_px)
    return Targets(uvd, heatmaps, offset_target(uvd[..., 2], heatmaps, image, mask))


def stage_loss(out: StageOutput, target: Targets, config: LossConfig) -> dict[str, torch.Tensor]:
    """L_uv, L_d (squared errors averaged over joints), L_H, L_D (squared map errors summed over pixels,
    averaged over joints) and their weighted sum ``total``."""
    err = out.uvd - target.uvd
    terms = {
        "uv": (err[..., :2] ** 2).sum(-1).mean(),
        "d": (err[..., 2] ** 2).mean(),
    }
    zero = out.uvd.new_zeros(())
    maps = target.heatmaps.shape[0] * target.heatmaps.shape[1]  # B * J: the map sums are averaged over these
    # mse_loss(sum) is one fused pass forward and backward (the written-out square took four on a CPU).
    terms["H"] = F.mse_loss(out.heatmaps, target.heatmaps, reduction="sum") / maps if out.heatmaps is not None else zero
    terms["D"] = F.mse_loss(out.offsets, target.offsets, reduction="sum") / maps if out.offsets is not None else zero
    terms["total"] = (config.coord_weight * (terms["uv"] + terms["d"]) + config.heatmap_weight * terms["H"]
                      + config.offset_weight * terms["D"])
    return terms


def pwr_loss(stages: list[StageOutput], target: Targets, config: LossConfig) -> dict[str, torch.Tensor]:
    """Sum of :func:`stage_loss` over stages; the per-term values are those of the last stage."""
    per_stage = [stage_loss(s, target, config) for s in stages]
    result = dict(per_stage[-1])
    result["total"] = torch.stack([t["total"] for t in per_stage]).sum()
    return result
