"""The normalised crop: one affine warp from the depth image to the network input, and its exact inverse.

Shapes and units: depth images are (H, W) raw units; crops are (S, S) float32 in the normalised units of
:mod:`handtrack.preprocess.params`; joints are (J, 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from handtrack.geometry import deproject_pixels_to_points, project_points_to_pixels
from handtrack.preprocess.params import CropParams
from handtrack.types import Intrinsics


@dataclass(frozen=True)
class CropTransform:
    """Where a crop came from.

    image_to_crop: (2, 3) affine mapping image pixel (u, v) to crop pixel (x, y) (pixel-centre convention).
    centre_uvz: (u_c px, v_c px, z_c mm) of the cube centre. cube_half_mm: the cube's half-size s (after
    scale augmentation). size: crop side in pixels.
    """

    image_to_crop: np.ndarray
    centre_uvz: tuple[float, float, float]
    cube_half_mm: float
    size: int

    @property
    def crop_to_image(self) -> np.ndarray:
        """(2, 3) inverse affine: crop pixel -> image pixel."""
        return cv2.invertAffineTransform(self.image_to_crop)

    def box_px(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) image-pixel bounds of the crop window (axis-aligned hull)."""
        s = self.size
        corners = np.array([[-0.5, -0.5], [s - 0.5, -0.5], [-0.5, s - 0.5], [s - 0.5, s - 0.5]])
        img = corners @ self.crop_to_image[:, :2].T + self.crop_to_image[:, 2]
        return (float(img[:, 0].min()), float(img[:, 1].min()), float(img[:, 0].max()), float(img[:, 1].max()))


def make_crop_transform(
    centre_xyz_mm: np.ndarray,
    intrinsics: Intrinsics,
    params: CropParams,
    rotation_deg: float = 0.0,
    scale: float = 1.0,
) -> CropTransform:
    """The warp for a cube centred on ``centre_xyz_mm`` (3,) camera space.

    The window is the projection of the cube's x/y extent at depth z_c: half-width s * fx / z_c and
    half-height s * |fy| / z_c pixels. ``rotation_deg`` rotates the window in the image plane about its centre
    and ``scale`` multiplies the cube size (window and depth range together): the training augmentations.
    """
    centre = np.asarray(centre_xyz_mm, dtype=np.float64)
    z_c = float(centre[2])
    if not z_c > 0:
        raise ValueError(f"crop centre must be in front of the camera, got z = {z_c} mm")
    u_c, v_c = project_points_to_pixels(centre, intrinsics)
    s = params.cube_half_mm * scale
    half_w = s * intrinsics.fx / z_c
    half_h = s * abs(intrinsics.fy) / z_c
    size = params.input_size
    # crop (x, y) = R(theta) * ((u - u_c) * size / (2 half_w), (v - v_c) * size / (2 half_h)) + (size - 1) / 2
    kx, ky = size / (2 * half_w), size / (2 * half_h)
    cos_t, sin_t = math.cos(math.radians(rotation_deg)), math.sin(math.radians(rotation_deg))
    linear = np.array([[cos_t * kx, -sin_t * ky], [sin_t * kx, cos_t * ky]])
    offset = np.array([(size - 1) / 2.0, (size - 1) / 2.0]) - linear @ np.array([u_c, v_c])
    matrix = np.hstack([linear, offset[:, None]])
    return CropTransform(matrix, (float(u_c), float(v_c), z_c), s, size)


def rotated_transform(transform: CropTransform, rotation_deg: float) -> CropTransform:
    """The same crop window turned by ``rotation_deg`` degrees about its centre, in the image plane (what
    ``make_crop_transform(..., rotation_deg=...)`` makes of the same centre); the depth range is unchanged. The
    tracker reads a hand's final crop turned this way as well and averages the readings (``HandTracker``'s
    ``rotations_deg``)."""
    cos_t, sin_t = math.cos(math.radians(rotation_deg)), math.sin(math.radians(rotation_deg))
    linear = np.array([[cos_t, -sin_t], [sin_t, cos_t]]) @ transform.image_to_crop[:, :2]
    u_c, v_c, _ = transform.centre_uvz
    offset = np.array([(transform.size - 1) / 2.0, (transform.size - 1) / 2.0]) - linear @ np.array([u_c, v_c])
    return CropTransform(np.hstack([linear, offset[:, None]]), transform.centre_uvz, transform.cube_half_mm,
                         transform.size)


