"""Synthetic depth frames and training crops.

- :func:`render_frame`: a scene ray-cast at a camera's resolution, through the camera family's sensor model.
- :class:`SyntheticSource`: a depth source like a camera, whose frames (LabelledFrame) carry ground truth.
- :class:`CropSampler`: training samples (normalised crop + crop-space joints), produced by the real
  localisation and crop code: the localiser runs on a quarter-resolution render of the frame, and the crop
  window's pixels are then ray-cast at full resolution, exactly the pixels ``crop_depth`` would sample, with
  the paper's rotation augmentation, scale and centre jitter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from handtrack.calibration import CameraProfile, load_profile
from handtrack.geometry import pixel_rays, project_points_to_pixels
from handtrack.preprocess import CropParams, HandLocalizer, LocalizerConfig, image_uvd_to_crop, make_crop_transform
from handtrack.preprocess.augment import AugmentConfig, augmented_transform
from handtrack.preprocess.crop import CropTransform, crop_source_pixels, normalise_crop
from handtrack.sources.base import DepthSource
from handtrack.synth.raster import render_capsules_culled, render_plane_np
from handtrack.synth.scene import Scene, moved_out_of_view, sample_scene, with_head
from handtrack.synth.sensor import SensorModel, apply_sensor
from handtrack.types import Frame, Intrinsics, LabelledFrame

#: The fixed, seeded validation set every accuracy figure of the project uses.
VALIDATION_SEED = 20261125
VALIDATION_SIZE = 2000
VALIDATION_PROFILE = "sr305"
#: The localiser's centre of every validation scene, frozen (one (VALIDATION_SIZE, 3) array per palm and view, NaN
#: rows where it found no hand), so that the set's crops stay the same when the localiser changes; made by
#: :func:`freeze_validation_centres` (``python scripts/freeze_validation_centres.py``).
VALIDATION_CENTRES = Path(__file__).resolve().parents[1] / "_data" / "validation-centres.npz"
#: views a CropSampler makes: those of :data:`handtrack.synth.scene.VIEWS`, or "mixed"
TRAINING_VIEWS = ("front", "head-mounted", "mixed")
HEAD_MOUNTED_SHARE = 0.25  # "mixed": the share of head-mounted scenes
#: crops centred on the true palm (``palm_centred_share``) are centred this far off it (mm, normal, per axis)
#: before the augmentation's jitter: together about the tracker's first-pass palm error (median 9 mm in 3D)
PALM_CENTRE_SIGMA_MM = 4.0


def _rays3(rays2: np.ndarray) -> np.ndarray:
    return np.concatenate([rays2, np.ones(rays2.shape[:-1] + (1,), np.float32)], axis=-1)


def _fov_tan(intr: Intrinsics) -> tuple[float, float]:
    return (intr.width / 2 / abs(intr.fx), intr.height / 2 / abs(intr.fy))


def render_depth_mm(scene: Scene, rays: np.ndarray, to_grid,  # type: ignore[no-untyped-def]
                    use_kernels: bool = True) -> np.ndarray:
    """Noise-free depth (mm, inf = nothing) of a scene on a grid of rays (H, W, 3)."""
    depth = render_plane_np(rays, *scene.plane) if scene.plane is not None else None
    return render_capsules_culled(rays, scene.a, scene.b, scene.radii, to_grid, depth, use_kernels)


def render_frame(scene: Scene, intrinsics: Intrinsics, depth_unit_mm: float, sensor: SensorModel,
                 rng: np.random.Generator) -> np.ndarray:
    """(H, W) uint16 raw depth of ``scene`` seen by a camera with these intrinsics and sensor."""
    rays = _rays3(pixel_rays(intrinsics))
    depth = render_depth_mm(scene, rays, lambda p: project_points_to_pixels(p, intrinsics))
    return apply_sensor(depth, sensor, depth_unit_mm, abs(intrinsics.fx), rng)


def labelled_frame(scene: Scene, intrinsics: Intrinsics, depth_unit_mm: float, sensor: SensorModel,
                   rng: np.random.Generator, timestamp_ms: float, index: int, source: str,
                   info: dict[str, str]) -> LabelledFrame:
    """``scene`` rendered (:func:`render_frame`) as a LabelledFrame whose ground truth is the scene's joints."""
    raw = render_frame(scene, intrinsics, depth_unit_mm, sensor, rng)
    uv = project_points_to_pixels(scene.joints_mm, intrinsics)
    uvd = np.column_stack([uv, scene.joints_mm[:, 2]]).astype(np.float32)
    return LabelledFrame(raw, depth_unit_mm, intrinsics, timestamp_ms, index, source, info, uvd,
                         scene.joints_mm.astype(np.float32))


