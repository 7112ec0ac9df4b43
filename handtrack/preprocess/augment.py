"""Training augmentation through the same warp as live cropping: rotation, scale and centre jitter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handtrack.preprocess.crop import CropTransform, make_crop_transform
from handtrack.preprocess.params import CropParams
from handtrack.types import Intrinsics


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges drawn uniformly per sample (paper: rotation in [-30, 30] degrees)."""

    max_rotation_deg: float = 30.0
    scale_range: tuple[float, float] = (0.9, 1.1)
    centre_jitter_mm: float = 8.0  # per axis, so that the network learns to live with localisation error


def augmented_transform(centre_xyz_mm: np.ndarray, intrinsics: Intrinsics, params: CropParams,
                        config: AugmentConfig, rng: np.random.Generator) -> CropTransform:
    """A randomly rotated, scaled and shifted crop around ``centre_xyz_mm`` (3,) mm.

    Joints map into it with :func:`~handtrack.preprocess.crop.image_uvd_to_crop` like any crop, so depth and
    labels stay consistent under every augmentation.
    """
    jitter = rng.uniform(-config.centre_jitter_mm, config.centre_jitter_mm, 3)
    return make_crop_transform(
        np.asarray(centre_xyz_mm, dtype=np.float64) + jitter, intrinsics, params,
        rotation_deg=float(rng.uniform(-config.max_rotation_deg, config.max_rotation_deg)),
        scale=float(rng.uniform(*config.scale_range)),
    )
