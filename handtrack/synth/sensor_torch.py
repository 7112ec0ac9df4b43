"""The depth-sensor model of :mod:`handtrack.synth.sensor`, batched in torch (CPU or GPU).

Same steps and parameters as the numpy reference, with torch's random stream instead of numpy's: noise growing
with z^2, silhouette-edge dropout, flying pixels (stereo), holes, the projector shadow (coded light), the SDK's
edge-preserving spatial filter for the frames flagged for it, and quantisation to the depth unit. Images are
(B, H, W) float32 depth in mm; 0 (or inf on input) = nothing.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from handtrack.synth.sensor import EDGE_JUMP_MM, SensorModel

#: (row, column) offsets of a pixel's 4 neighbours (above, below, left, right) and of its 8 neighbours
FOUR_NEIGHBOURS = ((-1, 0), (1, 0), (0, -1), (0, 1))
EIGHT_NEIGHBOURS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)


def neighbours(values: torch.Tensor, outside: float | bool, offsets: tuple[tuple[int, int], ...]) -> torch.Tensor:
    """(B, H, W) -> (B, len(offsets), H, W): each pixel's neighbour at each (row, column) offset of at most one
    pixel (``outside`` beyond the border)."""
    h, w = values.shape[-2:]
    padded = F.pad(values[:, None], (1, 1, 1, 1), value=outside)[:, 0]
    return torch.stack([padded[:, 1 + dy: 1 + dy + h, 1 + dx: 1 + dx + w] for dy, dx in offsets], dim=1)


def projector_shadow(z: torch.Tensor, valid: torch.Tensor, baseline_mm: float, fx_px: torch.Tensor,
                     max_shift: int = 64) -> torch.Tensor:
    """(B, H, W) bool: valid pixels with a surface >= 20 mm nearer ``shift`` px to their right whose shadow,
    baseline * fx * (1/z_near - 1/z), is at least ``shift`` px wide. fx_px (B,) per image."""
    zf = torch.where(valid, z, torch.full_like(z, math.inf))
    shadow = torch.zeros_like(valid)
    nearest = float(zf.min()) if bool(valid.any()) else math.inf
    widest = min(max_shift, int(math.ceil(baseline_mm * float(fx_px.max()) / max(nearest, 1.0)))) if math.isfinite(
        nearest) else 0
    scale = (baseline_mm * fx_px).view(-1, 1, 1)
    inverse = 1.0 / zf
    for shift in range(1, min(widest, z.shape[-1] - 1) + 1):
        occluder = zf[:, :, shift:]
        wide = scale * (1.0 / occluder - inverse[:, :, :-shift]) >= shift
        shadow[:, :, :-shift] |= valid[:, :, :-shift] & (occluder < z[:, :, :-shift] - 20.0) & wide
    return shadow


def _recursive_pass(z: torch.Tensor, alpha: float, delta_mm: float) -> torch.Tensor:
    """One left-to-right pass of the SDK-filter model along the last axis of ``z`` (..., L), in log2(L) steps.

    y[0] = z[0]; y[j] = alpha z[j] + (1 - alpha) y[j-1] where z[j] and z[j-1] are both valid (> 0) and differ by
    less than delta_mm, else y[j] = z[j]: a first-order linear recurrence y[j] = a[j] y[j-1] + b[j], solved by
    doubling (after the step of span s, each pixel holds its recurrence composed over the s pixels before it),
    so a GPU runs a few dozen kernels per pass instead of a few per pixel."""
    prev, cur = z[..., :-1], z[..., 1:]
    ok = (cur > 0) & (prev > 0) & ((cur - prev).abs() < delta_mm)
    first = z[..., :1]
    a = torch.cat([torch.zeros_like(first), torch.where(ok, 1.0 - alpha, 0.0)], dim=-1)
    b = torch.cat([first, torch.where(ok, alpha * cur, cur)], dim=-1)
    span, length = 1, z.shape[-1]
    while span < length:
        b = torch.cat([b[..., :span], b[..., span:] + a[..., span:] * b[..., :-span]], dim=-1)
        a = torch.cat([a[..., :span], a[..., span:] * a[..., :-span]], dim=-1)
        span *= 2
    return b


def edge_preserving_smooth(z: torch.Tensor, alpha: float, delta_mm: float, iterations: int) -> torch.Tensor:
    """The SDK's spatial filter (:func:`handtrack.synth.kernels._edge_preserving_smooth`, the same recurrence)
    on (B, H, W) depth: a recursive filter along rows then columns, both directions, each pass a parallel
    solution of the recurrence (:func:`_recursive_pass`). Returns a new tensor."""
    for _ in range(iterations):
        z = _recursive_pass(z, alpha, delta_mm)
        z = _recursive_pass(z.flip(-1), alpha, delta_mm).flip(-1)
        columns = z.transpose(-1, -2)
        columns = _recursive_pass(columns, alpha, delta_mm)
        z = _recursive_pass(columns.flip(-1), alpha, delta_mm).flip(-1).transpose(-1, -2)
    return z.contiguous()


def apply_sensor_torch(depth_mm: torch.Tensor, model: SensorModel, depth_unit_mm: float, fx_px: torch.Tensor,
                       sdk_filter: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(B, H, W) float depth in mm (inf or 0 = nothing) -> (B, H, W) float32 depth in mm as the camera gives it
    (quantised to ``depth_unit_mm``, 0 = missing).

    fx_px (B,): focal length in pixels of each image's grid (projector shadow). sdk_filter (B,) bool: images
    that go through the SDK's spatial filter (drawn by the caller with ``model.sdk_filter_share``).
    """
    z = torch.where(torch.isfinite(depth_mm), depth_mm, torch.zeros_like(depth_mm)).float()
    valid = z > 0
    device = z.device

    def uniform(shape: tuple[int, ...]) -> torch.Tensor:
        return torch.rand(shape, generator=generator, device=device)

    noise = torch.randn(z.shape, generator=generator, device=device)
    noisy = z + noise * model.sigma_mm_at_1m * (z / 1000.0) ** 2
    around = neighbours(torch.where(valid, z, torch.full_like(z, math.inf)), math.inf, FOUR_NEIGHBOURS)
    edge = valid & (around - z[:, None] > EDGE_JUMP_MM).any(dim=1)
    drop = edge & (uniform(z.shape) < model.edge_dropout)
    if model.flying_pixels > 0:
        fly = edge & ~drop & (uniform(z.shape) < model.flying_pixels)
        far = torch.where(torch.isfinite(around), around, torch.zeros_like(around)).amax(dim=1)
        noisy = torch.where(fly & (far > 0), noisy + uniform(z.shape) * (far - z), noisy)
    if model.hole_fraction > 0:
        b, h, w = z.shape
        coarse = uniform((b, 1, max(2, h // 6), max(2, w // 6)))
        field = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)[:, 0]
        drop |= valid & (field < model.hole_fraction)
    if model.shadow_baseline_mm > 0:
        drop |= projector_shadow(z, valid, model.shadow_baseline_mm, fx_px)
    noisy = torch.where(drop | ~valid, torch.zeros_like(noisy), noisy)
    if bool(sdk_filter.any()):
        chosen = sdk_filter.nonzero()[:, 0]
        noisy[chosen] = edge_preserving_smooth(noisy[chosen], model.sdk_alpha, model.sdk_delta_mm,
                                               model.sdk_iterations)
    raw = torch.round(noisy / depth_unit_mm).clamp(0, 65535)
    return raw * depth_unit_mm