def _profile(profile: str | CameraProfile) -> CameraProfile:
    return load_profile(profile) if isinstance(profile, str) else profile


class SyntheticSource(DepthSource):
    """``count`` random scenes (seeded) rendered with a camera profile; frames carry ground-truth joints."""

    def __init__(self, count: int, seed: int = 0, profile: str | CameraProfile = "sr305", fps: float = 30.0,
                 sdk_filter_share: float = 0.0, palm: str = "anatomical", view: str = "front") -> None:
        self.profile = _profile(profile)
        self.palm = palm
        self.view = view
        self.count, self.seed, self._fps, self._frame_count = count, seed, fps, count
        self._intrinsics, self._depth_unit_mm = self.profile.intrinsics, self.profile.depth_unit_mm
        self.sensor = replace(SensorModel.for_family(self.profile.noise_family, self.profile.noise_sigma_mm_at_1m),
                              sdk_filter_share=sdk_filter_share)
        self.description = f"synthetic hands ({self.profile.name}, seed {seed}" + (
            f", {view} view)" if view != "front" else ")")

    def scene(self, index: int) -> tuple[Scene, np.random.Generator]:
        """Frame ``index``'s scene, and the random generator that goes on to draw its sensor noise."""
        rng = np.random.default_rng([self.seed, index])
        return sample_scene(rng, _fov_tan(self.intrinsics), palm=self.palm, view=self.view), rng

    def frame(self, index: int) -> LabelledFrame:
        scene, rng = self.scene(index)
        return labelled_frame(scene, self.intrinsics, self.depth_unit_mm, self.sensor, rng,
                              index * 1000.0 / self._fps, index, self.description, {"pose": scene.pose_source})

    def background_frame(self, index: int, head: bool = False) -> Frame:
        """Frame ``index``'s scene without its hand and arm (its torso or wall alone, with the sensor noise that
        frame draws): a frame with no hand to find. ``head``: a torso gets a head on a neck above it
        (:func:`handtrack.synth.scene.with_head`, its own random stream)."""
        scene, rng = self.scene(index)
        background = scene.without_hand()
        if head and scene.background_capsules:
            background = with_head(background, np.random.default_rng([self.seed, index, 7]))
        raw = render_frame(background, self.intrinsics, self.depth_unit_mm, self.sensor, rng)
        return Frame(raw, self.depth_unit_mm, self.intrinsics, index * 1000.0 / self._fps, index)

    def out_of_view_frame(self, index: int, beyond_mm: float) -> LabelledFrame:
        """Frame ``index``'s scene with its hand and arm slid sideways until the palm centre lies ``beyond_mm``
        past the image's edge (:func:`handtrack.synth.scene.moved_out_of_view`): a hand that has left the view,
        its arm partly still in it. The joints (out of view) are its ground truth."""
        scene, rng = self.scene(index)
        moved = moved_out_of_view(scene, self.intrinsics, beyond_mm)
        return labelled_frame(moved, self.intrinsics, self.depth_unit_mm, self.sensor, rng,
                              index * 1000.0 / self._fps, index, f"{self.description}, hand out of view",
                              {"pose": scene.pose_source})

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self.count):
            yield self.frame(index)


@dataclass
class CropSample:
    """crop (S, S) float32 normalised; joints_crop (21, 3) crop-normalised (u, v, d); centre_from: "localiser"
    or "truth" (when the localiser found no hand, the true palm centre with jitter is used and counted)."""

    crop: np.ndarray
    joints_crop: np.ndarray
    centre_from: str
    transform: CropTransform
    joints_xyz_mm: np.ndarray


@dataclass
class CropJob:
    """A training sample before its crop is rendered: the scene, the crop window (after localisation and
    augmentation), the joints in crop coordinates (21, 3), and the random stream the rendering continues."""

    scene: Scene
    transform: CropTransform
    centre_from: str
    joints_crop: np.ndarray
    rng: np.random.Generator


