"""The differentiable decoders of Pixel-wise Regression and the heatmap confidence.

Shapes: B batch, J joints, n representation size. Softmax and the weighted sums run in float32 even in a
float16 model (sums over 4,096 pixels lose too much in float16). Coordinates are crop-normalised (DESIGN.md section 2):
u, v in (-0.5, 0.5) with representation pixel i at (i + 0.5) / n - 0.5; d = (z - z_c) / s.
"""

from __future__ import annotations

import torch

_EPS = 1e-6


def pixel_grid(n: int, device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(n,) normalised coordinates of the n pixel centres along one axis."""
    grid = (torch.arange(n, device=device, dtype=torch.float32) + 0.5) / n - 0.5
    return grid.to(dtype)  # built in float32: ONNX Range has no float16 form


def normalise_heatmaps(logits: torch.Tensor, temperature: torch.Tensor) -> torch.Tensor:
    """(B, J, n, n) logits -> probability maps (softmax over the n*n pixels, per-joint temperature (J,))."""
    b, j, h, w = logits.shape
    scaled = logits.float() * temperature.float().view(1, j, 1, 1)  # float32 even in a float16 model
    return torch.softmax(scaled.reshape(b, j, h * w), dim=-1).reshape(b, j, h, w)


def plane_regression_decode(heatmaps: torch.Tensor) -> torch.Tensor:
    """Plane Regression: (B, J, n, n) probability maps -> (B, J, 2) centre of mass (u, v)."""
    n_rows, n_cols = heatmaps.shape[-2:]
    u = (heatmaps.sum(dim=-2) * pixel_grid(n_cols, heatmaps.device, heatmaps.dtype)).sum(dim=-1)
    v = (heatmaps.sum(dim=-1) * pixel_grid(n_rows, heatmaps.device, heatmaps.dtype)).sum(dim=-1)
    return torch.stack([u, v], dim=-1)


def depth_regression_decode(heatmaps: torch.Tensor, offsets: torch.Tensor, image: torch.Tensor,
                            mask: torch.Tensor) -> torch.Tensor:
    """Depth Regression: d_j = sum(M H_j (I + D_j)) / sum(M H_j).

    heatmaps, offsets: (B, J, n, n); image I and mask M: (B, 1, n, n). Returns (B, J) normalised depth.
    """
    weight = heatmaps.float() * mask.float()
    values = image.float() + offsets.float()
    return (weight * values).sum(dim=(-2, -1)) / (weight.sum(dim=(-2, -1)) + _EPS)


def heatmap_confidence(heatmaps: torch.Tensor, uv: torch.Tensor, radius_px: float = 3.0) -> torch.Tensor:
    """(B, J) share of each heatmap's mass within ``radius_px`` representation pixels of its centre (u, v).

    The window's rim is a one-pixel linear ramp (weight 1 up to ``radius_px``, 0 from ``radius_px`` + 1), so the
    confidence is continuous in (u, v): a hard disc would jump by a whole pixel's mass when a rounding-level
    change of the centre moves a pixel across the rim (seen as a 1e-2 ONNX-vs-torch difference)."""
    n_rows, n_cols = heatmaps.shape[-2:]
    gx = pixel_grid(n_cols, heatmaps.device, heatmaps.dtype).view(1, 1, 1, n_cols)
    gy = pixel_grid(n_rows, heatmaps.device, heatmaps.dtype).view(1, 1, n_rows, 1)
    du = (gx - uv[..., 0, None, None]) * n_cols
    dv = (gy - uv[..., 1, None, None]) * n_rows
    near = (radius_px + 1.0 - torch.sqrt(du * du + dv * dv)).clamp(0.0, 1.0)
    return (heatmaps * near).sum(dim=(-2, -1))
