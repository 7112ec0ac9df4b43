import numpy as np
import pytest

from handtrack.geometry import pixel_rays, project_points_to_pixels
from handtrack.synth.raster import render_capsules_culled, render_plane_np
from handtrack.synth.sensor import SensorModel, apply_sensor
from handtrack.types import Intrinsics

INTR = Intrinsics(160, 120, 120.0, 120.0, 79.5, 59.5)


def _rays() -> np.ndarray:
    r = pixel_rays(INTR)
    return np.concatenate([r, np.ones(r.shape[:2] + (1,), np.float32)], axis=-1)


def _project(points: np.ndarray) -> np.ndarray:
    return project_points_to_pixels(points, INTR)


def test_sphere_and_cylinder_depths_are_exact():
    rays = _rays()
    centre = np.array([[0.0, 0.0, 500.0]])
    depth = render_capsules_culled(rays, centre, centre, np.array([40.0]), _project)
    assert depth[59:61, 79:81].min() == pytest.approx(460.0, abs=0.5)  # the sphere's front
    xyz = rays * depth[..., None]
    hit = np.isfinite(depth)
    np.testing.assert_allclose(np.linalg.norm(xyz[hit] - centre[0], axis=-1), 40.0, atol=0.05)
    cyl = render_capsules_culled(rays, np.array([[-200.0, 0.0, 600.0]]), np.array([[200.0, 0.0, 600.0]]),
                                 np.array([25.0]), _project)
    row = cyl[60]
    assert np.all(np.isfinite(row[45:115])) and not np.isfinite(row[:35]).any()  # x = +-200 mm at 600 mm
    np.testing.assert_allclose(np.hypot(rays[60, 45:115, 1] * row[45:115], row[45:115] - 600.0), 25.0, atol=0.05)


def test_culled_renderer_matches_the_batched_torch_renderer():
    torch = pytest.importorskip("torch", reason="the batched renderer uses PyTorch")
    from handtrack.synth.render import render_capsules

    rng = np.random.default_rng(0)
    a = rng.normal(size=(20, 3)) * 40 + [0, 0, 450]
    b = a + rng.normal(size=(20, 3)) * 25
    radii = rng.uniform(6, 14, 20)
    rays = _rays()
    ours = render_capsules_culled(rays, a, b, radii, _project)
    ref = render_capsules(torch.from_numpy(rays.reshape(1, -1, 3)), torch.tensor(a[None], dtype=torch.float32),
                          torch.tensor(b[None], dtype=torch.float32),
                          torch.tensor(radii[None], dtype=torch.float32)).numpy().reshape(ours.shape)
    assert np.array_equal(np.isfinite(ours), np.isfinite(ref))
    finite = np.isfinite(ref)
    assert finite.sum() > 500 and np.abs(ours[finite] - ref[finite]).max() < 0.2


def test_plane_depth():
    depth = render_plane_np(_rays(), np.array([0.0, 0.0, -1.0]), -800.0)
    np.testing.assert_allclose(depth, 800.0, rtol=1e-6)


def test_sensor_noise_grows_with_depth_squared_and_is_quantised():
    rng = np.random.default_rng(1)
    model = SensorModel(sigma_mm_at_1m=4.0, edge_dropout=0.0, hole_fraction=0.0)
    for z, expected in ((1000.0, 4.0), (500.0, 1.0)):
        raw = apply_sensor(np.full((120, 160), z, np.float32), model, 0.125, 120.0, rng)
        mm = raw * 0.125
        assert np.std(mm) == pytest.approx(expected, rel=0.1)
        assert np.allclose(mm / 0.125, np.round(mm / 0.125))


def test_coded_light_shadow_falls_beside_the_hand_on_the_background():
    depth = np.full((120, 160), 800.0, np.float32)
    depth[40:80, 60:100] = 400.0  # a "hand" in front of a wall
    model = SensorModel(sigma_mm_at_1m=0.0, edge_dropout=0.0, hole_fraction=0.0, shadow_baseline_mm=25.0)
    raw = apply_sensor(depth, model, 1.0, 120.0, np.random.default_rng(2))
    width = int(25.0 * 120.0 * (1 / 400 - 1 / 800))  # 3 px
    assert np.all(raw[45:75, 60 - width: 60] == 0)  # shadowed wall just left of the hand
    assert np.all(raw[45:75, 100:110] > 0) and np.all(raw[45:75, 62:98] > 0)  # lit wall right; the hand itself


def test_sdk_post_processing_smooths_surfaces_keeps_edges_and_fills_holes():
    from handtrack.synth.sensor import sdk_post_process

    rng = np.random.default_rng(4)
    z = np.full((60, 80), 800.0, np.float32)
    z[:, 40:] = 500.0  # a near surface beside a far one: a 300 mm edge
    noisy = z + rng.normal(0, 2.0, z.shape).astype(np.float32)
    holes = np.zeros(z.shape, bool)
    holes[10:13, 10:13] = holes[30, 60] = True
    noisy[holes] = 0.0
    out = sdk_post_process(noisy, holes, SensorModel(sdk_filter_share=1.0, sdk_hole_fill=True))
    left, right = out[:, 5:35], out[:, 45:75]
    assert left.std() < 0.5 * noisy[:, 5:35][~holes[:, 5:35]].std()  # smoother
    assert abs(float(np.median(left)) - 800.0) < 1.0 and abs(float(np.median(right)) - 500.0) < 1.0
    assert out[:, 39].min() > 780.0 and out[:, 40].max() < 520.0  # no blur across the edge
    assert (out[holes] > 0).all()  # holes filled with a neighbour's depth
    assert abs(float(out[11, 11]) - 800.0) < 10.0 and abs(float(out[30, 60]) - 500.0) < 10.0
    unfilled = sdk_post_process(noisy, holes, SensorModel(sdk_filter_share=1.0))  # smoothing only (SR305)
    surface = ~holes[:, 5:35]
    assert (unfilled[holes] == 0).all()
    assert unfilled[:, 5:35][surface].std() < 0.5 * noisy[:, 5:35][surface].std()

