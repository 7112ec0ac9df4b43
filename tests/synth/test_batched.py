"""The batched torch path of the training crops agrees with the CPU sampler."""

import shutil
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the batched renderer uses PyTorch")

from handtrack.preprocess.crop import _connected_to_centre  # noqa: E402
from handtrack.synth import kernels  # noqa: E402
from handtrack.synth.batched import BatchedCropRenderer, connected_to_centre, pack_job  # noqa: E402
from handtrack.synth.generator import CropSampler  # noqa: E402
from handtrack.synth.sensor import SensorModel, _projector_shadow, apply_sensor  # noqa: E402
from handtrack.synth.sensor_torch import apply_sensor_torch, edge_preserving_smooth, projector_shadow  # noqa: E402

QUIET = SensorModel(0.0, edge_dropout=0.0, hole_fraction=0.0)


def _packed(sampler: CropSampler, indices: range, sensor: SensorModel) -> dict:
    packs = [pack_job(sampler.job(i), sensor, sampler.profile.intrinsics) for i in indices]
    return {k: torch.stack([p[k] for p in packs]) for k in packs[0]}


def _renderer(sampler: CropSampler, sensor: SensorModel) -> BatchedCropRenderer:
    return BatchedCropRenderer(sampler.profile.intrinsics, sampler.profile.depth_unit_mm, sensor, sampler.params,
                               torch.device("cpu"))


def test_without_noise_batched_crops_equal_the_cpu_samplers():
    sampler = CropSampler(3)
    sampler.sensor = QUIET
    batched = _renderer(sampler, QUIET)(_packed(sampler, range(6), QUIET))[:, 0].numpy()
    for i in range(6):
        cpu = sampler.sample(i)
        assert np.mean(cpu.crop < 1.0) > 0.02  # a hand is there
        differ = np.abs(batched[i] - cpu.crop) > 2e-3  # beyond one depth unit (0.125 mm / 150 mm)
        assert differ.sum() <= 3, (i, differ.sum())  # float32 against float64 at grazing rays only


def test_packed_jobs_carry_the_cpu_samplers_joints():
    sampler = CropSampler(5)
    packed = _packed(sampler, range(3), sampler.sensor)
    for i in range(3):
        np.testing.assert_array_equal(packed["joints"][i].numpy(), sampler.sample(i).joints_crop)


def _block_scene() -> np.ndarray:
    """(2, 120, 160) depth, mm: a wall at 700 mm with a block at 400 mm in front of it."""
    depth = np.full((2, 120, 160), 700.0, np.float32)
    depth[:, 30:90, 50:110] = 400.0
    return depth


def test_torch_sensor_has_the_numpy_sensors_statistics():
    model = replace(SensorModel.for_family("coded_light", 5.0), sdk_filter_share=0.0)
    depth = _block_scene()
    rng = np.random.default_rng(0)
    reference = np.stack([apply_sensor(d, model, 0.125, 120.0, rng) for d in np.repeat(depth, 10, 0)]) * 0.125
    ours = apply_sensor_torch(torch.from_numpy(np.repeat(depth, 10, 0)), model, 0.125, torch.full((20,), 120.0),
                              torch.zeros(20, dtype=torch.bool), torch.Generator().manual_seed(0)).numpy()
    wall, block = (slice(None), slice(95, 115), slice(10, 40)), (slice(None), slice(40, 80), slice(60, 100))
    for name, region, expected in (("wall", wall, 5.0 * 0.49), ("block", block, 5.0 * 0.16)):
        std_ref = reference[region][reference[region] > 0].std()
        std_ours = ours[region][ours[region] > 0].std()
        assert std_ours == pytest.approx(expected, rel=0.1) and std_ref == pytest.approx(expected, rel=0.1), name
    holey = replace(model, hole_fraction=0.3)  # (the smooth random field's low tail: fewer holes than 30 %)
    reference_holes = np.stack([apply_sensor(d, holey, 0.125, 120.0, rng) for d in np.repeat(depth, 20, 0)])
    ours_holes = apply_sensor_torch(torch.from_numpy(np.repeat(depth, 20, 0)), holey, 0.125, torch.full((40,), 120.0),
                                    torch.zeros(40, dtype=torch.bool), torch.Generator().manual_seed(0)).numpy()
    hole_ref, hole_ours = np.mean(reference_holes[block] == 0), np.mean(ours_holes[block] == 0)
    assert 0.05 < hole_ours < 0.3 and abs(hole_ours - hole_ref) < 0.04
    edge = (slice(None), slice(31, 89), 50)  # the block's left column: a silhouette edge
    assert np.mean(ours[edge] == 0) == pytest.approx(model.edge_dropout, abs=0.1)
    # the wall just left of the block is in the shadow: 25 mm * 120 px * (1/400 - 1/700) = 3.2 px wide
    shadow, lit = (slice(None), slice(35, 85), slice(47, 50)), (slice(None), slice(35, 85), 45)
    assert np.all(ours[shadow] == 0) and np.all(reference[shadow] == 0)
    assert np.mean(ours[lit] == 0) < 0.05


