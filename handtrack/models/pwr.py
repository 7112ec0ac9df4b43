"""The two-stage Pixel-wise Regression network (Zhang & Zhang, arXiv 1905.02085) and the paper's
Direct_Regression ablation.

Input: (B, 1, 128, 128) normalised crops (DESIGN.md section 2). The representation-scale image I is the crop
at 64 x 64 (nearest: every second pixel) and M = (I < background). Each stage predicts per joint a heatmap
and an offset map at 64 x 64; Plane Regression decodes (u, v) as the heatmap's centre of mass and Depth
Regression decodes d = sum(M H (I + D)) / sum(M H). Stage 2 sees [stage-1 heatmaps, offset maps, I] beside
the shared features.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from handtrack.models.blocks import ConvNormReLU, Hourglass, residual_block
from handtrack.models.config import ModelConfig
from handtrack.models.decoders import (
    depth_regression_decode,
    heatmap_confidence,
    normalise_heatmaps,
    plane_regression_decode,
)
from handtrack.models.losses import StageOutput


def representation(crop: torch.Tensor, background: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 1, 2n, 2n) crop -> I (B, 1, n, n) by nearest downsampling, and the hand mask M = I < background."""
    image = crop[..., ::2, ::2]
    return image, (image < background).to(crop.dtype)


