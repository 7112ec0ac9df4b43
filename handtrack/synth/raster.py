"""CPU ray casting of capsule scenes with screen-space culling (numpy).

Each capsule is only tested against the rays inside its projected bounding box, so a hand (about 25
capsules, each covering a small part of the image) costs a few thousand ray tests instead of rays x capsules.
Same geometry and conventions as :mod:`handtrack.synth.render` (the batched torch version for GPUs): rays
are (x/z, y/z, 1), hit parameters are depths in mm.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from handtrack.synth import kernels

_INF = np.float32(np.inf)


def _capsule_depth(rays: np.ndarray, a: np.ndarray, b: np.ndarray, r: float) -> np.ndarray:
    """(N, 3) rays -> (N,) nearest hit depth with the capsule a-b of radius r (inf on a miss)."""
    dd = np.einsum("ni,ni->n", rays, rays)
    best = np.full(len(rays), _INF, dtype=np.float32)
    for c in (a, b):  # the two end spheres
        dc = rays @ c
        disc = dc * dc - dd * (c @ c - r * r)
        t = (dc - np.sqrt(np.maximum(disc, 0))) / dd
        best = np.where((disc > 0) & (t > 0) & (t < best), t, best)
    axis = b - a
    length = float(np.linalg.norm(axis))
    if length > 1e-6:
        u = axis / length
        du = rays @ u
        au = a @ u
        qa = dd - du * du
        qb = -2.0 * (rays @ a - du * au)
        qc = a @ a - au * au - r * r
        disc = qb * qb - 4 * qa * qc
        t = (-qb - np.sqrt(np.maximum(disc, 0))) / (2 * np.maximum(qa, 1e-12))
        s = t * du - au
        ok = (disc > 0) & (t > 0) & (s >= 0) & (s <= length) & (t < best)
        best = np.where(ok, t, best)
    return best


def render_capsules_culled(rays: np.ndarray, a: np.ndarray, b: np.ndarray, radii: np.ndarray,
                           to_grid: Callable[[np.ndarray], np.ndarray], depth: np.ndarray | None = None,
                           use_kernels: bool = True) -> np.ndarray:
    """Depth (mm) of the nearest capsule along each ray of a grid.

    rays (H, W, 3) float32 with z = 1; a, b (K, 3) capsule ends (camera space, mm); radii (K,);
    to_grid: maps camera points (N, 3) to (N, 2) grid column/row coordinates (the camera projection, then
    whatever resampling the grid is). ``depth`` (H, W) is updated in place when given (e.g. a background).
    use_kernels: the compiled loop of :mod:`handtrack.synth.kernels` when numba is installed; False = the numpy
    reference.
    """
    h, w = rays.shape[:2]
    out = np.full((h, w), _INF, dtype=np.float32) if depth is None else depth
    # Conservative grid bounds of every capsule, all at once: each end sphere's centre +- its radius, seen at
    # the sphere's nearest depth.
    k_count = len(a)
    ends = np.concatenate([a, b]).astype(np.float64)  # (2K, 3)
    r2 = np.concatenate([radii, radii]).astype(np.float64)
    centre_px = to_grid(ends)
    dx = np.abs(to_grid(ends + np.column_stack([r2, 0 * r2, 0 * r2])) - centre_px).max(axis=-1)
    dy = np.abs(to_grid(ends + np.column_stack([0 * r2, r2, 0 * r2])) - centre_px).max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.maximum(dx, dy) * ends[:, 2] / (ends[:, 2] - r2) + 2.0
    lo = np.floor(np.minimum(centre_px[:k_count] - reach[:k_count, None], centre_px[k_count:] - reach[k_count:, None]))
    hi = np.ceil(np.maximum(centre_px[:k_count] + reach[:k_count, None], centre_px[k_count:] + reach[k_count:, None]))
    behind = (ends[:k_count, 2] <= radii) | (ends[k_count:, 2] <= radii)  # touching the camera: skip
    usable = ~behind & np.isfinite(lo).all(axis=1) & np.isfinite(hi).all(axis=1)
    windows = np.zeros((k_count, 4), dtype=np.int64)  # (r0, r1, c0, c1); empty for unusable capsules
    if usable.any():
        windows[usable, 0] = np.clip(lo[usable, 1], 0, h)
        windows[usable, 1] = np.clip(hi[usable, 1] + 1, 0, h)
        windows[usable, 2] = np.clip(lo[usable, 0], 0, w)
        windows[usable, 3] = np.clip(hi[usable, 0] + 1, 0, w)
    if kernels.capsule_windows_depth is not None and use_kernels:
        kernels.capsule_windows_depth(rays, a, b, radii.astype(np.float64), windows, out)
        return out
    for k in range(k_count):
        r0, r1, c0, c1 = (int(v) for v in windows[k])
        if c0 >= c1 or r0 >= r1:
            continue
        window = rays[r0:r1, c0:c1].reshape(-1, 3)
        r = float(radii[k])
        hits = _capsule_depth(window, a[k].astype(np.float32), b[k].astype(np.float32), r).reshape(r1 - r0, c1 - c0)
        np.minimum(out[r0:r1, c0:c1], hits, out=out[r0:r1, c0:c1])
    return out


def render_plane_np(rays: np.ndarray, normal: np.ndarray, offset: float) -> np.ndarray:
    """(H, W) depth of the plane n . p = offset (inf where it is behind the camera)."""
    denom = rays @ normal.astype(np.float32)
    with np.errstate(divide="ignore"):
        t = np.float32(offset) / denom
    return np.where((np.abs(denom) > 1e-9) & (t > 0), t, _INF).astype(np.float32)