def test_torch_projector_shadow_equals_the_reference():
    z = np.full((60, 80), 700.0, np.float32)
    z[20:40, 30:50] = 350.0
    z[:, 70:] = 0.0
    valid = z > 0
    ours = projector_shadow(torch.from_numpy(z)[None], torch.from_numpy(valid)[None], 25.0, torch.tensor([120.0]))
    reference = _projector_shadow(z, valid, 25.0, 120.0, use_kernels=False)
    assert reference.sum() > 20 and np.array_equal(ours[0].numpy(), reference)


def test_stereo_sensor_makes_flying_pixels_between_near_and_far():
    model = replace(SensorModel.for_family("stereo", 2.0), edge_dropout=0.0, hole_fraction=0.0)
    out = apply_sensor_torch(torch.from_numpy(_block_scene()), model, 1.0, torch.full((2,), 120.0),
                             torch.zeros(2, dtype=torch.bool), torch.Generator().manual_seed(1)).numpy()
    between = (out > 420) & (out < 680)
    assert 5 < between.sum() < 400  # some edge pixels only


def test_torch_spatial_filter_equals_the_sequential_loop():
    rng = np.random.default_rng(2)
    z = (500 + rng.normal(0, 3, (3, 40, 50))).astype(np.float32)
    z[:, 10:20, 10:30] -= 100.0  # a step the filter must keep
    z[rng.random(z.shape) < 0.05] = 0.0  # holes it must leave alone
    ours = edge_preserving_smooth(torch.from_numpy(z), 0.5, 20.0, 2).numpy()
    smooth = kernels.edge_preserving_smooth or kernels._edge_preserving_smooth
    for i in range(3):
        reference = z[i].copy()
        smooth(reference, 0.5, 20.0, 2)
        np.testing.assert_allclose(ours[i], reference, atol=1e-3)
    patch, before = ours[:, 25:35, 35:45], z[:, 25:35, 35:45]
    assert patch[patch > 0].std() < before[before > 0].std() / 2  # smoothed


def test_spatial_filter_tests_edges_on_the_pass_input():
    # 100 -> 115 is smoothed to 107.5; the next step, 115 -> 133, is below the 20 mm threshold in the input
    # though 25.5 mm from the smoothed neighbour: it is smoothed too (the domain transform's rule)
    line = np.array([[[100.0, 115.0, 133.0]]], np.float32)
    expected = [106.9375, 113.875, 120.25]  # forwards 100, 107.5, 120.25; then backwards
    ours = edge_preserving_smooth(torch.from_numpy(line), 0.5, 20.0, 1)[0, 0].numpy()
    np.testing.assert_allclose(ours, expected, atol=1e-4)
    sequential = line[0].copy()
    (kernels.edge_preserving_smooth or kernels._edge_preserving_smooth)(sequential, 0.5, 20.0, 1)
    np.testing.assert_allclose(sequential[0], expected, atol=1e-4)


