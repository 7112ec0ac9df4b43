"""Compiled per-pixel loops of the CPU generator (numba, when installed: the ``train`` extra).

The SDK-filter smoothing loop is sequential by nature (each pixel depends on the one before it).

The numpy versions in :mod:`handtrack.synth.raster` and :mod:`handtrack.synth.sensor` are the reference (and the
fallback without numba); these loops compute the same quantities pixel by pixel in float64 without building
temporaries, which makes the generator about twice as fast (``python benchmarks/bench_synth.py``). They agree
with the reference to rounding (tests/synth/test_kernels.py).
"""

from __future__ import annotations

import math

import numpy as np

try:
    from numba import njit
except ImportError:  # the numpy reference paths run instead
    njit = None


def _sphere_hit(dx: float, dy: float, dz: float, dd: float, cx: float, cy: float, cz: float, cc: float,
                best: float) -> float:
    """min(best, the nearest positive depth where the ray (dx, dy, dz), dd = |d|^2, meets the sphere around c
    with cc = |c|^2 - r^2)."""
    dc = dx * cx + dy * cy + dz * cz
    disc = dc * dc - dd * cc
    if disc > 0.0:
        t = (dc - math.sqrt(disc)) / dd
        if 0.0 < t < best:
            return t
    return best


def _capsule_windows_depth(rays: np.ndarray, a: np.ndarray, b: np.ndarray, radii: np.ndarray,
                           windows: np.ndarray, out: np.ndarray) -> None:
    """out (H, W) float32 <- min(out, nearest hit of capsule k over the pixels of windows[k] = (r0, r1, c0, c1)).

    rays (H, W, 3) float32; a, b (K, 3) capsule ends, mm; radii (K,) mm.
    """
    for k in range(len(windows)):
        r0, r1, c0, c1 = windows[k, 0], windows[k, 1], windows[k, 2], windows[k, 3]
        ax, ay, az = float(a[k, 0]), float(a[k, 1]), float(a[k, 2])
        bx, by, bz = float(b[k, 0]), float(b[k, 1]), float(b[k, 2])
        rr = float(radii[k]) * float(radii[k])
        cca = ax * ax + ay * ay + az * az - rr
        ccb = bx * bx + by * by + bz * bz - rr
        ex, ey, ez = bx - ax, by - ay, bz - az
        length = math.sqrt(ex * ex + ey * ey + ez * ez)
        ux, uy, uz = 0.0, 0.0, 0.0
        if length > 1e-6:
            ux, uy, uz = ex / length, ey / length, ez / length
        au = ax * ux + ay * uy + az * uz
        qc = ax * ax + ay * ay + az * az - au * au - rr
        for i in range(r0, r1):
            for j in range(c0, c1):
                dx, dy, dz = float(rays[i, j, 0]), float(rays[i, j, 1]), float(rays[i, j, 2])
                dd = dx * dx + dy * dy + dz * dz
                best = _sphere_hit(dx, dy, dz, dd, ax, ay, az, cca, math.inf)  # the two end spheres
                best = _sphere_hit(dx, dy, dz, dd, bx, by, bz, ccb, best)
                if length > 1e-6:  # the cylinder between them
                    du = dx * ux + dy * uy + dz * uz
                    qa = dd - du * du
                    qb = -2.0 * (dx * ax + dy * ay + dz * az - du * au)
                    disc = qb * qb - 4.0 * qa * qc
                    if disc > 0.0:
                        t = (-qb - math.sqrt(disc)) / (2.0 * max(qa, 1e-12))
                        s = t * du - au
                        if 0.0 < t < best and 0.0 <= s <= length:
                            best = t
                if best < out[i, j]:
                    out[i, j] = best


def _projector_shadow(z: np.ndarray, valid: np.ndarray, baseline_mm: float, fx_px: float,
                      max_width: int) -> np.ndarray:
    """(H, W) bool: valid pixels with a surface >= 20 mm nearer ``shift`` px to their right (1 <= shift <=
    max_width) whose shadow, baseline * fx * (1/z_near - 1/z), is at least ``shift`` px wide."""
    h, w = z.shape
    shadow = np.zeros((h, w), dtype=np.bool_)
    scale = baseline_mm * fx_px
    for i in range(h):
        for j in range(w):
            if not valid[i, j]:
                continue
            zj = float(z[i, j])
            for shift in range(1, min(max_width, w - 1 - j) + 1):
                if not valid[i, j + shift]:
                    continue
                near = float(z[i, j + shift])
                if near < zj - 20.0 and scale * (1.0 / near - 1.0 / zj) >= shift:
                    shadow[i, j] = True
                    break
    return shadow


def _edge_preserving_smooth(z: np.ndarray, alpha: float, delta_mm: float, iterations: int) -> None:
    """In place: the SDK's spatial filter as a recursive filter along rows, then columns, both directions:
    y[j] = alpha z[j] + (1 - alpha) y[j-1] where the pass's input pixels z[j] and z[j-1] are both valid (> 0) and
    differ by less than delta_mm, else y[j] = z[j]. The edge test reads the input, as the domain transform's
    recursive filter does (the SDK's loop compares with the already smoothed neighbour; the two differ only
    next to steps of about delta_mm), which keeps each pass a linear recurrence that a GPU solves in parallel
    (:func:`handtrack.synth.sensor_torch.edge_preserving_smooth`)."""
    h, w = z.shape
    for _ in range(iterations):
        for i in range(h):
            _recursive_line(z[i], alpha, delta_mm, 1)
            _recursive_line(z[i], alpha, delta_mm, -1)
        for j in range(w):
            _recursive_line(z[:, j], alpha, delta_mm, 1)
            _recursive_line(z[:, j], alpha, delta_mm, -1)


def _recursive_line(line: np.ndarray, alpha: float, delta_mm: float, direction: int) -> None:
    """In place, one pass of :func:`_edge_preserving_smooth` along ``line`` (forwards for direction 1)."""
    n = len(line)
    start, stop = (1, n) if direction > 0 else (n - 2, -1)
    raw_prev = line[start - direction]
    for j in range(start, stop, direction):
        raw = line[j]
        if raw > 0.0 and raw_prev > 0.0 and abs(raw - raw_prev) < delta_mm:
            line[j] = alpha * raw + (1.0 - alpha) * line[j - direction]
        raw_prev = raw


if njit is not None:
    _sphere_hit = njit(inline="always")(_sphere_hit)  # noqa: F811 - the loops below call the compiled one
    capsule_windows_depth = njit(cache=True, nogil=True)(_capsule_windows_depth)
    projector_shadow = njit(cache=True, nogil=True)(_projector_shadow)
    _recursive_line = njit(inline="always")(_recursive_line)  # noqa: F811 - called by the compiled loop below
    edge_preserving_smooth = njit(cache=True, nogil=True)(_edge_preserving_smooth)
else:
    capsule_windows_depth = None
    projector_shadow = None
    edge_preserving_smooth = None
