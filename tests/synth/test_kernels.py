"""The generator's compiled loops (numba) agree with the numpy reference they replace."""

import numpy as np
import pytest

pytest.importorskip("numba", reason="the compiled loops need numba (the train extra)")

from handtrack.geometry import pixel_rays, project_points_to_pixels  # noqa: E402
from handtrack.synth.generator import CropSampler  # noqa: E402
from handtrack.synth.raster import render_capsules_culled  # noqa: E402
from handtrack.synth.sensor import _projector_shadow  # noqa: E402
from handtrack.types import Intrinsics  # noqa: E402

INTR = Intrinsics(160, 120, 120.0, 120.0, 79.5, 59.5)


def _rays() -> np.ndarray:
    r = pixel_rays(INTR)
    return np.concatenate([r, np.ones(r.shape[:2] + (1,), np.float32)], axis=-1)


def test_compiled_capsule_rendering_matches_the_reference():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(30, 3)) * 50 + [0, 0, 420]
    b = a + rng.normal(size=(30, 3)) * 30
    b[0] = a[0]  # a sphere (zero-length capsule) too
    radii = rng.uniform(5, 15, 30)

    def project(points):
        return project_points_to_pixels(points, INTR)

    compiled = render_capsules_culled(_rays(), a, b, radii, project)
    reference = render_capsules_culled(_rays(), a, b, radii, project, use_kernels=False)
    hit = np.isfinite(reference)
    assert hit.sum() > 2000
    assert (np.isfinite(compiled) != hit).sum() <= 2  # a grazing ray may fall either way
    both = hit & np.isfinite(compiled)
    difference = np.abs(compiled[both] - reference[both])  # mm; the reference works in float32, the loop in
    assert np.percentile(difference, 99) < 0.02 and difference.max() < 0.5  # float64: grazing rays differ most


def test_compiled_projector_shadow_matches_the_reference():
    z = np.full((60, 80), 700.0, np.float32)
    z[20:40, 30:50] = 350.0  # a near block in front of a far wall
    z[:, 70:] = 0.0
    valid = z > 0
    compiled = _projector_shadow(z, valid, 25.0, 120.0)
    reference = _projector_shadow(z, valid, 25.0, 120.0, use_kernels=False)
    assert reference.sum() > 20  # the shadow strip left of the block
    assert np.array_equal(compiled, reference)


def test_samples_with_the_compiled_loops_match_the_reference_samples():
    fast, exact = CropSampler(7), CropSampler(7, reference=True)
    for index in range(6):
        f, e = fast.sample(index), exact.sample(index)
        np.testing.assert_allclose(f.joints_xyz_mm, e.joints_xyz_mm, atol=1e-3)  # the same scene (kinematics in numpy)
        # the localiser may move the centre by rounding; the crops differ little
        assert np.abs(f.joints_crop - e.joints_crop).max() < 0.01
        assert np.mean(np.abs(f.crop - e.crop) > 0.05) < 0.05
