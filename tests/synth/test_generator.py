import numpy as np
import pytest

pytest.importorskip("torch", reason="the synthetic generator's kinematic hand uses PyTorch")

from handtrack.preprocess import HandLocalizer, hand_mask  # noqa: E402
from handtrack.preprocess.refine import palm_centre_mm  # noqa: E402
from handtrack.synth.generator import CropSampler, SyntheticSource, validation_sampler  # noqa: E402


def test_samples_are_reproducible():
    a, b = CropSampler(5).sample(3), CropSampler(5).sample(3)
    np.testing.assert_array_equal(a.crop, b.crop)
    np.testing.assert_array_equal(a.joints_crop, b.joints_crop)
    assert not np.array_equal(a.crop, CropSampler(5).sample(4).crop)


def test_crops_hold_the_hand_and_labels_lie_on_it():
    sampler = CropSampler(11)
    on_hand, found = [], 0
    for i in range(24):
        s = sampler.sample(i)
        assert s.crop.shape == (128, 128) and s.crop.dtype == np.float32
        found += s.centre_from == "localiser"
        mask = hand_mask(s.crop, sampler.params)
        assert 0.02 < mask.mean() < 0.8
        px = np.clip(((s.joints_crop[:, :2] + 0.5) * 128).astype(int), 0, 127)
        near = np.zeros_like(mask)
        for dy in range(-3, 4):
            for dx in range(-3, 4):
                near |= np.roll(np.roll(mask, dy, 0), dx, 1)
        on_hand.append(near[px[:, 1], px[:, 0]].mean())
    assert found >= 20  # the real localiser found the hand in most samples
    assert np.mean(on_hand) > 0.85  # joints (some hidden behind others) fall on or next to the hand


def test_head_mounted_and_mixed_views_for_training():
    mixed, front, head = CropSampler(11, view="mixed"), CropSampler(11), CropSampler(11, view="head-mounted")
    views = [mixed.scene_view(i) for i in range(200)]
    assert 0.15 < views.count("head-mounted") / 200 < 0.35  # HEAD_MOUNTED_SHARE 0.25
    i_front, i_head = views.index("front"), views.index("head-mounted")
    # a mixed sampler's front scenes are the front sampler's, its head-mounted ones the head-mounted sampler's
    np.testing.assert_array_equal(mixed.sample(i_front).crop, front.sample(i_front).crop)
    np.testing.assert_array_equal(mixed.sample(i_head).crop, head.sample(i_head).crop)
    found = 0
    for i in range(12):  # head-mounted crops, centred by the localiser's head-mounted mode, hold the hand
        s = head.sample(i)
        found += s.centre_from == "localiser"
        px = np.clip(((s.joints_crop[:, :2] + 0.5) * 128).astype(int), 0, 127)
        assert hand_mask(s.crop, head.params)[px[:, 1], px[:, 0]].mean() > 0.5
    assert found >= 9
    with pytest.raises(ValueError, match="view"):
        CropSampler(11, view="overhead")


def test_synthetic_source_frames_carry_matching_ground_truth():
    source = SyntheticSource(6, seed=2)
    localizer = HandLocalizer()
    found = 0
    for frame in source:
        assert frame.depth.dtype == np.uint16 and frame.depth.shape == (480, 640)
        u, v = frame.joints_uvd[0, :2]
        assert frame.joints_uvd.shape == (21, 3)
        result = localizer.locate(frame)
        if result.found:
            found += 1
            assert np.linalg.norm(result.hands[0].centre_xyz_mm - palm_centre_mm(frame.joints_xyz_mm)) < 80
    assert found >= 5



