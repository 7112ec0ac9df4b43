"""Ray casting of capsule scenes in torch (CPU or GPU, batched).

A scene is a set of capsules (segment A->B with radius r) per batch item. Rays leave the camera centre along
d = (x/z, y/z, 1) (undistorted normalised pixel rays), so the ray parameter of a hit is its depth z in mm.
"""

from __future__ import annotations

import math

import torch


def nearest_capsule_depth(rays: torch.Tensor, a: torch.Tensor, b: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Depth (mm) of the nearest capsule surface along each ray, inf where nothing is hit.

    rays (B, P, 3); a, b (B, K, 3) segment ends in camera space, mm; radii (B, K) mm -> (B, P). One test per
    capsule: the infinite cylinder around the axis first (a ray that misses it misses the capsule), then, where
    its entry lies beyond an end of the segment, the sphere at that end. Written with broadcast arithmetic
    only, so that ``torch.compile`` fuses it into one pass over the (B, P, K) pairs with no temporaries."""
    dx, dy, dz = rays[..., 0, None], rays[..., 1, None], rays[..., 2, None]  # (B, P, 1)
    ax, ay, az = a[:, None, :, 0], a[:, None, :, 1], a[:, None, :, 2]  # (B, 1, K)
    ex, ey, ez = b[:, None, :, 0] - ax, b[:, None, :, 1] - ay, b[:, None, :, 2] - az  # the axis a -> b
    rr = (radii * radii)[:, None, :]
    axis2 = ex * ex + ey * ey + ez * ez
    aa = ax * ax + ay * ay + az * az
    bb = (ax + ex) ** 2 + (ay + ey) ** 2 + (az + ez) ** 2
    ea = ex * ax + ey * ay + ez * az
    dd = dx * dx + dy * dy + dz * dz  # (B, P, 1)
    da = dx * ax + dy * ay + dz * az  # (B, P, K)
    de = dx * ex + dy * ey + dz * ez
    # |t d - a|^2 |e|^2 - ((t d - a) . e)^2 = r^2 |e|^2  ->  qa t^2 + 2 qb t + qc = 0
    qa = axis2 * dd - de * de
    qb = ea * de - axis2 * da
    qc = axis2 * (aa - rr) - ea * ea
    h = qb * qb - qa * qc
    t = (-qb - torch.sqrt(h.clamp_min(0.0))) / qa.clamp_min(1e-12)
    along = t * de - ea  # the entry's position along the axis, times |e|
    body = (h > 0) & (t > 0) & (along >= 0) & (along <= axis2)
    before = along < 0  # beyond the a end: its sphere; else the b end's
    dc = torch.where(before, da, da + de)  # d . (sphere centre)
    hs = dc * dc - dd * (torch.where(before, aa, bb) - rr)
    ts = (dc - torch.sqrt(hs.clamp_min(0.0))) / dd
    cap = (h > 0) & (hs > 0) & (ts > 0)
    hit = torch.where(body, t, torch.where(cap, ts, torch.full_like(t, math.inf)))
    return hit.amin(dim=-1)


_compiled_nearest_capsule_depth = None


def render_capsules(rays: torch.Tensor, a: torch.Tensor, b: torch.Tensor, radii: torch.Tensor,
                    chunk: int = 8192, compiled: bool = False) -> torch.Tensor:
    """Depth (mm) of the nearest capsule surface along each ray, inf where nothing is hit.

    rays (B, P, 3) with z = 1; a, b (B, K, 3) segment ends in camera space, mm; radii (B, K) mm -> (B, P).
    Eager: ``chunk`` rays per pass, to bound the (B, chunk, K) temporaries. ``compiled``: all rays in one call of
    the ``torch.compile``-d test (compiled on first use, shapes dynamic), which keeps no temporaries.
    """
    global _compiled_nearest_capsule_depth
    if compiled:
        if _compiled_nearest_capsule_depth is None:
            _compiled_nearest_capsule_depth = torch.compile(nearest_capsule_depth, dynamic=True)
        return _compiled_nearest_capsule_depth(rays, a, b, radii)
    return torch.cat([nearest_capsule_depth(rays[:, start: start + chunk], a, b, radii)
                      for start in range(0, rays.shape[1], chunk)], dim=1)


def render_plane(rays: torch.Tensor, normal: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """Depth of the plane n . p = offset along each ray (inf behind the camera). normal (B, 3), offset (B,)."""
    denom = torch.einsum("bpi,bi->bp", rays, normal)
    t = offset[:, None] / denom
    return torch.where((denom.abs() > 1e-9) & (t > 0), t, torch.full_like(t, float("inf")))
