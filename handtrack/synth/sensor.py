"""Depth-sensor models: what a RealSense does to a perfect depth image.

Per camera family (the ``noise.family`` of a camera profile):
- noise growing with z^2 (sigma_mm_at_1m * (z / 1 m)^2), quantised to the depth unit;
- missing pixels along silhouette edges; random holes inside surfaces;
- coded light (SR300/SR305): the projector shadow beside foreground edges, and after the SDK's filtering a
  smooth surface with clean edges;
- stereo (D400): noisier, and "flying pixels" with depths between foreground and background at edges;
- optionally, for a share of frames, the SDK's post-processing that many users switch on (and that the real
  recordings in ../shared/data went through): an edge-preserving spatial filter, and on request its
  "farthest from around" hole filling.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from handtrack.synth import kernels

#: A 4-neighbour farther than this (or missing) makes a pixel a silhouette edge.
EDGE_JUMP_MM = 20.0


@dataclass(frozen=True)
class SensorModel:
    sigma_mm_at_1m: float = 1.0
    edge_dropout: float = 0.3  # probability a silhouette-edge pixel is missing
    hole_fraction: float = 0.03  # threshold on a smooth random field: far fewer holes than this share (about
    # 0.02 % of the surface at 0.03), which matches the real SR305 frames' clean surfaces (docs/realism.md)
    shadow_baseline_mm: float = 0.0  # projector-camera baseline; 0 = no shadow
    flying_pixels: float = 0.0  # probability an edge pixel takes a depth between its neighbours
    sdk_filter_share: float = 0.0  # share of frames given the SDK's spatial filter (and hole filling, if on)
    sdk_alpha: float = 0.5  # the SDK spatial filter's defaults: smoothing weight,
    sdk_delta_mm: float = 20.0  # edge threshold (here in mm of depth),
    sdk_iterations: int = 2  # and passes
    sdk_hole_fill: bool = False  # the hole-filling filter too (the D400 recordings here had it)

    @classmethod
    def for_family(cls, family: str, sigma_mm_at_1m: float) -> SensorModel:
        if family == "stereo":
            return cls(sigma_mm_at_1m, edge_dropout=0.2, hole_fraction=0.02, flying_pixels=0.3)
        if family in ("coded_light", "structured_light"):
            return cls(sigma_mm_at_1m, edge_dropout=0.35, hole_fraction=0.03, shadow_baseline_mm=25.0)
        return cls(sigma_mm_at_1m)


def apply_sensor(depth_mm: np.ndarray, model: SensorModel, depth_unit_mm: float, fx_px: float,
                 rng: np.random.Generator, use_kernels: bool = True) -> np.ndarray:
    """(H, W) float depth in mm (inf or 0 = nothing) -> (H, W) uint16 raw depth as the camera would give it.

    fx_px: focal length in pixels of this grid (for the projector shadow width). use_kernels: the compiled
    shadow loop when numba is installed; False = the numpy reference.
    """
    z = np.where(np.isfinite(depth_mm), depth_mm, 0.0).astype(np.float32)
    valid = z > 0
    noisy = z + rng.normal(0.0, 1.0, z.shape).astype(np.float32) * model.sigma_mm_at_1m * (z / 1000.0) ** 2
    # Silhouette edges: a 4-neighbour further away by more than EDGE_JUMP_MM (or missing).
    neighbours = _four_neighbours(np.where(valid, z, np.inf), np.inf)
    edge = valid & (neighbours - z > EDGE_JUMP_MM).any(axis=0)
    drop = edge & (rng.random(z.shape) < model.edge_dropout)
    if model.flying_pixels > 0:
        fly = edge & ~drop & (rng.random(z.shape) < model.flying_pixels)
        far = np.where(np.isfinite(neighbours), neighbours, 0).max(axis=0)
        mix = rng.random(z.shape).astype(np.float32)
        noisy = np.where(fly & (far > 0), noisy + mix * (far - z), noisy)
    if model.hole_fraction > 0:
        field = cv2.resize(rng.random((max(2, z.shape[0] // 6), max(2, z.shape[1] // 6))).astype(np.float32),
                           (z.shape[1], z.shape[0]), interpolation=cv2.INTER_LINEAR)
        drop |= valid & (field < model.hole_fraction)
    if model.shadow_baseline_mm > 0:
        drop |= _projector_shadow(z, valid, model.shadow_baseline_mm, fx_px, use_kernels)
    noisy[drop | ~valid] = 0.0
    # Drawn only when the share is non-zero, so that models without SDK filters keep their random stream.
    if model.sdk_filter_share > 0 and rng.random() < model.sdk_filter_share:
        noisy = sdk_post_process(noisy, drop & valid, model)
    raw = np.round(noisy / depth_unit_mm)
    return np.clip(raw, 0, 65535).astype(np.uint16)


def _four_neighbours(values: np.ndarray, outside: float) -> np.ndarray:
    """(H, W) -> (4, H, W): each pixel's neighbour above, below, left and right (``outside`` beyond the border)."""
    padded = np.pad(values, 1, constant_values=outside)
    return np.stack([padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]])


def sdk_post_process(depth_mm: np.ndarray, holes: np.ndarray, model: SensorModel) -> np.ndarray:
    """(H, W) float32 depth in mm (0 = missing) -> the same after the SDK's spatial filter (edge-preserving
    smoothing, :func:`handtrack.synth.kernels._edge_preserving_smooth`) and, when ``model.sdk_hole_fill`` (off
    for every family: it measured worse, docs/realism.md), its hole filling, which gives each missing pixel of
    a surface (``holes``: dropped by the sensor, not empty space) the farthest depth among its four neighbours,
    repeated until the holes are filled (at most 8 pixels deep). The smoothing is a sequential loop: compiled
    with numba when installed, else plain Python (slow: about 0.1 s for a 128 x 128 crop)."""
    z = depth_mm.astype(np.float32, copy=True)
    smooth = kernels.edge_preserving_smooth or kernels._edge_preserving_smooth
    smooth(z, float(model.sdk_alpha), float(model.sdk_delta_mm), int(model.sdk_iterations))
    todo = holes & (z <= 0) if model.sdk_hole_fill else np.zeros_like(holes)
    for _ in range(8):
        if not todo.any():
            break
        farthest = _four_neighbours(z, 0.0).max(axis=0)
        fill = todo & (farthest > 0)
        z[fill] = farthest[fill]
        todo &= ~fill
    return z


def _projector_shadow(z: np.ndarray, valid: np.ndarray, baseline_mm: float, fx_px: float,
                      use_kernels: bool = True) -> np.ndarray:
    """Background pixels the projector (to the camera's right) cannot light: just left of a nearer surface.

    A surface at depth z_f hides the background at z_b over baseline * fx * (1/z_f - 1/z_b) pixels.
    """
    shadow = np.zeros_like(valid)
    zf = np.where(valid, z, np.inf)
    max_width = int(np.ceil(baseline_mm * fx_px / max(float(zf.min()), 1.0))) if valid.any() else 0
    if kernels.projector_shadow is not None and use_kernels:
        return kernels.projector_shadow(z, valid, float(baseline_mm), float(fx_px), min(max_width, 64))
    for shift in range(1, min(max_width, 64) + 1):
        occluder = np.full_like(zf, np.inf)
        occluder[:, :-shift] = zf[:, shift:]  # the surface `shift` pixels to the right
        width = baseline_mm * fx_px * (1.0 / occluder - 1.0 / np.where(valid, z, np.inf))
        shadow |= valid & (occluder < z - 20.0) & (width >= shift)
    return shadow
