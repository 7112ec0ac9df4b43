"""From depth frame to network input: hand localisation (localize.py), the crop contract (params.py) and the
crop warp with its inverse (crop.py)."""

from handtrack.preprocess.crop import (
    CropTransform,
    crop_depth,
    crop_to_image_uvd,
    crop_to_xyz_mm,
    hand_mask,
    image_uvd_to_crop,
    make_crop_transform,
)
from handtrack.preprocess.localize import HandCandidate, HandLocalizer, Localization, LocalizerConfig
from handtrack.preprocess.params import CropParams

__all__ = [
    "CropParams", "CropTransform", "HandCandidate", "HandLocalizer", "Localization", "LocalizerConfig",
    "crop_depth", "crop_to_image_uvd", "crop_to_xyz_mm", "hand_mask", "image_uvd_to_crop", "make_crop_transform",
]