class CropSampler:
    """Deterministic training/validation samples: ``sample(i)`` is the same for the same (seed, i)."""

    def __init__(self, seed: int, profile: str | CameraProfile = "sr305", params: CropParams | None = None,
                 augment: AugmentConfig | None = AugmentConfig(), localise: bool = True,
                 bank: np.ndarray | None = None, reference: bool = False, sdk_filter_share: float = 0.5,
                 palm: str = "anatomical", view: str = "front",
                 frozen_centres: dict[str, np.ndarray] | None = None, palm_centred_share: float = 0.0) -> None:
        """sdk_filter_share: share of samples whose depth went through the SDK's spatial filter
        (:func:`handtrack.synth.sensor.sdk_post_process`; users switch it on or not, the real test recordings
        have it).
        reference: render with the numpy reference code even when numba is installed, so that the samples
        are bit-identical to every earlier version's (the fixed validation set); otherwise the compiled loops
        (about twice as fast, equal to rounding, which the localiser and the crop can turn into sub-pixel
        shifts of the crop).
        palm: the palm geometry, :data:`handtrack.synth.scene.PALM_MODELS`.
        view: :data:`TRAINING_VIEWS`: "front", "head-mounted" (scenes of that view, centred by the localiser's
        head-mounted mode) or "mixed" (a share HEAD_MOUNTED_SHARE of the scenes head-mounted, drawn per scene from
        a stream of its own, so that the front scenes are those of "front").
        frozen_centres: {:func:`centres_key` (palm, view): (N, 3) centres, NaN rows for "no hand found"}: scene i < N
        takes its centre from here instead of from the localiser (the validation set: its crops must not change
        when the localiser does); the quarter-resolution frame is still rendered, so that the random stream, and
        with it the crop's sensor noise, is the same as the localiser's run.
        palm_centred_share: share of scenes (drawn per scene from a stream of its own, so that the other scenes
        and every draw of a scene stay the same) cropped around the true palm centre, about as far off it as the
        tracker's first pass predicts it (:data:`PALM_CENTRE_SIGMA_MM`), instead of the localiser's centre: the
        crops the tracker's second pass makes (``centre_from`` "palm")."""
        if view not in TRAINING_VIEWS:
            raise ValueError(f"view {view!r}: choose one of {', '.join(TRAINING_VIEWS)}")
        self.seed = seed
        self.palm = palm
        self.view = view
        self.frozen_centres = frozen_centres
        self.palm_centred_share = palm_centred_share
        self.use_kernels = not reference
        self.profile = _profile(profile)
        self.params = params or CropParams()
        self.augment = augment
        self.localise = localise
        self.bank = bank
        self.sensor = replace(SensorModel.for_family(self.profile.noise_family, self.profile.noise_sigma_mm_at_1m),
                              sdk_filter_share=sdk_filter_share)
        intr = self.profile.intrinsics
        self.low_res = intr.scaled(intr.width // 4, intr.height // 4)
        self._low_rays = _rays3(pixel_rays(self.low_res))
        self._rays = _rays3(pixel_rays(intr))
        self.localizer = HandLocalizer(LocalizerConfig(cube_half_mm=self.params.cube_half_mm))
        self.head_mounted_localizer = HandLocalizer(LocalizerConfig(cube_half_mm=self.params.cube_half_mm,
                                                                    head_mounted=True))

    def scene_view(self, index: int) -> str:
        """The view of scene ``index`` (:data:`handtrack.synth.scene.VIEWS`)."""
        if self.view != "mixed":
            return self.view
        return "head-mounted" if np.random.default_rng([self.seed, index, 2]).random() < HEAD_MOUNTED_SHARE else (
            "front")

    def _centre(self, scene: Scene, rng: np.random.Generator, view: str = "front",
                index: int = -1) -> tuple[np.ndarray, str]:
        if self.localise:
            low = self.low_res
            depth = render_depth_mm(scene, self._low_rays, lambda p: project_points_to_pixels(p, low),
                                    self.use_kernels)
            raw = apply_sensor(depth, self.sensor, self.profile.depth_unit_mm, abs(low.fx), rng, self.use_kernels)
            frozen = (self.frozen_centres or {}).get(centres_key(self.palm, view))
            if frozen is not None and 0 <= index < len(frozen):
                if np.all(np.isfinite(frozen[index])):
                    return frozen[index].astype(np.float64), "localiser"
            else:
                localizer = self.head_mounted_localizer if view == "head-mounted" else self.localizer
                found = localizer.locate(Frame(raw, self.profile.depth_unit_mm, low, 0.0, 0))
                if found.found:
                    return found.hands[0].centre_xyz_mm.astype(np.float64), "localiser"
        return scene.palm_centre_mm + rng.normal(0.0, 10.0, 3), "truth"

    def scene_and_centre(self, index: int) -> tuple[Scene, np.ndarray, str, np.random.Generator]:
        """Scene ``index``, its crop centre (mm) and where that came from ("localiser" or "truth"), and the random
        stream that the crop windows and the rendering continue."""
        rng = np.random.default_rng([self.seed, index])
        view = self.scene_view(index)
        scene = sample_scene(rng, _fov_tan(self.profile.intrinsics), bank=self.bank, palm=self.palm,
                             reference=not self.use_kernels, view=view)
        if self.palm_centred_share > 0.0:
            own = np.random.default_rng([self.seed, index, 3])
            if own.random() < self.palm_centred_share:
                # no localisation (its frame is not rendered): the scene's crop windows then draw other numbers
                # than they would after it, but every other scene stays exactly as without the share
                return scene, scene.palm_centre_mm + own.normal(0.0, PALM_CENTRE_SIGMA_MM, 3), "palm", rng
        centre, centre_from = self._centre(scene, rng, view, index)
        return scene, centre, centre_from, rng

    def job(self, index: int) -> CropJob:
        """Everything of sample ``index`` but the crop's pixels: the scene, the localiser's centre, the
        augmented crop window and the joints in it (the part a batched renderer takes over from here)."""
        return self.scene_jobs(index, 1)[0]

    def scene_jobs(self, index: int, count: int) -> list[CropJob]:
        """``count`` jobs of scene ``index``: one scene and one localisation, ``count`` independent crop
        windows (augmentations), sharing one random stream (rendered, each gets its own sensor noise).
        ``scene_jobs(i, 1)[0]`` is ``job(i)``."""
        intr = self.profile.intrinsics
        scene, centre, centre_from, rng = self.scene_and_centre(index)
        jobs = []
        for _ in range(count):
            if self.augment is not None:
                transform = augmented_transform(centre, intr, self.params, self.augment, rng)
            else:
                transform = make_crop_transform(centre, intr, self.params)
            jobs.append(CropJob(scene, transform, centre_from, self._joints_in_crop(scene, transform), rng))
        return jobs

    def recentred_job(self, job: CropJob, centre_mm: np.ndarray, index: int) -> CropJob:
        """The crop window of ``job``'s scene around another centre (mm), without augmentation: the tracker's
        refinement pass. Its rendering (sensor noise) draws from a random stream of its own, (seed, index, 1)."""
        transform = make_crop_transform(np.asarray(centre_mm, dtype=np.float64), self.profile.intrinsics, self.params)
        return CropJob(job.scene, transform, job.centre_from, self._joints_in_crop(job.scene, transform),
                       np.random.default_rng([self.seed, index, 1]))

    def _joints_in_crop(self, scene: Scene, transform: CropTransform) -> np.ndarray:
        """(21, 3) float32 crop-normalised joints of ``scene`` in the crop window ``transform``."""
        uv = project_points_to_pixels(scene.joints_mm, self.profile.intrinsics)
        return image_uvd_to_crop(np.column_stack([uv, scene.joints_mm[:, 2]]), transform).astype(np.float32)

    def render(self, job: CropJob) -> CropSample:
        """Ray-cast the crop window of ``job`` at full resolution (exactly the image pixels ``crop_depth``
        would sample, nearest), then the sensor model and the normalisation. Uses up ``job.rng``."""
        intr, transform = self.profile.intrinsics, job.transform
        src = np.rint(crop_source_pixels(transform)).astype(int)
        inside = (src[..., 0] >= 0) & (src[..., 0] < intr.width) & (src[..., 1] >= 0) & (src[..., 1] < intr.height)
        # (a nearest-neighbour remap at integer positions: the same gather as fancy indexing, several times faster)
        rays = cv2.remap(self._rays, np.clip(src[..., 0], 0, intr.width - 1).astype(np.float32),
                         np.clip(src[..., 1], 0, intr.height - 1).astype(np.float32), cv2.INTER_NEAREST)
        affine = transform.image_to_crop

        def to_crop(points: np.ndarray) -> np.ndarray:
            uv = project_points_to_pixels(points, intr)
            return uv @ affine[:, :2].T + affine[:, 2]

        depth = render_depth_mm(job.scene, rays, to_crop, self.use_kernels)
        depth[~inside] = np.inf
        raw = apply_sensor(depth, self.sensor, self.profile.depth_unit_mm, crop_fx_px(transform, intr), job.rng,
                           self.use_kernels)
        crop = normalise_crop(raw, self.profile.depth_unit_mm, transform, self.params)
        return CropSample(crop, job.joints_crop, job.centre_from, transform, job.scene.joints_mm.astype(np.float32))

    def sample(self, index: int) -> CropSample:
        return self.render(self.job(index))


def crop_fx_px(transform: CropTransform, intrinsics: Intrinsics) -> float:
    """The focal length in crop pixels (the projector shadow's width scales with it)."""
    window_px = abs(np.linalg.det(transform.crop_to_image[:, :2])) ** 0.5  # image px per crop px
    return abs(intrinsics.fx) / window_px


def centres_key(palm: str, view: str) -> str:
    """The key of a palm geometry and view in :data:`VALIDATION_CENTRES`."""
    return f"{palm}/{view}"


@lru_cache(maxsize=1)
def _frozen_validation_centres() -> dict[str, np.ndarray]:
    with np.load(VALIDATION_CENTRES) as table:
        return {key: table[key] for key in table.files}


def validation_sampler(frozen: bool = True) -> CropSampler:
    """The project's fixed validation set (indices 0 .. VALIDATION_SIZE-1): SR305 camera, sensor noise and
    localisation jitter on (the centres the localiser found, frozen in :data:`VALIDATION_CENTRES`), no
    rotation/scale augmentation, and the first generator's symmetric palm, so that it stays the same set as every
    earlier figure's. Its scenes with another palm or view (``sampler.palm``, ``sampler.view``) have frozen centres
    too; scenes from VALIDATION_SIZE on (fresh scenes of the same kind) use the live localiser.
    frozen=False: every centre from the live localiser (what :func:`freeze_validation_centres` records)."""
    return CropSampler(VALIDATION_SEED, VALIDATION_PROFILE, augment=None, localise=True, reference=True,
                       sdk_filter_share=0.0, palm="symmetric",
                       frozen_centres=_frozen_validation_centres() if frozen else None)


def freeze_validation_centres(path: Path = VALIDATION_CENTRES, count: int = VALIDATION_SIZE,
                              keep_existing: bool = False) -> dict[str, int]:
    """Run the live localiser on the first ``count`` validation scenes of every palm geometry and view and save
    the centres (float64 mm; NaN rows where it found no hand) to ``path``. ``keep_existing``: the keys already in
    ``path`` stay as they are and only the palm geometries and views added since are run (the set grows without
    changing any figure measured on it). Returns the hands found per key run."""
    from handtrack.synth.scene import PALM_MODELS, VIEWS

    table: dict[str, np.ndarray] = {}
    if keep_existing and path.is_file():
        with np.load(path) as existing:
            table = {key: existing[key] for key in existing.files}
    sampler = validation_sampler(frozen=False)
    found = {}
    for palm in PALM_MODELS:
        for view in VIEWS:
            if centres_key(palm, view) in table:
                continue
            sampler.palm, sampler.view = palm, view
            centres = np.full((count, 3), np.nan)
            for i in range(count):
                _, centre, centre_from, _ = sampler.scene_and_centre(i)
                if centre_from == "localiser":
                    centres[i] = centre
            table[centres_key(palm, view)] = centres
            found[centres_key(palm, view)] = int(np.isfinite(centres[:, 0]).sum())
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **table)
    _frozen_validation_centres.cache_clear()
    return found
