"""Training targets (the paper's "encoder"): heatmaps and offset maps from joint coordinates."""

from __future__ import annotations

import torch


def gaussian_1d(size: int, sigma: float, dtype: torch.dtype = torch.float32,
                device: torch.device | None = None) -> torch.Tensor:
    """(size,) normalised Gaussian centred on the middle tap."""
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    g = torch.exp(-(x * x) / (2 * sigma * sigma))
    return g / g.sum()


def gaussian_kernel(size: int, sigma: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(size, size) normalised Gaussian (the outer product of :func:`gaussian_1d` with itself); symmetric, so
    convolving keeps a map's centre of mass."""
    g = gaussian_1d(size, sigma, dtype)
    return g[:, None] * g[None, :]


def _axis_profile(p: torch.Tensor, n: int, kernel: torch.Tensor) -> torch.Tensor:
    """(...,) continuous pixel coordinates in [0, n-1] -> (..., n): the two-neighbour linear split of unit
    mass along one axis, blurred by the 1D kernel (zero padding: mass past the border is lost)."""
    p0 = p.floor().clamp(max=n - 2)
    frac = p - p0
    idx = torch.arange(n, device=p.device, dtype=p.dtype)
    offset = idx - p0[..., None]  # 0 at the left neighbour, 1 at the right one
    split = (1 - frac)[..., None] * (offset == 0) + frac[..., None] * (offset == 1)
    k = kernel.numel()
    blurred = torch.nn.functional.conv1d(split.reshape(-1, 1, n), kernel.view(1, 1, k), padding=k // 2)
    return blurred.view(*p.shape, n)


def heatmap_target(uv: torch.Tensor, n: int, kernel: int = 7, sigma: float = 1.5) -> torch.Tensor:
    """(B, J, 2) crop-normalised (u, v) -> (B, J, n, n) probability maps whose centre of mass is (u, v).

    The joint's mass goes to its four neighbouring pixels with bilinear weights (the middle of the feasible
    set, as the paper picks), then is spread by a k x k Gaussian. Joints beyond the representation are
    clamped to its border pixels. Maps are renormalised to sum to 1 (mass the Gaussian pushes past the border
    is lost there). The bilinear split and the Gaussian are both separable, so the map is the outer product of
    two blurred 1D profiles, built without any n x n convolution.
    """
    p = ((uv + 0.5) * n - 0.5).clamp(0.0, n - 1.0)  # continuous pixel coordinates
    g = gaussian_1d(kernel, sigma, uv.dtype, uv.device)
    px = _axis_profile(p[..., 0], n, g)
    py = _axis_profile(p[..., 1], n, g)
    px = px / px.sum(-1, keepdim=True).clamp_min(1e-12)
    py = py / py.sum(-1, keepdim=True).clamp_min(1e-12)
    return py[..., :, None] * px[..., None, :]


def offset_target(d: torch.Tensor, heatmaps: torch.Tensor, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """D*_j = (d_j - I) * M where the heatmap target is positive, else 0.

    d: (B, J) normalised joint depth; heatmaps (B, J, n, n); image, mask (B, 1, n, n).
    """
    support = (heatmaps > 0).to(image.dtype)
    return (d[..., None, None] - image) * mask * support