def test_torch_segmentation_follows_a_long_winding_path_as_opencv_does():
    size = 64
    normalised = np.zeros((size, size), np.float32)
    inside = np.zeros((size, size), bool)
    for row in range(2, size - 2, 4):  # a serpentine one pixel wide: rows joined at alternate ends
        inside[row, 2:size - 2] = True
        end = size - 3 if (row // 4) % 2 == 0 else 2
        inside[row:row + 4, end] = row + 4 < size - 2
    normalised[inside] = np.linspace(-0.02, 0.02, inside.sum())  # a slow ramp: every step passable
    normalised[42, 10] += 0.5  # one step too far: the path beyond it is cut off
    inside[30:34, 30:34] = True  # a block touching the path
    ours = connected_to_centre(torch.from_numpy(normalised)[None], torch.from_numpy(inside)[None], 0.05)
    reference = _connected_to_centre(normalised, inside, 0.05)
    assert reference.sum() > 200
    assert np.array_equal(ours[0].numpy(), reference)


def test_torch_segmentation_equals_opencvs_flood_fill():
    rng = np.random.default_rng(3)
    size = 48
    for trial in range(6):
        normalised = rng.uniform(-0.3, 0.3, (size, size)).astype(np.float32)
        normalised[:, size // 2 + trial:] += rng.uniform(0.1, 0.6)  # a step somewhere right of the centre
        inside = rng.random((size, size)) > 0.15
        jump = 0.2
        ours = connected_to_centre(torch.from_numpy(normalised)[None], torch.from_numpy(inside)[None], jump)
        assert np.array_equal(ours[0].numpy(), _connected_to_centre(normalised, inside, jump)), trial


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                    reason="torch.compile on a CPU needs a C++ compiler")
def test_compiled_ray_casting_equals_the_eager_one():
    sampler = CropSampler(5)
    jobs = _packed(sampler, range(3), QUIET)
    eager = _renderer(sampler, QUIET).depth_mm(jobs)
    compiled = replace(_renderer(sampler, QUIET), compiled=True).depth_mm(jobs)
    hit = torch.isfinite(eager)
    assert hit.float().mean() > 0.05
    assert torch.equal(hit, torch.isfinite(compiled))
    assert (compiled[hit] - eager[hit]).abs().max() < 0.01  # mm: the same arithmetic, fused


def test_a_seed_whose_surface_is_a_speck_is_passed_over_for_the_hand_in_both_implementations():
    """A stereo camera's flying pixel (a depth between two layers) near the crop's centre used to be the flood
    fill's seed and empty the crop; the seed is now passed over when its surface is a speck."""
    size = 128
    normalised = np.full((size, size), 1e3, np.float32)
    inside = np.zeros((size, size), bool)
    normalised[70:100, 40:90], inside[70:100, 40:90] = -0.3, True  # the hand, below the centre
    normalised[60:62, 63:65], inside[60:62, 63:65] = -0.1, True  # two flying pixels at the centre, 30 mm apart
    jump = 30.0 / 160.0
    cpu = _connected_to_centre(normalised, inside, jump)
    assert cpu.sum() == 30 * 50 and not cpu[60:62, 63:65].any()
    batched = connected_to_centre(torch.from_numpy(normalised[None]), torch.from_numpy(inside[None]), jump)[0]
    assert torch.equal(batched, torch.from_numpy(cpu))
    # only specks: the largest is kept, by both
    specks = np.zeros_like(inside)
    specks[60:62, 63:65] = specks[10:14, 10:13] = True
    cpu = _connected_to_centre(normalised, specks, jump)
    assert cpu.sum() == 12
    assert torch.equal(connected_to_centre(torch.from_numpy(normalised[None]), torch.from_numpy(specks[None]),
                                           jump)[0], torch.from_numpy(cpu))