class Stem(nn.Module):
    """Low-level CNN from the 128 x 128 crop to the feature map the hourglass runs on."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        f, norm = config.features, config.norm
        stride = 1 if config.stem == "reference" else 2  # reference: 128 -> 64; lite: 128 -> 64 -> 32
        self.body = nn.Sequential(ConvNormReLU(1, f // 2, 3, stride, norm),
                                  residual_block(config.block, f // 2, f, norm, stride=2))

    def forward(self, crop: torch.Tensor) -> torch.Tensor:
        return self.body(crop)


def pixel_shuffle(maps: torch.Tensor, r: int) -> torch.Tensor:
    """(B, C r^2, h, w) -> (B, C, h r, w r), as F.pixel_shuffle, written as view + permute: same values, and its
    backward pass is a plain copy (F.pixel_shuffle's took 1.6x as long as the 1 x 1 convolution before it)."""
    b, c, h, w = maps.shape
    return maps.view(b, c // (r * r), r, r, h, w).permute(0, 1, 4, 2, 5, 3).reshape(b, c // (r * r), h * r, w * r)


def shuffled_conv1x1(features: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, r: int) -> torch.Tensor:
    """A 1 x 1 convolution to C r^2 channels followed by a pixel shuffle (as F.pixel_shuffle: channel
    c r^2 + i r + j goes to pixel (y r + i, x r + j)), computed as the one stride-r, r x r transposed convolution
    it equals: features (B, F, h, w), the 1 x 1 convolution's weight (C r^2, F, 1, 1) and bias (C r^2,) ->
    (B, C, h r, w r). Same values as ``pixel_shuffle(conv1x1(features), r)``. What inference and export run:
    onnxruntime on a CPU runs pwr-lite's whole network 1.5x as fast as with the shuffle's six-dimensional
    transpose (benchmarks/bench_head_export.py); training keeps the 1 x 1 convolution and shuffle, whose backward
    pass PyTorch on a CPU runs faster (a pwr-lite training step took 1.1x as long this way)."""
    c = weight.shape[0] // (r * r)
    h, w = features.shape[-2:]
    kernel = weight.reshape(c, r, r, weight.shape[1]).permute(3, 0, 1, 2)  # (F, C, r, r)
    return F.conv_transpose2d(features, kernel, None, stride=r) + bias.view(1, c, r, r).repeat(1, 1, h, w)


def block_mean(maps: torch.Tensor, r: int) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, h / r, w / r): the mean of each r x r block. F.avg_pool2d: forward + backward on a
    CPU (batch 32, 43 maps of 64 x 64, one thread) 42 ms against 76 for a reshape-and-mean, side by side (a
    depthwise convolution with a constant kernel took 28 ms but does not export to ONNX when built per call)."""
    return F.avg_pool2d(maps, r)


class PRDRHead(nn.Module):
    """1 x 1 convolutions from features to per-joint heatmap logits and offset maps at the representation size."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        j = config.joints
        # The lite stem runs at half the representation size: predict each 2x2 block of the 64 x 64 maps from
        # one feature vector (1 x 1 convolution to 4 x 2J channels, then pixel shuffle).
        self.shuffle = 2 if config.stem == "lite" else 1
        self.maps = nn.Conv2d(config.features, 2 * j * self.shuffle**2, 1)
        # Start from flat heatmaps and zero offsets: the first predictions are the hand's mean position and
        # depth, not the huge values random offsets would give.
        nn.init.normal_(self.maps.weight, std=1e-3)
        nn.init.zeros_(self.maps.bias)
        self.temperature = nn.Parameter(torch.ones(j))
        self.joints = j

    def forward(self, features: torch.Tensor, image: torch.Tensor, mask: torch.Tensor) -> StageOutput:
        if self.shuffle > 1 and not self.training:
            maps = shuffled_conv1x1(features, self.maps.weight, self.maps.bias, self.shuffle)
        else:
            maps = self.maps(features)
            if self.shuffle > 1:
                maps = pixel_shuffle(maps, self.shuffle)
        logits, offsets = maps.split(self.joints, dim=1)  # split, not slicing: its backward is one cat
        heatmaps = normalise_heatmaps(logits, self.temperature)
        uv = plane_regression_decode(heatmaps)
        d = depth_regression_decode(heatmaps, offsets, image, mask)
        return StageOutput(torch.cat([uv, d[..., None]], dim=-1), heatmaps.to(maps.dtype), offsets)


class PixelwiseRegression(nn.Module):
    """``forward(crop) -> list[StageOutput]``, one per stage; the last stage's uvd is the prediction."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.kind != "pwr":
            raise ValueError("PixelwiseRegression needs kind='pwr'")
        self.config = config
        f, j, norm = config.features, config.joints, config.norm
        self.stem = Stem(config)
        self.hourglasses = nn.ModuleList([Hourglass(config.levels, f, norm, config.block)
                                          for _ in range(config.stages)])
        self.heads = nn.ModuleList([PRDRHead(config) for _ in range(config.stages)])
        # Stage 2 input: shared features + [heatmaps, offsets, I] brought to the feature resolution.
        self.merges = nn.ModuleList([ConvNormReLU(f + 2 * j + 1, f, 1, 1, norm) for _ in range(config.stages - 1)])

    def forward(self, crop: torch.Tensor) -> list[StageOutput]:
        image, mask = representation(crop, self.config.background_value)
        features = self.stem(crop)
        outputs: list[StageOutput] = []
        for stage, (hourglass, head) in enumerate(zip(self.hourglasses, self.heads)):
            if stage > 0:
                prev = outputs[-1]
                n = self.config.representation_size
                maps = torch.cat([prev.heatmaps * (n * n), prev.offsets, image], dim=1)
                if maps.shape[-1] != features.shape[-1]:
                    maps = block_mean(maps, maps.shape[-1] // features.shape[-1])
                features = self.merges[stage - 1](torch.cat([features, maps], dim=1))
            features = hourglass(features)
            outputs.append(head(features, image, mask))
        return outputs


class DirectRegression(nn.Module):
    """The paper's Direct_Regression ablation: the same stem and hourglass, pooled, then a linear layer to
    (u, v, d) per joint."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.stem = Stem(config)
        self.hourglass = Hourglass(config.levels, config.features, config.norm, config.block)
        self.fc = nn.Linear(config.features, 3 * config.joints)

    def forward(self, crop: torch.Tensor) -> list[StageOutput]:
        pooled = self.hourglass(self.stem(crop)).mean(dim=(-2, -1))
        return [StageOutput(self.fc(pooled).view(-1, self.config.joints, 3))]


class InferenceModel(nn.Module):
    """What engines run: crop (B, 1, 128, 128) -> joints (B, J, 3) crop-normalised, confidence (B, J)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, crop: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        last = self.network(crop)[-1]
        if last.heatmaps is None:
            return last.uvd.float(), torch.ones_like(last.uvd[..., 0]).float()  # no heatmap evidence
        return last.uvd.float(), heatmap_confidence(last.heatmaps.float(), last.uvd[..., :2].float())


def build_network(config: ModelConfig) -> nn.Module:
    return PixelwiseRegression(config) if config.kind == "pwr" else DirectRegression(config)
