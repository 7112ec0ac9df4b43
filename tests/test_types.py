import numpy as np
import pytest

from handtrack.errors import ProfileError
from handtrack.types import DistortionModel, Frame, Intrinsics


def test_intrinsics_round_trip_through_dict():
    intr = Intrinsics(640, 480, 390.4, 390.5, 331.4, 242.2, DistortionModel.BROWN_CONRADY,
                      (0.1, -0.2, 0.001, 0.002, 0.05))
    assert Intrinsics.from_dict(intr.to_dict()) == intr


def test_intrinsics_accepts_negative_fy_but_not_zero_focal():
    assert Intrinsics(640, 480, 588.03, -587.07, 320, 240).fy < 0
    with pytest.raises(ProfileError, match="non-zero"):
        Intrinsics(640, 480, 0.0, 500.0, 320, 240)


def test_intrinsics_rejects_bad_size_and_coefficient_count():
    with pytest.raises(ProfileError, match="positive image size"):
        Intrinsics(0, 480, 500, 500, 320, 240)
    with pytest.raises(ProfileError, match="5 distortion coefficients"):
        Intrinsics(640, 480, 500, 500, 320, 240, coeffs=(0.0, 0.0))  # type: ignore[arg-type]


def test_scaled_intrinsics_keep_the_pixel_centre_convention():
    intr = Intrinsics(640, 480, 400.0, 400.0, 319.5, 239.5)
    half = intr.scaled(320, 240)
    assert (half.fx, half.ppx, half.ppy) == (200.0, 159.5, 119.5)


def test_frame_depth_mm_applies_the_depth_unit():
    depth = np.array([[0, 8, 4000]], dtype=np.uint16)
    frame = Frame(depth, 0.125, Intrinsics(3, 1, 1, 1, 1, 0), 0.0, 0)
    np.testing.assert_array_equal(frame.depth_mm(), np.array([[0.0, 1.0, 500.0]], dtype=np.float32))


def test_a_frame_refuses_depth_that_is_not_raw_uint16_of_its_cameras_size():
    from handtrack.errors import FrameError

    intr = Intrinsics(64, 48, 50.0, 50.0, 32.0, 24.0)
    Frame(np.zeros((48, 64), np.uint16), 0.125, intr, 0.0, 0)  # what a frame holds
    cases = [
        (np.zeros((48, 64), np.float32), 1.0, "2-D float32 array"),  # millimetres as floats
        (np.zeros((48, 64, 3), np.uint16), 1.0, "3-D uint16 array"),
        ([[0] * 64] * 48, 1.0, "got list"),
        (np.zeros((24, 32), np.uint16), 1.0, "depth is 32x24, its intrinsics are 64x48"),
        (np.zeros((48, 64), np.uint16), 0.0, "depth_unit_mm must be positive"),
    ]
    for depth, unit, message in cases:
        with pytest.raises(FrameError, match=message):
            Frame(depth, unit, intr, 0.0, 7)
    with pytest.raises(ValueError):  # FrameError is a ValueError too
        Frame(np.zeros((48, 64), np.int32), 1.0, intr, 0.0, 0)


def test_the_tracker_takes_one_or_two_hands():
    from handtrack import HandTracker
    from handtrack.errors import HandtrackError

    with pytest.raises(HandtrackError, match="max_hands 3: 1 or 2"):
        HandTracker(max_hands=3)
    with pytest.raises(HandtrackError, match="max_hands 0"):
        HandTracker(max_hands=0)