def test_a_scenes_background_renders_without_its_hand():
    """Scene.without_hand keeps the torso or wall and drops the hand and its arm (the frames without a hand of
    benchmarks/localize_synthetic.py --no-hand); SyntheticSource.scene is the scene its frame renders."""
    from handtrack.synth.generator import render_frame

    source = SyntheticSource(40, seed=7)
    kinds = set()
    for index in range(40):
        scene, rng = source.scene(index)
        assert np.allclose(scene.joints_mm, source.frame(index).joints_xyz_mm, atol=1e-3)
        if not scene.background_capsules and scene.plane is None:
            continue
        kinds.add("torso" if scene.background_capsules else "wall")
        background = scene.without_hand()
        assert len(background.radii) == scene.background_capsules and background.plane is scene.plane
        depth = render_frame(background, source.intrinsics, source.depth_unit_mm, source.sensor, rng)
        u, v = np.round(source.frame(index).joints_uvd[:, :2]).astype(int).T
        seen = (u >= 0) & (u < 640) & (v >= 0) & (v < 480)
        behind = depth[v[seen], u[seen]] * source.depth_unit_mm
        # where the hand's joints were, the background is empty or more than a finger's thickness behind them
        assert np.all((behind == 0) | (behind > scene.joints_mm[seen, 2] + 10.0))
    assert kinds == {"torso", "wall"}

def test_validation_set_is_fixed():
    a, b = validation_sampler(), validation_sampler()
    np.testing.assert_array_equal(a.sample(0).crop, b.sample(0).crop)
    assert a.augment is None and a.localise


class _NoLocalizer:
    def locate(self, frame):
        raise AssertionError("the validation set must not depend on the live localiser")


def test_validation_set_takes_its_centres_from_the_frozen_table_not_the_localiser():
    from handtrack.synth.generator import VALIDATION_SIZE, _frozen_validation_centres, centres_key
    from handtrack.synth.scene import PALM_MODELS, VIEWS

    table = _frozen_validation_centres()
    # every palm geometry a run can train on (a missing key would fall back to the live localiser): session 24 added
    # anatomical-arm with `python scripts/freeze_validation_centres.py --missing`
    assert set(table) == {centres_key(p, v) for p in PALM_MODELS for v in VIEWS}
    centres = table["symmetric/front"]
    assert centres.shape == (VALIDATION_SIZE, 3)
    found = np.isfinite(centres[:, 0])
    assert 0.8 < found.mean() < 1.0  # the localiser found a hand in most scenes, not all
    sampler = validation_sampler()
    sampler.localizer = sampler.head_mounted_localizer = _NoLocalizer()
    missed = int(np.flatnonzero(~found)[0])
    for i in (0, 1, missed):
        _, centre, centre_from, _ = sampler.scene_and_centre(i)
        assert centre_from == ("localiser" if found[i] else "truth")
        if found[i]:
            np.testing.assert_array_equal(centre, centres[i])
    sampler.palm, sampler.view = "anatomical-wrist", "head-mounted"
    _, centre, _, _ = sampler.scene_and_centre(0)
    np.testing.assert_array_equal(centre, table["anatomical-wrist/head-mounted"][0])
    with pytest.raises(AssertionError, match="live localiser"):  # fresh scenes past the set: the live localiser
        sampler.scene_and_centre(VALIDATION_SIZE)


def test_frozen_centres_record_the_live_localiser_and_keep_the_random_stream(tmp_path):
    from handtrack.synth.generator import centres_key, freeze_validation_centres

    path = tmp_path / "centres.npz"
    found = freeze_validation_centres(path, count=3)
    with np.load(path) as table:
        frozen = {key: table[key] for key in table.files}
    assert found[centres_key("symmetric", "front")] == int(np.isfinite(frozen["symmetric/front"][:, 0]).sum())
    live = validation_sampler(frozen=False)
    from_table = CropSampler(live.seed, live.profile, augment=None, reference=True, sdk_filter_share=0.0,
                             palm="symmetric", frozen_centres=frozen)
    for i in range(3):
        a, b = live.sample(i), from_table.sample(i)
        assert a.centre_from == b.centre_from
        np.testing.assert_array_equal(a.crop, b.crop)  # same centre, and the same sensor noise after it


def test_freezing_the_missing_centres_keeps_those_already_frozen(tmp_path):
    """``scripts/freeze_validation_centres.py --missing``: a palm geometry added since the set was frozen gets its
    centres, and every key already in the file stays as it was (the figures measured on it do not move)."""
    from handtrack.synth.generator import centres_key, freeze_validation_centres
    from handtrack.synth.scene import PALM_MODELS, VIEWS

    path = tmp_path / "centres.npz"
    kept = np.full((3, 3), 123.0)
    np.savez_compressed(path, **{"symmetric/front": kept})
    found = freeze_validation_centres(path, count=3, keep_existing=True)
    assert "symmetric/front" not in found and len(found) == len(PALM_MODELS) * len(VIEWS) - 1
    with np.load(path) as table:
        np.testing.assert_array_equal(table["symmetric/front"], kept)
        assert set(table.files) == {centres_key(p, v) for p in PALM_MODELS for v in VIEWS}


