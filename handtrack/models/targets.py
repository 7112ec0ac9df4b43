"""Training targets (the paper's "encoder"): heatmaps and offset maps from joint coordinates."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def gaussian_kernel(size: int, sigma: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(size, size) normalised Gaussian; symmetric, so convolving keeps a map's centre of mass."""
    x = torch.arange(size, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-(x * x) / (2 * sigma * sigma))
    k = g[:, None] * g[None, :]
    return k / k.sum()


def heatmap_target(uv: torch.Tensor, n: int, kernel: int = 7, sigma: float = 1.5) -> torch.Tensor:
    """(B, J, 2) crop-normalised (u, v) -> (B, J, n, n) probability maps whose centre of mass is (u, v).

    The joint's mass goes to its four neighbouring pixels with bilinear weights (the middle of the feasible
    set, as the paper picks), then is spread by a k x k Gaussian. Joints beyond the representation are
    clamped to its border pixels. Maps are renormalised to sum to 1 (mass the Gaussian pushes past the border
    is lost there).
    """
    b, j, _ = uv.shape
    p = ((uv + 0.5) * n - 0.5).clamp(0.0, n - 1.0)  # continuous pixel coordinates
    x0 = p[..., 0].floor().clamp(max=n - 2)
    y0 = p[..., 1].floor().clamp(max=n - 2)
    fx, fy = p[..., 0] - x0, p[..., 1] - y0
    maps = torch.zeros(b * j, n * n, dtype=uv.dtype, device=uv.device)
    rows = torch.arange(b * j, device=uv.device)
    x0i, y0i = x0.long().reshape(-1), y0.long().reshape(-1)
    fx, fy = fx.reshape(-1), fy.reshape(-1)
    for dy, dx, w in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)), (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        maps.index_put_((rows, (y0i + dy) * n + x0i + dx), w, accumulate=True)
    k = gaussian_kernel(kernel, sigma, uv.dtype).to(uv.device)
    blurred = F.conv2d(maps.view(b * j, 1, n, n), k[None, None], padding=kernel // 2)
    blurred = blurred / blurred.sum(dim=(-2, -1), keepdim=True).clamp_min(1e-12)
    return blurred.view(b, j, n, n)


def offset_target(d: torch.Tensor, heatmaps: torch.Tensor, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """D*_j = (d_j - I) * M where the heatmap target is positive, else 0.

    d: (B, J) normalised joint depth; heatmaps (B, J, n, n); image, mask (B, 1, n, n).
    """
    support = (heatmaps > 0).to(image.dtype)
    return (d[..., None, None] - image) * mask * support