def crop_depth(depth_raw: np.ndarray, depth_unit_mm: float, transform: CropTransform,
               params: CropParams) -> np.ndarray:
    """(S, S) float32 normalised crop of a raw depth image.

    Nearest-neighbour resampling of the raw image (never interpolates across a depth edge), then
    :func:`normalise_crop`.
    """
    size = transform.size
    warped = cv2.warpAffine(depth_raw, transform.image_to_crop, (size, size), flags=cv2.INTER_NEAREST,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return normalise_crop(warped, depth_unit_mm, transform, params)


def crop_source_pixels(transform: CropTransform) -> np.ndarray:
    """(S, S, 2) float image (u, v) of every crop pixel centre; rounded, these are the pixels crop_depth samples."""
    size = transform.size
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    inv = transform.crop_to_image
    u = inv[0, 0] * cols + inv[0, 1] * rows + inv[0, 2]
    v = inv[1, 0] * cols + inv[1, 1] * rows + inv[1, 2]
    return np.stack([u, v], axis=-1)


def window_within_image(transform: CropTransform, image_shape: tuple[int, int], margin_px: int = 2) -> bool:
    """Does the crop's window lie at least ``margin_px`` inside the (H, W) image on every side (so that nothing it
    holds comes from the image's edge)?"""
    left, top, right, bottom = transform.box_px()
    h, w = image_shape
    return left >= margin_px and top >= margin_px and right <= w - 1 - margin_px and bottom <= h - 1 - margin_px


def surface_reaches_image_edge(crop: np.ndarray, transform: CropTransform, image_shape: tuple[int, int],
                               params: CropParams, margin_px: int = 2) -> bool:
    """Does the surface a (S, S) crop holds (its pixels nearer than the background) come from within ``margin_px``
    of the edge of the (H, W) image it was cut from? A forearm whose hand has left the view always does. (No, at
    once, when the crop's window lies that far inside the image: :func:`window_within_image`.)"""
    if window_within_image(transform, image_shape, margin_px):
        return False
    surface = crop < params.background_value
    if not surface.any():
        return False
    uv = np.rint(crop_source_pixels(transform)[surface])
    h, w = image_shape
    return bool(np.any((uv[:, 0] < margin_px) | (uv[:, 0] > w - 1 - margin_px) | (uv[:, 1] < margin_px)
                       | (uv[:, 1] > h - 1 - margin_px)))


def normalise_crop(raw: np.ndarray, depth_unit_mm: float, transform: CropTransform, params: CropParams) -> np.ndarray:
    """(S, S) raw depth samples of the crop window -> the network's normalised crop.

    (z - z_c) / s inside [z_c - s, z_c + s), ``params.background_value`` elsewhere; with
    ``params.segment_jump_mm`` > 0 only the surface connected to the hand is kept.
    """
    z = raw.astype(np.float32) * np.float32(depth_unit_mm)
    z_c, s = transform.centre_uvz[2], transform.cube_half_mm
    normalised = (z - np.float32(z_c)) / np.float32(s)
    inside = (raw > 0) & (normalised >= -1.0) & (normalised < 1.0)
    if params.segment_jump_mm > 0:
        inside = _connected_to_centre(normalised, inside, params.segment_jump_mm / s)
    return np.where(inside, normalised, np.float32(params.background_value)).astype(np.float32)


@lru_cache(maxsize=4)
def _radial(size: int) -> np.ndarray:
    """(size, size) float32 squared distance from the crop centre, in units of a quarter crop."""
    r, c = np.mgrid[0:size, 0:size].astype(np.float32)
    centre = (size - 1) / 2.0
    return ((r - centre) ** 2 + (c - centre) ** 2) / np.float32((size / 4) ** 2)


#: a seed whose connected surface has fewer pixels than this is not the hand (a stereo camera's "flying pixel"
#: between two depth layers, a speck of noise): the next seed is tried, up to SEED_TRIES seeds
MIN_SEED_SURFACE_PX = 30
SEED_TRIES = 3


def seed_score(normalised: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """(S, S) float32: a seed's rank (lower first): distance from the crop centre in image position and depth
    together (the hand's visible surface lies slightly in front of the cube centre); inf off ``candidates``."""
    size = candidates.shape[-1]
    return np.where(candidates, _radial(size) + ((normalised + np.float32(0.1)) / np.float32(0.2)) ** 2,
                    np.float32(np.inf))


def _connected_to_centre(normalised: np.ndarray, inside: np.ndarray, jump: float) -> np.ndarray:
    """(S, S) bool: the in-cube pixels reachable from a seed near the crop centre without a depth step larger
    than ``jump`` (normalised units) between neighbours.

    The seed is the in-cube pixel closest to the centre in image position and depth together (:func:`seed_score`),
    so that a torso seen through a gap between the fingers does not become the seed. A seed whose surface has
    fewer than MIN_SEED_SURFACE_PX pixels is passed over for the best one outside that surface (a stereo camera's
    flying pixels at depth edges otherwise emptied about 2 % of synthetic D435 crops); after SEED_TRIES seeds
    the largest surface found is kept.
    """
    if not inside.any():
        return inside
    size = inside.shape[0]
    image = np.where(inside, normalised, np.float32(1e3)).astype(np.float32)  # outside: an impassable step
    score = seed_score(normalised, inside)
    best, best_px = inside, -1
    for _ in range(SEED_TRIES):
        row, col = np.unravel_index(int(np.argmin(score)), (size, size))
        mask = np.zeros((size + 2, size + 2), np.uint8)
        flags = 8 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
        cv2.floodFill(image, mask, (int(col), int(row)), 0, jump, jump, flags)
        surface = mask[1:-1, 1:-1].astype(bool) & inside
        px = int(np.count_nonzero(surface))
        if px >= MIN_SEED_SURFACE_PX:
            return surface
        if px > best_px:
            best, best_px = surface, px
        score[surface] = np.inf  # the next seed lies outside this speck
        if not np.isfinite(score).any():
            break
    return best


def hand_mask(crop: np.ndarray, params: CropParams) -> np.ndarray:
    """(S, S) bool: crop pixels that hold hand depth (everything but the background value)."""
    return crop < params.background_value


def image_uvd_to_crop(joints_uvd: np.ndarray, transform: CropTransform) -> np.ndarray:
    """(J, 3) image (u px, v px, z mm) -> crop-normalised (u, v in (-0.5, 0.5); d = (z - z_c) / s)."""
    uvd = np.asarray(joints_uvd, dtype=np.float64)
    m = transform.image_to_crop
    xy = uvd[:, :2] @ m[:, :2].T + m[:, 2]
    out = np.empty_like(uvd)
    out[:, :2] = (xy + 0.5) / transform.size - 0.5
    out[:, 2] = (uvd[:, 2] - transform.centre_uvz[2]) / transform.cube_half_mm
    return out


def crop_to_image_uvd(joints_crop: np.ndarray, transform: CropTransform) -> np.ndarray:
    """Inverse of :func:`image_uvd_to_crop`: (J, 3) crop-normalised -> image (u px, v px, z mm)."""
    crop = np.asarray(joints_crop, dtype=np.float64)
    xy = (crop[:, :2] + 0.5) * transform.size - 0.5
    inv = transform.crop_to_image
    out = np.empty_like(crop)
    out[:, :2] = xy @ inv[:, :2].T + inv[:, 2]
    out[:, 2] = transform.centre_uvz[2] + crop[:, 2] * transform.cube_half_mm
    return out


def crop_to_xyz_mm(joints_crop: np.ndarray, transform: CropTransform, intrinsics: Intrinsics) -> np.ndarray:
    """(J, 3) crop-normalised joints -> camera space millimetres."""
    uvd = crop_to_image_uvd(joints_crop, transform)
    return deproject_pixels_to_points(uvd[:, :2], uvd[:, 2], intrinsics)