def test_recentred_job_crops_the_same_scene_around_the_given_centre():
    sampler = validation_sampler()
    job = sampler.job(0)
    centre = job.scene.palm_centre_mm
    again = sampler.recentred_job(job, centre, 0)
    assert again.scene is job.scene
    palm = again.joints_crop[[0, 1, 5, 9, 13, 17]].mean(axis=0)
    np.testing.assert_allclose(palm, 0.0, atol=0.01)  # the palm in the middle (perspective: not exactly)
    a, b = sampler.render(again), sampler.render(sampler.recentred_job(job, centre, 0))
    np.testing.assert_array_equal(a.crop, b.crop)  # its own random stream: the same crop every time
    assert 0.05 < np.mean(a.crop < 1.0) < 0.6


def test_a_share_of_crops_is_centred_on_the_palm_as_the_second_pass_crops():
    """palm_centred_share: that share of scenes is cropped around the true palm (about as far off it as the first
    pass's prediction), the other scenes exactly as without it."""
    plain, mixed = CropSampler(11), CropSampler(11, palm_centred_share=0.5)
    kinds = []
    for i in range(40):
        scene, centre, centre_from, _ = mixed.scene_and_centre(i)
        kinds.append(centre_from)
        if centre_from == "palm":
            assert np.linalg.norm(centre - scene.palm_centre_mm) < 30.0  # 4 mm per axis: 30 mm is 7.5 sigma
        else:
            np.testing.assert_array_equal(centre, plain.scene_and_centre(i)[1])
    assert 10 <= kinds.count("palm") <= 30
    i = kinds.index("palm")
    sample = mixed.sample(i)
    assert sample.centre_from == "palm"
    np.testing.assert_array_equal(sample.joints_xyz_mm, plain.sample(i).joints_xyz_mm)  # the same scene
    assert not np.array_equal(sample.crop, plain.sample(i).crop)  # cropped elsewhere


@pytest.mark.parametrize("beyond_mm", [40.0, 120.0])
def test_a_hand_moved_out_of_view_lies_that_far_past_the_images_edge(beyond_mm):
    """SyntheticSource.out_of_view_frame slides the hand and its arm sideways, at constant depth, until the palm
    centre lies ``beyond_mm`` past the image's nearest edge along the way out; the background stays as it was."""
    source = SyntheticSource(12, seed=7, profile="sr305", palm="anatomical")
    intr = source.intrinsics
    for index in range(12):
        scene, _ = source.scene(index)
        frame = source.out_of_view_frame(index, beyond_mm)
        palm = palm_centre_mm(frame.joints_xyz_mm)
        before = scene.palm_centre_mm
        assert abs(palm[2] - before[2]) < 1e-3  # slid sideways only
        u, v = intr.fx * palm[0] / palm[2] + intr.ppx, intr.fy * palm[1] / palm[2] + intr.ppy
        # how far past the image's edge the palm lies, in mm at its depth (past the edge it crossed)
        past_px = max(-u, u - (intr.width - 1), -v, v - (intr.height - 1))
        assert abs(past_px * palm[2] / intr.fx - beyond_mm) < 0.5, index
        # away from the image's centre: the palm's pixel moved outwards
        u0, v0 = intr.fx * before[0] / before[2] + intr.ppx, intr.fy * before[1] / before[2] + intr.ppy
        assert np.hypot(u - intr.ppx, v - intr.ppy) > np.hypot(u0 - intr.ppx, v0 - intr.ppy)
        if scene.background_capsules or scene.plane is not None:  # the background alone is where it was
            alone = source.background_frame(index).depth_mm()
            moved = frame.depth_mm()
            far = alone > 0
            assert np.mean(np.abs(moved[far] - alone[far]) < 1.0) > 0.5
