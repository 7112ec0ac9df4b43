"""Hand localisation: where in the frame is the hand, and its 3D centre (DESIGN.md section 4).

On a subsampled image (about ``mm_per_px`` between samples at the nearest depth; the crop itself uses full
resolution):

1. keep depth within ``[near_mm, far_mm]``;
2. seed: the largest surface patch in the nearest ``seed_band_mm`` depth band (specks are skipped);
3. grow the seed's surface with a flood fill that stops at depth jumps (a hand in front of the body is cut
   off from the torso behind it), keep the part less than ``hand_band_mm`` behind its front and within
   ``reach_mm`` of the seed;
4. centre: 3D centre of mass of those points inside the cube, re-centred until it settles;
5. forearm: where the surface leaves the cube is the arm; points further than a hand length from the far
   (finger) end along that direction are dropped, and the centre is re-computed;
6. a hand if its area fits a hand (``min/max_hand_area_mm2``) and it crosses the cube's rim at most once and
   over at most ``max_boundary_coverage`` of it, and is not a flat surface larger than an open hand
   (``max_flat_hand_area_mm2``: a wall's piece cut off by the image's edge), and does not run along the image's
   edge for more than a hand's width (``max_edge_contact_mm``: a torso's top at the image's bottom edge);
   otherwise "no hand" with the reason, and the next candidate is tried. A surface too large or too wide that
   is flat (a wall, a desk: ``flat_share`` of it within 10 mm of a plane) is searched for a hand standing more
   than ``raised_mm`` in front of that plane (an arm resting on a desk joins the hand to it). No candidate
   behind a rejected wall (behind its plane when it is flat) or body is taken. A surface too small for a hand
   is joined with the pieces around it that depth jumps cut off (fingers curled in front of the palm) and
   judged again; one of at least ``min_side_hand_area_mm2`` (a hand seen side-on) is taken when no candidate
   passes; with still none, a last search seeds in a band ``hand_band_mm`` deep, on a patch holding some of
   the nearest ``seed_band_mm`` (a hand pointing at the camera spreads its front over more depth than the seed
   band, in pieces each too small);
7. the centre is moved ``surface_to_centre_mm`` behind the visible surface.

Tracking (``track``) looks for the nearest surface inside the previous hand's cube (grown by
``track_margin``) first and falls back to a fresh search. A body (not flat) found there is searched for a hand
touching it, standing in front of a smooth surface fitted to the body, within ``track_touching_reach_mm`` of the
previous hand, and a hand found within that reach may run along the image's edge for
``max_tracked_edge_contact_mm`` (a hand held close to the camera near the image's edge, its forearm crossing it at
a slant); a body or wall found there hides what lies behind it from the fresh search; a search there that
finds no hand claims nothing (the fresh search sees the whole frame). A fresh search takes no such patch (a head
on a torso stands out of it as a hand does): when it finds no hand it offers the patch at its seed, and the far
ends of the body's narrow parts (an arm held out from a torso, its hand level with it), as
``Localization.unconfirmed``, for the pose network to confirm (``HandTracker`` does) before tracking starts there.

Head-mounted cameras (``head_mounted=True``, a headset's view): the arm comes from below the camera towards it,
so the nearest surface is the forearm, not the hand. After step 3 the search moves to the surface's far end
(the point furthest from its nearest part: the fingers) and goes on from there; the whole arm belongs to that
hand (a second search does not take the rest of the arm for another hand).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from handtrack.geometry import pixel_rays, project_points_to_pixels
from handtrack.types import Frame, Intrinsics


@dataclass(frozen=True)
class LocalizerConfig:
    """Tunable localisation settings (millimetres unless named otherwise)."""

    near_mm: float = 150.0
    far_mm: float = 1500.0
    cube_half_mm: float = 150.0
    mm_per_px: float = 5.0  # working resolution: pixel spacing at the nearest depth (step between 2 and 8 px)
    seed_band_mm: float = 60.0  # depth band of the seed patch behind the nearest point
    hand_band_mm: float = 130.0  # the hand lies less than this behind its nearest surface
    reach_mm: float = 220.0  # the hand lies within this distance of the seed patch (stops drift along the arm)
    max_candidates: int = 4  # seeds tried, nearest first, before giving up
    track_margin: float = 1.5  # tracking searches the previous cube grown by this factor
    surface_to_centre_mm: float = 15.0  # the hand's middle lies this far behind its visible surface
    depth_jump_mm: float = 25.0  # neighbouring pixels further apart than this belong to different surfaces
    min_hand_area_mm2: float = 4000.0  # smaller: a fingertip-sized blob, noise, a hand mostly out of view
    min_side_hand_area_mm2: float = 2500.0  # a hand seen side-on shows 2,500-4,000: taken when nothing else is
    max_hand_area_mm2: float = 40000.0  # larger: a wall, a torso, a desk
    max_boundary_coverage: float = 0.3  # a surface crossing more of the cube's rim than this is a wall/body
    hand_length_mm: float = 200.0  # kept from the finger end when the forearm is cut
    flat_share: float = 0.9  # a rejected surface with this share within 10 mm of a plane is flat (wall, desk),
    raised_mm: float = 15.0  # and a hand may stand more than this in front of it
    max_flat_hand_area_mm2: float = 25000.0  # a flat surface larger than this is no hand (a wall's piece at the
    # image's edge, which the rim test does not see); open hands show about 18,000 mm^2 (docs/realism.md)
    track_touching_reach_mm: float = 100.0  # tracking: a hand touching a body is taken this near the previous one
    touching_seed_reach_mm: float = 100.0  # a patch raised from a rejected body is looked at as a hand touching it
    # when it comes this near the search's seed (30 mm before session 25 missed hands lying on a torso whose nearest
    # point is the forearm's; no more false hands on 419 synthetic torsos with a head: docs/ARCHITECTURE.md)
    branch_width_mm: float = 120.0  # a rejected body's parts narrower than this (an arm held out from it) are
    # searched at their far end for a hand, for the pose network to confirm (Localization.unconfirmed),
    min_branch_mm: float = 130.0  # when they reach this far from where they join it (shorter: a body's rounded edge)
    max_edge_contact_mm: float = 150.0  # a surface running longer than this along the image's edge is a body's
    # piece (the top of a torso seen at the image's bottom edge): a hand cut off there, or its arm, touches it
    # along at most 126 mm in 883 synthetic frames, the top of a torso along 142-312 mm (docs/ARCHITECTURE.md)
    max_tracked_edge_contact_mm: float = 200.0  # tracking: a hand found within track_touching_reach_mm of the
    # previous one may run along the image's edge this far, and a fresh search offers it for the network to confirm
    # (a hand held close to the camera near the image's bottom, its forearm crossing the edge at a slant, touches it
    # along 150-190 mm: docs/ARCHITECTURE.md)
    max_claim_contact_mm: float = 100.0  # a surface bordering, without a depth jump, one that a hand found before
    # claimed along more than this is the rest of that hand's body or wall, not a second hand (synthetic frames:
    # second hands 0-53 mm, torso pieces left beside the first hand's claim 155-322 mm; docs/ARCHITECTURE.md)
    claim_depth_mm: float = 150.0  # a found hand claims (from later searches: a second hand) its surface within
    # reach_mm + cube_half_mm of its centre; of what lies less than this behind the centre, only what connects to it
    refine_iterations: int = 6
    max_hands: int = 1
    head_mounted: bool = False  # the camera at the eyes: the hand is the far end of the arm (module docstring)


@dataclass
class HandCandidate:
    """A located hand: centre_xyz_mm (3,) camera space, centre_uvz (u px, v px, z mm), its visible area."""

    centre_xyz_mm: np.ndarray
    centre_uvz: tuple[float, float, float]
    area_mm2: float
    n_points: int
    forearm_cut: bool = False

    def project(self, intrinsics: Intrinsics) -> None:
        """Set ``centre_uvz`` from ``centre_xyz_mm`` (its pixel and depth in the camera ``intrinsics``)."""
        u, v = project_points_to_pixels(self.centre_xyz_mm, intrinsics)
        self.centre_uvz = (float(u), float(v), float(self.centre_xyz_mm[2]))


@dataclass
class Localization:
    """Result for one frame: hands found (nearest first) or, when none, the reason."""

    hands: list[HandCandidate] = field(default_factory=list)
    reason: str = ""
    #: with no hand found: what may be a hand on a body the search rejected, for the pose network to confirm
    #: (HandTracker does): a patch standing out of it (a hand touching a torso, but also a head on one, which
    #: geometry alone cannot tell apart), the far end of a narrow part (an arm held out, but also a neck)
    unconfirmed: list[HandCandidate] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.hands)


@dataclass
class _Grid:
    """The frame at working resolution: depth (h, w) mm, pixel rays (h, w, 2) and footprints. 3D points are
    made only for the pixels asked for (most of a frame is never needed as points)."""

    z: np.ndarray
    rays: np.ndarray  # (h, w, 2) x/z and y/z of each pixel
    area: np.ndarray  # (h, w) mm^2 of surface each pixel covers (facing the camera)

    def points(self, mask: np.ndarray) -> np.ndarray:
        """(N, 3) float32 camera-space points (mm) of the pixels in ``mask`` (h, w) bool."""
        z, rays = self.z[mask], self.rays[mask]
        out = np.empty((len(z), 3), dtype=np.float32)
        out[:, 0] = rays[:, 0] * z
        out[:, 1] = rays[:, 1] * z
        out[:, 2] = z
        return out

    def point(self, pixel: tuple[int, int]) -> np.ndarray:
        """(3,) float32 camera-space point (mm) of one (row, column) pixel."""
        z = self.z[pixel]
        return np.array([self.rays[pixel][0] * z, self.rays[pixel][1] * z, z], dtype=np.float32)


@lru_cache(maxsize=8)
def _strided_rays(intrinsics: Intrinsics, step: int) -> np.ndarray:
    """(h, w, 2) contiguous pixel rays at the working resolution, cached per camera."""
    return np.ascontiguousarray(pixel_rays(intrinsics)[::step, ::step])


def _working_step(frame: Frame, config: LocalizerConfig) -> int:
    """Subsampling step that gives about ``config.mm_per_px`` between samples at the nearest depth.

    A hand close to the camera covers many pixels and needs fewer of them; the nearest depth is estimated on
    a 16x subsample.
    """
    coarse = frame.depth[::16, ::16].astype(np.float32) * np.float32(frame.depth_unit_mm)
    coarse = coarse[(coarse >= config.near_mm) & (coarse <= config.far_mm)]
    if coarse.size == 0:
        return 4
    z_near = float(np.partition(coarse, min(2, coarse.size - 1))[min(2, coarse.size - 1)])
    return min(max(round(config.mm_per_px * abs(frame.intrinsics.fx) / z_near), 2), 8)


def _grid(frame: Frame, config: LocalizerConfig) -> _Grid:
    intr = frame.intrinsics
    step = _working_step(frame, config)
    raw = frame.depth[::step, ::step]
    z = raw.astype(np.float32) * np.float32(frame.depth_unit_mm)
    z[(z < config.near_mm) | (z > config.far_mm)] = 0.0
    area = z * z * np.float32(step * step / abs(intr.fx * intr.fy))
    return _Grid(z, _strided_rays(intr, step), area)


def _patch_areas(labels: np.ndarray, mask: np.ndarray, count: int, pixel_area: np.ndarray) -> np.ndarray:
    """(count,) mm^2 of each of the ``count`` labelled patches of ``mask`` (h, w) bool; the background's (label 0)
    is 0. pixel_area (h, w): mm^2 each pixel covers."""
    area = np.bincount(labels[mask], weights=pixel_area[mask], minlength=count)
    area[0] = 0.0
    return area


def _seed(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray,
          hand_deep: bool = False) -> tuple[tuple[int, int] | None, str]:
    """The largest surface patch (of at least a quarter-hand's area) in the nearest depth band: a pixel near
    its middle, or why there is none. ``hand_deep``: the band is a hand deep (``hand_band_mm``) and only patches
    holding some of its nearest ``seed_band_mm`` count (a hand pointing at the camera, whose front pieces in the
    thin band are each too small)."""
    valid = (grid.z > 0) & ~excluded
    if not valid.any():
        return None, f"no depth between {config.near_mm:.0f} and {config.far_mm:.0f} mm"
    z = np.where(valid, grid.z, np.inf)
    for _ in range(8):
        z_min = float(z.min())
        if not np.isfinite(z_min):
            break
        front = z < z_min + config.seed_band_mm
        band = z < z_min + config.hand_band_mm if hand_deep else front
        count, labels, stats, centroids = cv2.connectedComponentsWithStats(band.astype(np.uint8), connectivity=8)
        area = _patch_areas(labels, band, count, grid.area)
        if hand_deep:
            area[np.setdiff1d(np.arange(count), labels[front])] = 0.0
        label = int(np.argmax(area))
        # Of the patches in the nearest band, the largest: a hand beats a sliver at the image border.
        if area[label] >= config.min_hand_area_mm2 * 0.25:
            x, y, w, h = stats[label, :4]
            rows, cols = np.nonzero(labels[y : y + h, x : x + w] == label)
            # Seed on the patch pixel nearest its centroid: the nearest pixel may be an isolated outlier.
            cx, cy = centroids[label] - (x, y)
            i = int(np.argmin((rows - cy) ** 2 + (cols - cx) ** 2))
            return (int(rows[i] + y), int(cols[i] + x)), ""
        z[front] = np.inf  # only speckles at this depth: look behind them
    return None, "blob too small for a hand: only small patches in range (noise, a fingertip)"


def _grow(grid: _Grid, seed: tuple[int, int], config: LocalizerConfig, excluded: np.ndarray) -> np.ndarray:
    """(h, w) bool: the surface connected to ``seed`` without depth jumps."""
    z = np.where(excluded, 0.0, grid.z).astype(np.float32)
    h, w = z.shape
    mask = np.zeros((h + 2, w + 2), np.uint8)
    # Zero depth (invalid) differs from any valid neighbour by more than the jump, so the fill never enters it.
    flags = 8 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
    cv2.floodFill(z, mask, (seed[1], seed[0]), 0, config.depth_jump_mm, config.depth_jump_mm, flags)
    return mask[1:-1, 1:-1].astype(bool) & (z > 0)


def _hand_end(grid: _Grid, grown: np.ndarray, config: LocalizerConfig) -> tuple[tuple[int, int], np.ndarray]:
    """Head-mounted view: the (row, column) pixel of the grown surface furthest in 3D from its nearest part (the
    arm comes towards the camera; its far end is the hand), and the part of ``grown`` within reach of it."""
    rows, cols = np.nonzero(grown)
    points = grid.points(grown)
    near = points[:, 2] < points[:, 2].min() + config.seed_band_mm
    entry = points[near].mean(axis=0)
    far = int(np.argmax(np.linalg.norm(points - entry, axis=1)))
    local = np.zeros_like(grown)
    local[rows, cols] = np.linalg.norm(points - points[far], axis=1) < config.reach_mm + config.cube_half_mm
    return (int(rows[far]), int(cols[far])), local


def _within_band(region: np.ndarray, z: np.ndarray, seed: tuple[int, int], band_mm: float) -> np.ndarray:
    """The part of ``region`` less than ``band_mm`` behind its front, connected to ``seed``.

    Cuts the arm where it recedes towards the body, and the body itself, off the hand.
    """
    front = float(z[region].min())
    sliced = (region & (z < front + band_mm)).astype(np.uint8)
    sliced[seed] = 1
    _, labels = cv2.connectedComponents(sliced, connectivity=8)
    return labels == labels[seed]


def _edge_contact_mm(region: np.ndarray, pts_area: np.ndarray, keep: np.ndarray) -> float:
    """Length (mm) along which the points ``keep`` (over the pixels of ``region`` (h, w) bool; ``pts_area``: their
    mm^2) lie on the image's outermost rows and columns: each such pixel counts its footprint's side."""
    edge = np.zeros(region.shape, dtype=bool)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    return float(np.sqrt(pts_area[edge[region] & keep]).sum())


def _edge_limit_mm(config: LocalizerConfig, centre_xyz_mm: np.ndarray, tracked_xyz_mm: np.ndarray | None) -> float:
    """How far (mm) a hand centred at ``centre_xyz_mm`` may run along the image's edge: further when it continues
    the tracked hand ``tracked_xyz_mm`` (within ``track_touching_reach_mm``): that hand came into the view, or was
    held close to the camera, with its forearm crossing the edge at a slant, while a body's top at the image's
    edge found afresh would otherwise pass for a hand."""
    if tracked_xyz_mm is not None and float(np.linalg.norm(centre_xyz_mm - tracked_xyz_mm)) < \
            config.track_touching_reach_mm:
        return config.max_tracked_edge_contact_mm
    return config.max_edge_contact_mm


def _claim_contact_mm(grid: _Grid, region: np.ndarray, keep: np.ndarray, excluded: np.ndarray,
                      config: LocalizerConfig) -> float:
    """Length (mm) along which the points ``keep`` (over the pixels of ``region``) border a surface an earlier
    search claimed (``excluded``) without a depth jump: a piece of a body whose rest went with a hand found
    before, not a hand of its own. Each such pixel counts its footprint's side."""
    if not excluded.any():
        return 0.0
    kept = np.zeros_like(region)
    kept[region] = keep
    z = grid.z
    touching = np.zeros_like(region)
    for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        other_z = np.roll(z, (dr, dc), axis=(0, 1))
        other_claimed = np.roll(excluded, (dr, dc), axis=(0, 1))
        touching |= other_claimed & (other_z > 0) & (np.abs(other_z - z) < config.depth_jump_mm)
    touching &= kept
    touching[[0, -1], :] = False
    touching[:, [0, -1]] = False
    return float(np.sqrt(grid.area[touching]).sum())


def _cube_offset(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """(N,) largest per-axis distance (mm) of points (N, 3) from ``centre`` (3,): inside the cube of half-size
    s around it where it is below s."""
    d = np.abs(points - centre.astype(points.dtype))
    return np.maximum(np.maximum(d[:, 0], d[:, 1]), d[:, 2])  # several times faster than d.max(axis=-1)


def _in_cube(points: np.ndarray, centre: np.ndarray, half: float) -> np.ndarray:
    """(N,) bool: points (N, 3) inside the axis-aligned cube of half-size ``half`` around ``centre`` (3,)."""
    return _cube_offset(points, centre) < half


def _refine(points: np.ndarray, start: np.ndarray, config: LocalizerConfig) -> np.ndarray:
    """Re-centre the cube on the points inside it until it settles; returns the centre (3,).

    The iterations use at most about 2,000 evenly spread points (a close hand has many more).
    """
    points = points[:: max(1, len(points) // 2000)]
    centre = start.astype(np.float32)
    inside = _in_cube(points, centre, config.cube_half_mm)
    for _ in range(config.refine_iterations):
        if not inside.any():
            break
        chosen = points[inside]
        new = chosen.sum(axis=0) / np.float32(len(chosen))  # the mean, without np.mean's overhead
        if np.linalg.norm(new - centre) < 1.0:
            centre = new
            break
        centre = new
        inside = _in_cube(points, centre, config.cube_half_mm)
    return centre


def _cut_forearm(points: np.ndarray, centre: np.ndarray, offset: np.ndarray, inside: np.ndarray,
                 config: LocalizerConfig) -> tuple[np.ndarray, bool]:
    """Drop forearm points: where the surface leaves the cube is the arm; keep one hand length from the far end.

    offset: :func:`_cube_offset` of the points. Returns (keep mask over ``points``, whether a cut was made).
    """
    s = config.cube_half_mm
    exit_ring = (offset >= s) & (offset < s + 40.0)
    if exit_ring.sum() < 3 or not inside.any():
        return inside, False
    direction = points[exit_ring].mean(axis=0) - centre
    norm = float(np.linalg.norm(direction))
    if norm < 1e-6:
        return inside, False
    direction /= norm
    along = (points - centre) @ direction
    finger_end = float(along[inside].min())
    keep = inside & (along <= finger_end + config.hand_length_mm)
    return keep, bool((inside & ~keep).any())


def _rim_crossings(points: np.ndarray, centre: np.ndarray, offset: np.ndarray, near: np.ndarray, half: float,
                   bins: int = 16, min_points: int = 3) -> tuple[float, int]:
    """Where the surface crosses the cube's rim, seen in the image plane around the centre.

    offset: :func:`_cube_offset` of the points; near: (N,) bool, the points to consider. Returns (fraction of
    directions crossed, number of separate crossings). A hand crosses only where its arm leaves, once; a wall
    or a slanted strip of wall crosses wide or on opposite sides. A direction counts with at least
    ``min_points`` samples there: a pointing fingertip a few millimetres past the rim is no crossing.
    """
    ring = near & (offset >= half) & (offset < half + 40.0) & (np.abs(points[:, 2] - centre[2]) < half)
    if not ring.any():
        return 0.0, 0
    d = points[ring, :2] - centre[:2]
    angles = np.floor((np.arctan2(d[:, 1], d[:, 0]) + np.pi) / (2 * np.pi) * bins).astype(int) % bins
    occupied = np.bincount(angles, minlength=bins) >= min_points
    runs = int(np.sum(occupied & ~np.roll(occupied, 1))) or int(occupied.all())
    return float(occupied.mean()), runs


@dataclass
class _Attempt:
    """One search: the hand, or why not. ``claimed()``: the pixels later searches skip. ``wall_depth_mm``: set
    when the surface found was too big for a hand (nothing behind it, or behind ``wall_plane`` when it is flat, is
    taken for a hand: :func:`_behind_a_wall`). ``exhausted``: nothing is left to search. ``too_small``: the
    surface was too small for a hand; ``small_hand``: it as a hand, when it is large enough for one seen side-on."""

    hand: HandCandidate | None
    claimed: Callable[[], np.ndarray]  # deferred: only a further search needs it
    reason: str = ""
    wall_depth_mm: float | None = None
    wall_plane: tuple[np.ndarray, np.ndarray] | None = None  # (a point, unit normal towards the camera) of a flat wall
    exhausted: bool = False
    too_small: bool = False
    small_hand: HandCandidate | None = None  # a last resort (HandLocalizer.locate)
    # a fresh search's body: what on it may be a hand, worked out only when no hand is found (unconfirmed)
    offered: Callable[[], list[HandCandidate]] | None = None


def _locate_one(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray,
                start_xyz: np.ndarray | None, hand_deep: bool = False) -> _Attempt:
    """Search one hand from the nearest unclaimed surface, or from ``start_xyz`` when tracking; a flat surface
    rejected as a wall is searched for a hand raised from it (:func:`_raised_from_wall`), and a surface too small
    for a hand is joined with the pieces around it (:func:`_joined_fragments`). ``hand_deep``: seeded in a band a
    hand deep (:func:`_seed`)."""
    allowed = excluded
    if start_xyz is not None:  # tracking: look for the nearest surface inside the previous cube (grown for motion)
        previous = np.asarray(start_xyz, dtype=np.float64)
        near_previous = np.zeros_like(excluded)
        valid = grid.z > 0
        near_previous[valid] = _in_cube(grid.points(valid), previous, config.cube_half_mm * config.track_margin)
        allowed = excluded | ~near_previous
    seed, reason = _seed(grid, config, allowed, hand_deep)
    if seed is None:
        if start_xyz is not None:
            return _Attempt(None, lambda: excluded, "lost the previous hand")
        return _Attempt(None, lambda: excluded, reason, exhausted=True)
    grown = _grow(grid, seed, config, excluded)
    grown[seed] = grid.z[seed] > 0
    if config.head_mounted and grown.any():
        # the depth band would cut the hand off the arm that comes towards the camera; reach does the cutting
        seed, region = _hand_end(grid, grown, config)
    else:
        region = _within_band(grown, grid.z, seed, config.hand_band_mm)
    attempt = _judge(grid, config, excluded, seed, grown, region,
                     None if start_xyz is None else np.asarray(start_xyz, dtype=np.float32))
    if attempt.wall_depth_mm is not None and not config.head_mounted:
        points = grid.points(grown)
        plane = _fit_plane(points)
        if plane is None or plane[2] < config.flat_share:  # not flat: a body
            if start_xyz is None:  # a hand on it is only a candidate: a head on a torso passes as one too
                judged = attempt.offered  # what the judge offered itself (a hand along the image's edge)

                def offered(grown: np.ndarray = grown, points: np.ndarray = points,
                            seed: tuple[int, int] = seed) -> list[HandCandidate]:
                    touching = _raised_from_body(grid, config, excluded, grown, points, seed)
                    hands = [touching.hand] if touching is not None and touching.hand is not None else []
                    return (judged() if judged else []) + hands + _branch_ends(grid, config, excluded, grown)

                attempt.offered = offered
                return attempt
            # tracking: the previous hand was here, so a hand touching the body (its arm joins them) is looked for
            touching = _raised_from_body(grid, config, excluded, grown, points, seed)
            near = touching is not None and touching.hand is not None and float(
                np.linalg.norm(touching.hand.centre_xyz_mm - start_xyz)) < config.track_touching_reach_mm
            return touching if near else attempt
        attempt.wall_plane = plane[:2]
        return _raised_from_wall(grid, config, excluded, grown, points, plane) or attempt
    if attempt.too_small and not config.head_mounted:
        joined = _joined_fragments(grid, config, excluded, seed, region)
        if joined.sum() > region.sum():
            retry = _judge(grid, config, excluded, seed, joined | grown, joined)
            if retry.hand is not None or retry.small_hand is not None:
                return retry
    return attempt


def _joined_fragments(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray, seed: tuple[int, int],
                      region: np.ndarray) -> np.ndarray:
    """(h, w) bool: ``region`` with the surface pieces around it that a hand can be cut into. Fingers curled in
    front of the palm (a pinch, a victory sign) stand more than ``depth_jump_mm`` off it, so the depth-jump
    growth splits the hand into pieces each too small for a hand. Joined here: every unclaimed pixel less than
    ``hand_band_mm`` behind the region's front and within ``reach_mm`` of the seed in 3D, connected in the image
    to the seed whatever the depth jumps (a small object joined to a body this way makes a surface too large for
    a hand, which is then rejected)."""
    z = np.where(excluded, 0.0, grid.z)
    near = (z > 0) & (z < float(grid.z[region].min()) + config.hand_band_mm)
    within = region.copy()
    within[near] |= np.linalg.norm(grid.points(near) - grid.point(seed), axis=-1) < config.reach_mm
    _, labels = cv2.connectedComponents(within.astype(np.uint8), connectivity=8)
    return labels == labels[seed]


def _fit_plane(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """A least-squares plane through (N, 3) points (mm), refitted to those within 10 mm of it (a hand on a wall is a
    small part): (centroid (3,), unit normal (3,) towards the camera, share of the points within 10 mm of it);
    None when too few points lie near any plane."""
    sample = points[:: max(1, len(points) // 3000)].astype(np.float64)
    on_plane = np.ones(len(sample), dtype=bool)
    for _ in range(3):
        if on_plane.sum() < 3:
            return None
        centroid = sample[on_plane].mean(axis=0)
        normal = np.linalg.svd(sample[on_plane] - centroid, full_matrices=False)[2][2]
        normal = -normal if normal @ centroid > 0 else normal  # towards the camera
        on_plane = np.abs((sample - centroid) @ normal) < 10.0
    if on_plane.sum() < 3:
        return None
    return centroid, normal, float(on_plane.mean())


def _fit_quadric(points: np.ndarray) -> np.ndarray | None:
    """Coefficients (6,) of the smooth surface z = c0 + c1 x + c2 y + c3 x^2 + c4 x y + c5 y^2 (x, y in
    decimetres, z in mm) fitted to (N, 3) points (mm) and refitted to those within 60, 30, 15, then 10 mm of it (a
    hand on a torso is a small part of it); None when too few points lie near it."""
    sample = points[:: max(1, len(points) // 3000)].astype(np.float64)
    design = _quadric_terms(sample)
    near = np.ones(len(sample), dtype=bool)
    coefficients = None
    for tolerance in (60.0, 30.0, 15.0, 10.0):
        if near.sum() < 12:
            return None
        chosen = design[near]  # least squares by the normal equations: 6 x 6, several times faster than lstsq
        try:
            coefficients = np.linalg.solve(chosen.T @ chosen, chosen.T @ sample[near, 2])
        except np.linalg.LinAlgError:  # the points lie on a line: no surface
            return None
        near = np.abs(sample[:, 2] - design @ coefficients) < tolerance
    return coefficients


def _quadric_terms(points: np.ndarray) -> np.ndarray:
    """(N, 6) terms 1, x, y, x^2, x y, y^2 of (N, 3) points (mm), x and y in decimetres."""
    x, y = points[:, 0] / 100.0, points[:, 1] / 100.0
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)


def _raised_from_body(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray, body: np.ndarray,
                      points: np.ndarray, seed: tuple[int, int]) -> _Attempt | None:
    """A hand touching a body (not flat: a torso) that the search rejected with it: of the patches standing more
    than ``raised_mm`` in front of a smooth surface fitted to the body (:func:`_fit_quadric`; ``points``:
    ``grid.points(body)``) that come within ``touching_seed_reach_mm`` of the search's seed (the nearest surface),
    the nearest that passes as a hand, or when none passes alone, all of them together (the fit's surface can cut
    a hand lying on the body in two: its fingers and its palm). On its own it also finds a head on a torso: taken
    when tracking (see :func:`_locate_one`), otherwise only a candidate for the pose network to confirm
    (``Localization.unconfirmed``)."""
    coefficients = _fit_quadric(points)
    if coefficients is None:
        return None
    raise_mm = np.zeros(body.shape, dtype=np.float32)
    raise_mm[body] = _quadric_terms(points.astype(np.float64)) @ coefficients - points[:, 2]
    raised = body & (raise_mm > config.raised_mm)
    if not raised.any():
        return None
    count, labels = cv2.connectedComponents(raised.astype(np.uint8), connectivity=8)
    seed_xyz = grid.point(seed)
    near = sorted((float(np.min(np.linalg.norm(grid.points(labels == label) - seed_xyz, axis=1))), label)
                  for label in range(1, count))
    near_labels = [label for distance, label in near if distance <= config.touching_seed_reach_mm]
    for label in near_labels:
        attempt = _patch_as_hand(grid, config, excluded, labels == label)
        if attempt is not None:
            return attempt
    return _patch_as_hand(grid, config, excluded, np.isin(labels, near_labels)) if len(near_labels) > 1 else None


def _branch_ends(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray, body: np.ndarray,
                 ) -> list[HandCandidate]:
    """Hands at the far ends of a rejected body's narrow parts (an arm held out from a torso, its hand level with
    it: no depth jump parts them): the body (h, w) bool is opened with a disc ``branch_width_mm`` wide (at its
    depth), and of the two largest parts that removes, each that touches the rest and reaches ``min_branch_mm`` from
    where it joins is judged as a hand within a hand's length of its point furthest from there, or, when that is no
    hand (a hand touching the body's side, its arm running away), as a whole. Candidates only: the end of a neck, a
    shoulder's edge may pass too (:attr:`Localization.unconfirmed`)."""
    side_mm = float(np.sqrt(np.median(grid.area[body])))  # a working pixel's side at the body's depth
    size = max(3, int(round(config.branch_width_mm / side_mm)) | 1)
    core = cv2.morphologyEx(body.astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))).astype(bool)
    if not core.any():
        return []
    narrow = body & ~core
    count, labels = cv2.connectedComponents(narrow.astype(np.uint8), connectivity=8)
    areas = _patch_areas(labels, narrow, count, grid.area)
    joins = cv2.dilate(core.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    hands = []
    for label in np.argsort(-areas)[:2]:
        part = labels == label
        if areas[label] < config.min_hand_area_mm2 or not (part & joins).any():
            continue
        points = grid.points(part)
        reach = np.linalg.norm(points - grid.points(part & joins).mean(axis=0), axis=1)
        end = int(np.argmax(reach))
        if reach[end] < config.min_branch_mm:
            continue
        rows, cols = np.nonzero(part)
        hand = np.zeros_like(part)
        hand[rows, cols] = np.linalg.norm(points - points[end], axis=1) < config.hand_length_mm
        attempt = _judge(grid, config, excluded, (int(rows[end]), int(cols[end])), hand, hand)
        if attempt.hand is None:  # the part's far end is an arm's (a hand touching the body's side, its arm running
            attempt = _patch_as_hand(grid, config, excluded, part) or attempt  # away): the whole part, as a patch
        if attempt.hand is not None:
            hands.append(attempt.hand)
    return hands


def _patch_as_hand(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray, patch: np.ndarray) -> _Attempt | None:
    """``patch`` (h, w) bool, a piece standing out of a rejected surface, judged as a hand from its nearest pixel;
    None when it does not pass."""
    rows, cols = np.nonzero(patch)
    nearest = int(np.argmin(grid.z[rows, cols]))
    attempt = _judge(grid, config, excluded, (int(rows[nearest]), int(cols[nearest])), patch, patch)
    return attempt if attempt.hand is not None else None


def _raised_from_wall(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray, wall: np.ndarray,
                      points: np.ndarray, plane: tuple[np.ndarray, np.ndarray, float]) -> _Attempt | None:
    """A hand on a flat surface rejected as a wall (its arm resting on a desk or against a wall joins it to
    the surface without a depth jump): the largest patch standing more than ``raised_mm`` in front of the plane
    that fits the surface (``points``: ``grid.points(wall)``; ``plane``: :func:`_fit_plane` of them), if it passes
    as a hand. None when nothing passes."""
    centroid, normal, _ = plane
    raised = np.zeros_like(wall)
    raised[wall] = (points - centroid.astype(np.float32)) @ normal.astype(np.float32) > config.raised_mm
    count, labels = cv2.connectedComponents(raised.astype(np.uint8), connectivity=8)
    if count < 2:
        return None
    patch = labels == int(np.argmax(_patch_areas(labels, raised, count, grid.area)))
    return _patch_as_hand(grid, config, excluded, patch)


def _judge(grid: _Grid, config: LocalizerConfig, excluded: np.ndarray, seed: tuple[int, int], grown: np.ndarray,
           region: np.ndarray, tracked_xyz_mm: np.ndarray | None = None) -> _Attempt:
    """Centre, forearm cut and the hand tests (area, walls) of the surface ``region`` found from ``seed``;
    ``grown``: all of the surface it belongs to (the part near the centre is what later searches skip).
    ``tracked_xyz_mm``: the previous frame's hand, when tracking (a hand near it may run further along the image's
    edge)."""
    pts = grid.points(region)
    anchor = grid.point(seed)
    start = anchor + np.array([0.0, 0.0, config.cube_half_mm * 0.5], dtype=np.float32)
    from_anchor = np.linalg.norm(pts - anchor, axis=-1)
    reachable = from_anchor < config.reach_mm
    centre = _refine(pts[reachable], start, config)
    offset = _cube_offset(pts, centre)
    inside_all = (offset < config.cube_half_mm) & reachable
    pts_area = grid.area[region]  # (N,) mm^2 per point
    cube_area = float(pts_area[inside_all].sum())  # everything the cube holds, forearm included: a wall fills it
    keep, cut = _cut_forearm(pts, centre, offset, inside_all, config)
    if cut and keep.any():
        centre = _refine(pts[keep], pts[keep].mean(axis=0), config)
        offset = _cube_offset(pts, centre)
        inside_all = (offset < config.cube_half_mm) & reachable
        keep, _ = _cut_forearm(pts, centre, offset, inside_all, config)
    area = float(pts_area[keep].sum())

    def claimed(centre: np.ndarray = centre) -> np.ndarray:  # later searches (a second hand) skip this surface
        if config.head_mounted:  # the whole arm, which runs on out of the view
            return excluded | grown
        near = np.zeros_like(grown)  # near this hand, its arm included
        near[grown] = np.linalg.norm(grid.points(grown) - centre, axis=-1) < config.reach_mm + config.cube_half_mm
        # but of what lies in front of the background, only what connects to this hand: a second hand whose arm
        # reaches into the same wall or body (so joined to this one only through it) stays free
        front = near & (grid.z < centre[2] + config.claim_depth_mm)
        _, labels = cv2.connectedComponents(front.astype(np.uint8), connectivity=8)
        own = np.zeros_like(grown)
        own[region] = keep
        own_labels = np.unique(labels[own & front])
        if not len(own_labels):
            return excluded | near
        return excluded | (near & ~front) | np.isin(labels, own_labels)

    def candidate() -> HandCandidate:
        # The visible points lie on the hand's front surface; its middle is about half a palm's thickness behind.
        middle = centre * np.float32(1.0 + config.surface_to_centre_mm / float(centre[2]))
        return HandCandidate(middle, (0.0, 0.0, float(middle[2])), area, int(keep.sum()), cut)

    where = f"at {centre[2]:.0f} mm"
    if area < config.min_hand_area_mm2:
        return _Attempt(None, claimed, f"blob too small for a hand {where} ({area:.0f} mm^2)", too_small=True,
                        small_hand=candidate() if area >= config.min_side_hand_area_mm2 else None)
    z_c = float(centre[2])
    if cube_area > config.max_hand_area_mm2:
        return _Attempt(None, claimed, f"surface too large for a hand {where} ({cube_area:.0f} mm^2 in the cube): "
                        "a wall or a body?", wall_depth_mm=z_c)
    coverage, crossings = _rim_crossings(pts, centre, offset, from_anchor < config.reach_mm + 60.0,
                                         config.cube_half_mm)
    if coverage > config.max_boundary_coverage or crossings > 1:
        return _Attempt(None, claimed, f"surface too wide for a hand {where} (crosses the cube's rim {crossings} "
                        f"times, over {coverage:.0%} of it): a wall or a body?", wall_depth_mm=z_c)
    contact = _edge_contact_mm(region, pts_area, keep)
    if contact > _edge_limit_mm(config, centre, tracked_xyz_mm):
        # as far along the edge as a tracked hand may run (a hand held close, its forearm along the image's bottom
        # edge): a fresh search offers it for the pose network to confirm, as it offers a hand on a body
        offer = [candidate()] if tracked_xyz_mm is None and contact <= config.max_tracked_edge_contact_mm else []
        return _Attempt(None, claimed, f"surface runs along the image's edge {where} ({contact:.0f} mm of it): a body "
                        "cut off by the image's edge?", wall_depth_mm=z_c, offered=(lambda: offer) if offer else None)
    contact = _claim_contact_mm(grid, region, keep, excluded, config)
    if contact > config.max_claim_contact_mm:
        return _Attempt(None, claimed, f"surface runs along a hand's surface found before {where} ({contact:.0f} mm "
                        "of it): the rest of its body?")
    if area > config.max_flat_hand_area_mm2:  # larger than an open hand's visible surface: flat means a wall's piece
        plane = _fit_plane(pts[keep])
        if plane is not None and plane[2] >= config.flat_share:
            return _Attempt(None, claimed, f"flat surface too large for a hand {where} ({area:.0f} mm^2): a wall "
                            "cut off by the image's edge?", wall_depth_mm=z_c)
    return _Attempt(candidate(), claimed)


def _behind_a_wall(hand: HandCandidate, walls: list[_Attempt]) -> bool:
    """Does the hand lie behind one of the rejected ``walls``: behind the plane of a flat one (a slanted wall's near
    side may be nearer than a hand in front of its far side), deeper than the nearest point of any other?"""
    for wall in walls:
        if wall.wall_plane is not None:
            point, normal = wall.wall_plane
            if float((hand.centre_xyz_mm - point) @ normal) < 0.0:
                return True
        elif wall.wall_depth_mm is not None and hand.centre_xyz_mm[2] > wall.wall_depth_mm:
            return True
    return False


def _offered_by_bodies(bodies: list[_Attempt], walls: list[_Attempt]) -> list[HandCandidate]:
    """What the rejected ``bodies`` offer as hands (their ``offered``: a patch standing out of one, the end of an arm
    held out from one) that lies behind no other rejected wall or body: candidates for the pose network to
    confirm."""
    found = []
    for body in bodies:
        assert body.offered is not None
        others = [w for w in walls if w is not body]
        found += [hand for hand in body.offered() if not _behind_a_wall(hand, others)]
    return found


def reason_kind(reason: str) -> str:
    """The kind of a "no hand" reason, without its figures: "surface too wide for a hand at 416 mm (crosses the
    cube's rim 2 times, ...): a wall or a body?" -> "surface too wide for a hand" (for counting frames by why)."""
    return re.split(r" at \d| \(|: ", reason, maxsplit=1)[0].strip() or "no hand found"


class HandLocalizer:
    """Finds up to ``config.max_hands`` hands per frame; ``track`` reuses the previous frame's hands."""

    def __init__(self, config: LocalizerConfig | None = None) -> None:
        self.config = config or LocalizerConfig()
        self._previous: list[np.ndarray] = []

    def locate(self, frame: Frame, previous: list[np.ndarray] | None = None) -> Localization:
        """Hands in ``frame``, nearest first; ``previous`` centres (mm) seed the search when given.

        Candidates are tried nearest first; one that is no hand (too small, too large, a wall) is set aside
        and the next one tried, up to ``config.max_candidates``. With none found, the first reason is given.
        """
        config = self.config
        grid = _grid(frame, config)
        excluded = np.zeros(grid.z.shape, dtype=bool)
        hands: list[HandCandidate] = []
        reasons: list[str] = []
        walls: list[_Attempt] = []  # a hand is never behind a wall or body the search already rejected
        starts: list[np.ndarray | None] = list(previous or [])
        claimed: Callable[[], np.ndarray] | None = None
        side_on: list[HandCandidate] = []  # too small for a hand seen from the front: taken when nothing else is
        bodies: list[_Attempt] = []  # rejected bodies of fresh searches, with what on them may be a hand
        for attempt in range(config.max_candidates + len(starts)):
            if len(hands) >= config.max_hands:
                break
            if claimed is not None:  # the previous search's surface, worked out only now that another search needs it
                excluded = claimed()
            start = starts[attempt] if attempt < len(starts) else None
            attempt_result = _locate_one(grid, config, excluded, start)
            hand, claimed = attempt_result.hand, attempt_result.claimed
            if attempt_result.small_hand is not None:
                side_on.append(attempt_result.small_hand)
            if hand is None:
                if attempt_result.wall_depth_mm is not None:  # also one found where the previous hand was
                    walls.append(attempt_result)
                if attempt_result.offered is not None:
                    bodies.append(attempt_result)
                if start is None:
                    reasons.append(attempt_result.reason)
                    if attempt_result.exhausted:
                        break
                else:  # the fresh search that follows sees the whole frame: a speck where the hand was claims none
                    claimed = None
                continue
            if _behind_a_wall(hand, walls):
                continue
            if any(np.linalg.norm(hand.centre_xyz_mm - h.centre_xyz_mm) < config.cube_half_mm for h in hands):
                continue
            hands.append(hand)
        if not hands:
            side_on = [h for h in side_on if not _behind_a_wall(h, walls)]
            hands = [max(side_on, key=lambda h: h.area_mm2)] if side_on else []
        if not hands and not config.head_mounted:
            # a hand pointing at the camera, or cut by the image's edge, can spread its front over more depth than
            # the seed band, in pieces each too small for a seed: a last search seeds in a band a hand deep
            deep = _locate_one(grid, config, np.zeros(grid.z.shape, dtype=bool), None, hand_deep=True)
            found = deep.hand or deep.small_hand
            if found is not None and not _behind_a_wall(found, walls):
                hands = [found]
        unconfirmed = [] if hands else _offered_by_bodies(bodies, walls)
        for hand in hands + unconfirmed:
            hand.project(frame.intrinsics)
        return Localization(hands, "" if hands else (reasons[0] if reasons else "no hand found"), unconfirmed)

    def track(self, frame: Frame) -> Localization:
        """Like :meth:`locate`, seeded with the hands of the previous call; forgets them when lost."""
        result = self.locate(frame, self._previous)
        self._previous = [h.centre_xyz_mm for h in result.hands]
        return result

    def follow(self, centres_xyz_mm: list[np.ndarray]) -> None:
        """Track these hands from the next frame on (centres, mm): hands that something other than this localiser
        found, such as a patch of a body that the pose network confirmed as a hand (``Localization.unconfirmed``)."""
        self._previous = [np.asarray(c, dtype=np.float32) for c in centres_xyz_mm]

    @property
    def tracking(self) -> bool:
        """Did the previous :meth:`track` call find hands (so that the next one follows them)?"""
        return bool(self._previous)

    def reset(self) -> None:
        self._previous = []
