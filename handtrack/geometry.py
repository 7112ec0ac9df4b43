"""Camera geometry: vectorised project / deproject for every librealsense distortion model, and
depth image -> point cloud.

The formulas follow librealsense's documented projection model (doc/projection.md and rsutil) so that
results agree with ``pyrealsense2.rs2_project_point_to_pixel`` / ``rs2_deproject_pixel_to_point``; the
tests use those functions as the oracle. Iterative inverses use the SDK's own iteration counts so that they
stop where the SDK stops. Arrays are computed in the dtype of the input (float32 or float64).

Units: points are in whatever unit the depth is given in (this project uses millimetres); pixels are
pixel-centre coordinates (0, 0 = centre of the top-left pixel).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from handtrack.types import DistortionModel, Intrinsics

_FLT_EPSILON = np.float32(np.finfo(np.float32).eps)
_BROWN_ITERATIONS = 10  # the SDK's fixed iteration count for the Brown-Conrady inverses
_KB4_ITERATIONS = 4  # the SDK's Newton iteration count for the Kannala-Brandt inverse


def _float_array(a: np.ndarray) -> np.ndarray:
    arr = np.asarray(a)
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


def _brown_radial_tangential(
    x: np.ndarray, y: np.ndarray, k: tuple[float, ...], tangential_on_distorted: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Forward Brown-Conrady on normalised coordinates.

    tangential_on_distorted=True is librealsense's "modified" variant: the tangential terms are evaluated on
    the radially distorted point; False is classic Brown-Conrady (tangential terms on the undistorted point).
    """
    r2 = x * x + y * y
    f = 1 + k[0] * r2 + k[1] * r2 * r2 + k[4] * r2 * r2 * r2
    xf, yf = x * f, y * f
    tx, ty = (xf, yf) if tangential_on_distorted else (x, y)
    dx = xf + 2 * k[2] * tx * ty + k[3] * (r2 + 2 * tx * tx)
    dy = yf + 2 * k[3] * tx * ty + k[2] * (r2 + 2 * ty * ty)
    return dx, dy


