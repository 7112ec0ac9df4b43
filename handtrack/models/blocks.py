"""Building blocks: normalised convolutions, residual blocks, the recursive hourglass."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class InstanceNorm(nn.GroupNorm):
    """Instance normalisation (each channel of each sample to zero mean and unit variance, then a per-channel scale
    and shift) written as a group norm of one channel a group: the maths, parameters and state-dict keys of
    ``nn.InstanceNorm2d(channels, affine=True)``, in 5 operator calls of the forward pass instead of 73 and 41 of
    the backward instead of 61 (a GPU training step of the paper-size network waits on launching them: session 15).
    Exported to ONNX as ``nn.InstanceNorm2d`` (:func:`with_onnx_instance_norms`), one InstanceNormalization node."""

    def __init__(self, channels: int) -> None:
        super().__init__(channels, channels)

    def as_instance_norm_2d(self) -> nn.InstanceNorm2d:
        """The same normalisation as ``nn.InstanceNorm2d`` with these weights."""
        module = nn.InstanceNorm2d(self.num_channels, eps=self.eps, affine=True)
        module.load_state_dict(self.state_dict())
        return module.to(self.weight.device, self.weight.dtype)


def with_onnx_instance_norms(module: nn.Module) -> nn.Module:
    """``module`` with every :class:`InstanceNorm` in it replaced, in place, by the ``nn.InstanceNorm2d`` it equals
    (the ONNX exporter writes that as a single InstanceNormalization node)."""
    for name, child in module.named_children():
        if isinstance(child, InstanceNorm):
            setattr(module, name, child.as_instance_norm_2d())
        else:
            with_onnx_instance_norms(child)
    return module


def norm_layer(kind: str, channels: int) -> nn.Module:
    if kind == "instance":
        return InstanceNorm(channels)
    if kind == "instance-torch":  # the same maths, about 10x the operator calls (InstanceNorm)
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return nn.Identity()


class ConvNormReLU(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, norm: str) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=norm == "none"),
            norm_layer(norm, c_out),
            nn.ReLU(inplace=True),
        )


class _PostActivationResidual(nn.Module):
    """``relu(body(x) + skip(x))``; the skip is a strided 1x1 convolution and norm when the shape changes."""

    def __init__(self, body: nn.Module, c_in: int, c_out: int, norm: str, stride: int) -> None:
        super().__init__()
        self.body = body
        self.skip: nn.Module = nn.Identity()
        if c_in != c_out or stride != 1:
            self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), norm_layer(norm, c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.skip(x))


class Residual(_PostActivationResidual):
    """conv3x3-norm-relu-conv3x3-norm plus a (projected) skip, then relu."""

    def __init__(self, c_in: int, c_out: int, norm: str, stride: int = 1) -> None:
        body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=norm == "none"), norm_layer(norm, c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=norm == "none"), norm_layer(norm, c_out),
        )
        super().__init__(body, c_in, c_out, norm, stride)


class SeparableResidual(_PostActivationResidual):
    """Like :class:`Residual` with each 3x3 convolution split into a depthwise 3x3 and a pointwise 1x1
    (MobileNet): about 7x fewer multiply-adds, 2.5x faster to train on a CPU core at 32 channels."""

    def __init__(self, c_in: int, c_out: int, norm: str, stride: int = 1) -> None:
        bias = norm == "none"
        body = nn.Sequential(
            nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False), nn.Conv2d(c_in, c_out, 1, bias=bias),
            norm_layer(norm, c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, 1, 1, groups=c_out, bias=False), nn.Conv2d(c_out, c_out, 1, bias=bias),
            norm_layer(norm, c_out),
        )
        super().__init__(body, c_in, c_out, norm, stride)


class BottleneckResidual(nn.Module):
    """Pre-activation bottleneck (Newell et al.'s hourglass block, also the PWR authors' code): norm-relu-1x1 to
    half the channels, norm-relu-3x3, norm-relu-1x1 back up, plus a (projected) skip; no activation after the
    sum. About a fifth of the parameters of :class:`Residual` at the same width."""

    def __init__(self, c_in: int, c_out: int, norm: str, stride: int = 1) -> None:
        super().__init__()
        mid = max(c_out // 2, 1)
        self.body = nn.Sequential(
            norm_layer(norm, c_in), nn.ReLU(), nn.Conv2d(c_in, mid, 1),
            norm_layer(norm, mid), nn.ReLU(inplace=True), nn.Conv2d(mid, mid, 3, stride, 1),
            norm_layer(norm, mid), nn.ReLU(inplace=True), nn.Conv2d(mid, c_out, 1),
        )
        self.skip: nn.Module = nn.Identity()
        if c_in != c_out or stride != 1:
            self.skip = nn.Conv2d(c_in, c_out, 1, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.skip(x)


def residual_block(kind: str, c_in: int, c_out: int, norm: str, stride: int = 1) -> nn.Module:
    """kind "basic" (two 3x3 convolutions), "bottleneck" (1x1-3x3-1x1, pre-activation: the paper-size net's)
    or "separable" (depthwise + pointwise)."""
    if kind == "basic":
        return Residual(c_in, c_out, norm, stride)
    if kind == "bottleneck":
        return BottleneckResidual(c_in, c_out, norm, stride)
    if kind == "separable":
        return SeparableResidual(c_in, c_out, norm, stride)
    raise ValueError(f"unknown block {kind!r}")


class Hourglass(nn.Module):
    """Recursive down/up sampling with a skip at every scale (Newell et al.); ``levels`` halvings."""

    def __init__(self, levels: int, channels: int, norm: str, block: str = "basic") -> None:
        super().__init__()
        self.skip = residual_block(block, channels, channels, norm)
        self.down = residual_block(block, channels, channels, norm)
        self.inner: nn.Module = (Hourglass(levels - 1, channels, norm, block) if levels > 1
                                 else residual_block(block, channels, channels, norm))
        self.up = residual_block(block, channels, channels, norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low = self.up(self.inner(self.down(F.max_pool2d(x, 2))))
        return self.skip(x) + F.interpolate(low, scale_factor=2.0, mode="nearest")
