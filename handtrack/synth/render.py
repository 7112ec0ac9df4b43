"""Ray casting of capsule scenes in torch (CPU or GPU, batched).

A scene is a set of capsules (segment A->B with radius r) per batch item. Rays leave the camera centre along
d = (x/z, y/z, 1) (undistorted normalised pixel rays), so the ray parameter of a hit is its depth z in mm.
"""

from __future__ import annotations

import torch


def _sphere_hits(rays: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Nearest positive hit depth of each ray with each sphere, inf for misses.

    rays (B, P, 3); centres (B, K, 3); radii (B, K) -> (B, P, K).
    """
    dd = (rays * rays).sum(-1, keepdim=True)  # (B, P, 1)
    dc = torch.einsum("bpi,bki->bpk", rays, centres)
    cc = (centres * centres).sum(-1)[:, None, :] - (radii * radii)[:, None, :]
    disc = dc * dc - dd * cc
    t = (dc - torch.sqrt(disc.clamp_min(0.0))) / dd
    return torch.where((disc > 0) & (t > 0), t, torch.full_like(t, float("inf")))


def _cylinder_hits(rays: torch.Tensor, a: torch.Tensor, b: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Nearest hit depth of each ray with each finite cylinder (axis a->b, no caps), inf for misses."""
    axis = b - a
    length = axis.norm(dim=-1).clamp_min(1e-6)  # (B, K)
    u = axis / length[..., None]
    du = torch.einsum("bpi,bki->bpk", rays, u)  # (B, P, K)
    au = (a * u).sum(-1)[:, None, :]  # (B, 1, K)
    dd = (rays * rays).sum(-1, keepdim=True)
    da = torch.einsum("bpi,bki->bpk", rays, a)
    aa = (a * a).sum(-1)[:, None, :]
    # |t d - a|^2 - ((t d - a).u)^2 = r^2  ->  qa t^2 + qb t + qc = 0
    qa = dd - du * du
    qb = -2.0 * (da - du * au)
    qc = aa - au * au - (radii * radii)[:, None, :]
    disc = qb * qb - 4.0 * qa * qc
    t = (-qb - torch.sqrt(disc.clamp_min(0.0))) / (2.0 * qa.clamp_min(1e-12))
    s = t * du - au  # position of the hit along the axis
    ok = (disc > 0) & (t > 0) & (s >= 0) & (s <= length[:, None, :])
    return torch.where(ok, t, torch.full_like(t, float("inf")))


def render_capsules(rays: torch.Tensor, a: torch.Tensor, b: torch.Tensor, radii: torch.Tensor,
                    chunk: int = 8192) -> torch.Tensor:
    """Depth (mm) of the nearest capsule surface along each ray, inf where nothing is hit.

    rays (B, P, 3) with z = 1; a, b (B, K, 3) segment ends in camera space, mm; radii (B, K) mm -> (B, P).
    """
    out = []
    for start in range(0, rays.shape[1], chunk):
        r = rays[:, start: start + chunk]
        hits = torch.minimum(_cylinder_hits(r, a, b, radii),
                             torch.minimum(_sphere_hits(r, a, radii), _sphere_hits(r, b, radii)))
        out.append(hits.min(dim=-1).values)
    return torch.cat(out, dim=1)


def render_plane(rays: torch.Tensor, normal: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """Depth of the plane n . p = offset along each ray (inf behind the camera). normal (B, 3), offset (B,)."""
    denom = torch.einsum("bpi,bi->bp", rays, normal)
    t = offset[:, None] / denom
    return torch.where((denom.abs() > 1e-9) & (t > 0), t, torch.full_like(t, float("inf")))