def project_points_to_pixels(points: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Project camera-space points to pixels.

    points: (..., 3) x, y, z (any length unit, z > 0). Returns (..., 2) pixel column, row.
    """
    p = _float_array(points)
    x = p[..., 0] / p[..., 2]
    y = p[..., 1] / p[..., 2]
    k = intrinsics.coeffs
    model = intrinsics.model
    if model in (DistortionModel.MODIFIED_BROWN_CONRADY, DistortionModel.INVERSE_BROWN_CONRADY):
        x, y = _brown_radial_tangential(x, y, k, tangential_on_distorted=True)
    elif model == DistortionModel.BROWN_CONRADY:
        x, y = _brown_radial_tangential(x, y, k, tangential_on_distorted=False)
    elif model == DistortionModel.FTHETA:
        r = np.maximum(np.sqrt(x * x + y * y), _FLT_EPSILON)
        rd = (1.0 / k[0]) * np.arctan(2 * r * np.tan(k[0] / 2.0))
        x, y = x * rd / r, y * rd / r
    elif model == DistortionModel.KANNALA_BRANDT4:
        r = np.maximum(np.sqrt(x * x + y * y), _FLT_EPSILON)
        theta = np.arctan(r)
        t2 = theta * theta
        series = 1 + t2 * (k[0] + t2 * (k[1] + t2 * (k[2] + t2 * k[3])))
        x, y = x * theta * series / r, y * theta * series / r
    u = x * intrinsics.fx + intrinsics.ppx
    v = y * intrinsics.fy + intrinsics.ppy
    return np.stack([u, v], axis=-1).astype(p.dtype, copy=False)


def _undistort_normalised(x: np.ndarray, y: np.ndarray, intrinsics: Intrinsics) -> tuple[np.ndarray, np.ndarray]:
    """Map distorted normalised coordinates to undistorted ones, as the SDK's deprojection does."""
    k = intrinsics.coeffs
    model = intrinsics.model
    x0, y0 = x, y
    if model in (DistortionModel.INVERSE_BROWN_CONRADY, DistortionModel.BROWN_CONRADY):
        for _ in range(_BROWN_ITERATIONS):
            r2 = x * x + y * y
            icdist = 1 / (1 + ((k[4] * r2 + k[1]) * r2 + k[0]) * r2)
            # The inverse model evaluates the tangential terms on the re-distorted estimate.
            tx, ty = (x / icdist, y / icdist) if model == DistortionModel.INVERSE_BROWN_CONRADY else (x, y)
            delta_x = 2 * k[2] * tx * ty + k[3] * (r2 + 2 * tx * tx)
            delta_y = 2 * k[3] * tx * ty + k[2] * (r2 + 2 * ty * ty)
            x = (x0 - delta_x) * icdist
            y = (y0 - delta_y) * icdist
    elif model == DistortionModel.KANNALA_BRANDT4:
        rd = np.maximum(np.sqrt(x * x + y * y), _FLT_EPSILON)
        theta = rd.copy()
        active = np.ones_like(rd, dtype=bool)
        for _ in range(_KB4_ITERATIONS):
            t2 = theta * theta
            f = theta * (1 + t2 * (k[0] + t2 * (k[1] + t2 * (k[2] + t2 * k[3])))) - rd
            active &= np.abs(f) >= _FLT_EPSILON  # the SDK stops a point once it has converged
            df = 1 + t2 * (3 * k[0] + t2 * (5 * k[1] + t2 * (7 * k[2] + 9 * t2 * k[3])))
            theta = np.where(active, theta - f / df, theta)
        r = np.tan(theta)
        x, y = x * r / rd, y * r / rd
    elif model == DistortionModel.FTHETA:
        rd = np.maximum(np.sqrt(x * x + y * y), _FLT_EPSILON)
        r = np.tan(k[0] * rd) / np.arctan(2 * np.tan(k[0] / 2.0))
        x, y = x * r / rd, y * r / rd
    return x, y


def deproject_pixels_to_points(pixels: np.ndarray, depth: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Back-project pixels with known depth to camera-space points.

    pixels: (..., 2) column, row in pixels; depth: (...) z in any length unit. Returns (..., 3) in that unit.
    For ``modified_brown_conrady`` (a forward-only model) the SDK applies no undistortion; neither does this.
    """
    px = _float_array(pixels)
    z = np.asarray(depth, dtype=px.dtype)
    x = (px[..., 0] - intrinsics.ppx) / intrinsics.fx
    y = (px[..., 1] - intrinsics.ppy) / intrinsics.fy
    x, y = _undistort_normalised(x, y, intrinsics)
    return np.stack([z * x, z * y, z], axis=-1).astype(px.dtype, copy=False)


@lru_cache(maxsize=8)
def pixel_rays(intrinsics: Intrinsics) -> np.ndarray:
    """(H, W, 2) float32 undistorted normalised (x/z, y/z) for every pixel centre; cached per camera."""
    v, u = np.mgrid[0 : intrinsics.height, 0 : intrinsics.width].astype(np.float64)
    xyz = deproject_pixels_to_points(np.stack([u, v], axis=-1), np.ones_like(u), intrinsics)
    rays = xyz[..., :2].astype(np.float32)
    rays.setflags(write=False)
    return rays


def depth_to_points_mm(
    depth_raw: np.ndarray, depth_unit_mm: float, intrinsics: Intrinsics
) -> tuple[np.ndarray, np.ndarray]:
    """Point cloud of a depth image.

    depth_raw: (H, W) raw units, 0 = invalid. Returns (points (N, 3) float32 mm, pixels (N, 2) int32
    column/row of each point), valid pixels only, in row-major order.
    """
    if depth_raw.shape != (intrinsics.height, intrinsics.width):
        raise ValueError(f"depth image {depth_raw.shape[::-1]} does not match intrinsics {intrinsics.size}")
    rows, cols = np.nonzero(depth_raw)
    z = depth_raw[rows, cols].astype(np.float32) * np.float32(depth_unit_mm)
    rays = pixel_rays(intrinsics)[rows, cols]
    points = np.empty((z.size, 3), dtype=np.float32)
    points[:, 0] = rays[:, 0] * z
    points[:, 1] = rays[:, 1] * z
    points[:, 2] = z
    return points, np.stack([cols, rows], axis=-1).astype(np.int32)
