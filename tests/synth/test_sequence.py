"""Synthetic hands over time (handtrack/synth/sequence.py)."""

import numpy as np

from handtrack.preprocess.refine import palm_centre_mm
from handtrack.synth.generator import SyntheticSource
from handtrack.synth.sequence import moving_frames


def test_a_moving_scene_starts_as_the_source_renders_it_and_moves_its_hand_at_a_constant_speed():
    source = SyntheticSource(3, seed=4, profile="sr305")
    frames = moving_frames(source, 2, 5, max_speed_mm=30.0, max_turn_deg=3.0)
    first = source.frame(2)
    np.testing.assert_array_equal(frames[0].depth, first.depth)  # the same scene, the same sensor noise
    np.testing.assert_allclose(frames[0].joints_xyz_mm, first.joints_xyz_mm, atol=1e-4)
    palms = np.array([palm_centre_mm(f.joints_xyz_mm) for f in frames])
    steps = np.diff(palms, axis=0)  # the palm turns about itself: it moves by the velocity alone
    np.testing.assert_allclose(steps, np.broadcast_to(steps[0], steps.shape), atol=1e-3)
    assert 0.0 < np.linalg.norm(steps[0]) <= 30.0
    # the hand turns: its shape about the palm differs from frame to frame, by at most 3 degrees per frame
    offsets = [f.joints_xyz_mm - palm for f, palm in zip(frames, palms)]
    cosine = np.sum(offsets[0] * offsets[1]) / (np.linalg.norm(offsets[0]) * np.linalg.norm(offsets[1]))
    assert np.degrees(np.arccos(min(1.0, cosine))) <= 3.0 + 1e-3
    assert not np.array_equal(frames[0].depth, frames[1].depth)
    again = moving_frames(source, 2, 5)
    assert all(np.array_equal(a.depth, b.depth) for a, b in zip(frames, again))  # seeded
