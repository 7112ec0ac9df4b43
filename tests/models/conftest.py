import numpy as np
import pytest

from handtrack.preprocess import CropParams, HandLocalizer, crop_depth, make_crop_transform
from handtrack.sources import open_source
from tests.conftest import shared_path


@pytest.fixture(scope="session")
def sr305_crops() -> np.ndarray:
    """(N, 1, 128, 128) real crops of the SR305 frames, made by the real localiser and crop."""
    params, localizer, crops = CropParams(), HandLocalizer(), []
    with open_source(shared_path("sr305-lada"), camera_profile="sr305") as source:
        for frame in list(source)[::3]:
            hand = localizer.locate(frame).hands[0]
            transform = make_crop_transform(hand.centre_xyz_mm, frame.intrinsics, params)
            crops.append(crop_depth(frame.depth, frame.depth_unit_mm, transform, params))
    return np.stack(crops)[:, None]
