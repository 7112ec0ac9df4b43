"""Training crops rendered in batches with torch: the GPU path of the synthetic training data.

The CPU sampler (:class:`handtrack.synth.generator.CropSampler`) does everything per sample. Here the work is
split where it is cheapest:

- per sample, on CPU worker processes: the scene, the real localiser on its quarter-resolution render, the
  augmented crop window and the joints in it (``CropSampler.job``), packed into fixed-size tensors
  (:func:`pack_job`);
- per batch, on the training device: the crop window's pixels ray-cast at full resolution (exactly the image
  pixels ``crop_depth`` samples, nearest), the sensor model (:mod:`handtrack.synth.sensor_torch`) and the
  normalisation with the hand's connected surface (:func:`normalise_crops`).

Without noise the two paths give the same crops (tests/synth/test_batched.py); with it, the same
distributions from different random streams.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import torch

from handtrack.geometry import pixel_rays
from handtrack.preprocess import CropParams
from handtrack.preprocess.crop import MIN_SEED_SURFACE_PX, SEED_TRIES
from handtrack.synth.generator import CropJob, CropSampler, crop_fx_px
from handtrack.synth.render import render_capsules, render_plane
from handtrack.synth.sensor import SensorModel
from handtrack.synth.sensor_torch import EIGHT_NEIGHBOURS, apply_sensor_torch, neighbours
from handtrack.types import Intrinsics

logger = logging.getLogger(__name__)

#: Capsules per scene in a packed job (a hand with forearm and a body has about 25); unused slots are
#: spheres behind the camera, which no ray hits.
MAX_CAPSULES = 48


def pack_job(job: CropJob, sensor: SensorModel, intrinsics: Intrinsics) -> dict[str, torch.Tensor]:
    """One job as fixed-size tensors (a DataLoader stacks them into a batch). Draws from ``job.rng`` whether
    the SDK filter applies and a seed for the batch's random stream."""
    scene = job.scene
    k = len(scene.radii)
    if k > MAX_CAPSULES:
        raise ValueError(f"a scene has {k} capsules; packed jobs hold at most {MAX_CAPSULES}")
    a = np.zeros((MAX_CAPSULES, 3), np.float32)
    b = np.zeros((MAX_CAPSULES, 3), np.float32)
    a[:, 2] = b[:, 2] = -1000.0  # behind the camera: never hit
    radii = np.ones(MAX_CAPSULES, np.float32)
    a[:k], b[:k], radii[:k] = scene.a, scene.b, scene.radii
    if scene.plane is not None:
        normal, offset = np.asarray(scene.plane[0], np.float32), float(scene.plane[1])
    else:
        normal, offset = np.array([0.0, 0.0, 1.0], np.float32), -1.0  # behind the camera
    sdk = sensor.sdk_filter_share > 0 and job.rng.random() < sensor.sdk_filter_share
    return {
        "a": torch.from_numpy(a), "b": torch.from_numpy(b), "radii": torch.from_numpy(radii),
        "plane_normal": torch.from_numpy(normal), "plane_offset": torch.tensor(offset, dtype=torch.float32),
        "crop_to_image": torch.from_numpy(job.transform.crop_to_image.astype(np.float64)),
        "centre_z": torch.tensor(job.transform.centre_uvz[2], dtype=torch.float64),
        "cube_half": torch.tensor(job.transform.cube_half_mm, dtype=torch.float64),
        "fx_px": torch.tensor(crop_fx_px(job.transform, intrinsics), dtype=torch.float32),
        "sdk": torch.tensor(bool(sdk)),
        "seed": torch.tensor(int(job.rng.integers(2**62)), dtype=torch.int64),
        "capsules": torch.tensor(k, dtype=torch.int64),
        "joints": torch.from_numpy(np.asarray(job.joints_crop, np.float32)),
    }


def _spread_along_runs(reach: torch.Tensor, joined: torch.Tensor, flat_index: torch.Tensor) -> torch.Tensor:
    """(B, H, W) bool: ``reach`` spread along runs of the last axis: pixels joined to the one before them
    (``joined``, False in the first column) form a run, and a run with a reached pixel is reached whole.
    ``flat_index`` (B, H, W): each pixel's index into the flattened batch, increasing along the last axis."""
    start_of_run = torch.where(joined, torch.zeros_like(flat_index), flat_index).cummax(dim=-1).values
    hits = torch.zeros(reach.numel(), dtype=torch.float32, device=reach.device)
    hits.scatter_add_(0, start_of_run.reshape(-1), reach.reshape(-1).float())
    return reach | (hits[start_of_run] > 0)


def connected_to_centre(normalised: torch.Tensor, inside: torch.Tensor, jump: torch.Tensor | float,
                        check_every: int = 4) -> torch.Tensor:
    """(B, S, S) bool: the in-cube pixels reachable from the seed pixel without a depth step larger than
    ``jump`` (normalised units; a number or (B, 1, 1) per crop) between 8-neighbours, as
    :func:`handtrack.preprocess.crop._connected_to_centre` (OpenCV's flood fill with a floating range, a seed
    whose surface is tiny passed over for the next, up to SEED_TRIES), by growth until nothing changes: each step
    one pixel in all eight directions, then whole runs along rows and along columns, so that a finger fills in a
    few steps rather than one step per pixel of its length."""
    b = inside.shape[0]
    limits = jump if isinstance(jump, torch.Tensor) else torch.full((b, 1, 1), float(jump), device=inside.device)
    candidates = inside.clone()
    best = torch.zeros_like(inside)
    done = torch.zeros(b, dtype=torch.bool, device=inside.device)
    rows = torch.arange(b, device=inside.device)
    for _ in range(SEED_TRIES):
        todo = rows[~done & candidates.view(b, -1).any(dim=1)]
        if len(todo) == 0:
            break
        surface = _grown_from_seed(normalised[todo], inside[todo], candidates[todo], limits[todo], check_every)
        size = surface.view(len(todo), -1).sum(dim=1)
        larger = size > best[todo].view(len(todo), -1).sum(dim=1)
        best[todo] = torch.where(larger.view(-1, 1, 1), surface, best[todo])
        finished = size >= MIN_SEED_SURFACE_PX
        done[todo[finished]] = True
        candidates[todo] &= ~surface
    return best


def _grown_from_seed(normalised: torch.Tensor, inside: torch.Tensor, candidates: torch.Tensor, limit: torch.Tensor,
                     check_every: int) -> torch.Tensor:
    """(B, S, S) bool: the surface reached from each crop's best seed among ``candidates``
    (:func:`handtrack.preprocess.crop.seed_score`), in-cube steps of at most ``limit`` (B, 1, 1)."""
    b, size, _ = inside.shape
    r, c = torch.meshgrid(torch.arange(size, device=inside.device, dtype=torch.float32),
                          torch.arange(size, device=inside.device, dtype=torch.float32), indexing="ij")
    centre = (size - 1) / 2.0
    radial = ((r - centre) ** 2 + (c - centre) ** 2) / (size / 4) ** 2
    score = torch.where(candidates, radial + ((normalised + 0.1) / 0.2) ** 2, torch.full_like(normalised, math.inf))
    seed = score.view(b, -1).argmin(dim=1)
    reach = torch.zeros(b, size * size, dtype=torch.bool, device=inside.device)
    reach[torch.arange(b, device=inside.device), seed] = candidates.view(b, -1).any(dim=1)
    reach = reach.view(b, size, size)
    image = torch.where(inside, normalised, torch.full_like(normalised, 1e3))
    # passable[:, k]: may a pixel be reached from its neighbour in direction k (a step <= jump, and inside)?
    passable = (image[:, None] - neighbours(image, 1e3, EIGHT_NEIGHBOURS)).abs() <= limit[:, None]
    passable &= inside[:, None]
    left, above = EIGHT_NEIGHBOURS.index((0, -1)), EIGHT_NEIGHBOURS.index((-1, 0))
    joined_to_left, joined_to_above = passable[:, left], passable[:, above]  # both ends inside: the step is too
    flat_index = torch.arange(b * size * size, device=inside.device).view(b, size, size)
    iteration = 0
    while True:
        grown = reach | (neighbours(reach, False, EIGHT_NEIGHBOURS) & passable).any(dim=1)
        grown = _spread_along_runs(grown, joined_to_left, flat_index)
        grown = _spread_along_runs(grown.transpose(1, 2), joined_to_above.transpose(1, 2),
                                   flat_index.transpose(1, 2)).transpose(1, 2)
        iteration += 1
        if iteration % check_every == 0 and torch.equal(grown, reach):
            return grown & inside
        reach = grown


def normalise_crops(z_mm: torch.Tensor, centre_z: torch.Tensor, cube_half: torch.Tensor,
                    params: CropParams) -> torch.Tensor:
    """(B, S, S) depth in mm (0 = missing) -> the network's normalised crops (B, S, S), as
    :func:`handtrack.preprocess.crop.normalise_crop`: (z - z_c) / s inside [z_c - s, z_c + s), the hand's
    connected surface only when ``params.segment_jump_mm`` > 0, background elsewhere."""
    z_c = centre_z.float().view(-1, 1, 1)
    s = cube_half.float().view(-1, 1, 1)
    normalised = (z_mm - z_c) / s
    inside = (z_mm > 0) & (normalised >= -1.0) & (normalised < 1.0)
    if params.segment_jump_mm > 0:
        inside = connected_to_centre(normalised, inside, params.segment_jump_mm / s)
    return torch.where(inside, normalised, torch.full_like(normalised, params.background_value))


@dataclass
class BatchedCropRenderer:
    """Renders packed jobs (a batch of :func:`pack_job` dicts, stacked) into crops on ``device``."""

    intrinsics: Intrinsics
    depth_unit_mm: float
    sensor: SensorModel
    params: CropParams
    device: torch.device
    compiled: bool = False  # ray casting through torch.compile (render.render_capsules): fused, for GPUs

    @classmethod
    def for_sampler(cls, sampler: CropSampler, device: torch.device, compiled: bool = False) -> BatchedCropRenderer:
        """The renderer of the jobs ``sampler`` makes: its camera, sensor model and crop parameters."""
        return cls(sampler.profile.intrinsics, sampler.profile.depth_unit_mm, sampler.sensor, sampler.params, device,
                   compiled)

    def __post_init__(self) -> None:
        rays2 = torch.from_numpy(np.array(pixel_rays(self.intrinsics)))  # a writable copy
        rays = torch.cat([rays2, torch.ones(rays2.shape[:-1] + (1,))], dim=-1)
        self._rays = rays.view(-1, 3).to(self.device)  # (H * W, 3)
        size = self.params.input_size
        rows, cols = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64),
                                    indexing="ij")
        self._grid = torch.stack([cols, rows, torch.ones_like(rows)], dim=-1).view(-1, 3).to(self.device)

    def source_pixels(self, crop_to_image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 2, 3) crop -> image affines -> (B, S*S) flat image-pixel index of every crop pixel (nearest,
        as ``crop_source_pixels`` rounded) and (B, S*S) bool: inside the image."""
        uv = torch.einsum("pk,bjk->bpj", self._grid, crop_to_image.to(self.device, torch.float64))
        uv = torch.round(uv).long()
        w, h = self.intrinsics.width, self.intrinsics.height
        inside = (uv[..., 0] >= 0) & (uv[..., 0] < w) & (uv[..., 1] >= 0) & (uv[..., 1] < h)
        index = uv[..., 1].clamp(0, h - 1) * w + uv[..., 0].clamp(0, w - 1)
        return index, inside

    def depth_mm(self, jobs: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, S, S) noise-free depth of each crop window in mm, inf where nothing (or outside the image)."""
        dev = self.device
        index, inside = self.source_pixels(jobs["crop_to_image"])
        rays = self._rays[index]  # (B, P, 3)
        k = int(jobs["capsules"].max())  # the padding slots beyond every scene's last capsule are skipped
        chunk = max(256, (1 << 26) // (len(rays) * k))  # eager rays per pass: about 64 M ray-capsule pairs
        capsules = jobs["a"][:, :k].to(dev), jobs["b"][:, :k].to(dev), jobs["radii"][:, :k].to(dev)
        depth = None
        if self.compiled:
            try:
                depth = render_capsules(rays, *capsules, compiled=True)
            except Exception as error:  # noqa: BLE001 - any backend failure: the eager path gives the same depths
                logger.warning("torch.compile of the ray casting failed (%s); ray casting eagerly",
                               str(error).splitlines()[0] if str(error) else type(error).__name__)
                self.compiled = False
        if depth is None:
            depth = render_capsules(rays, *capsules, chunk=chunk)
        depth = torch.minimum(depth, render_plane(rays, jobs["plane_normal"].to(dev), jobs["plane_offset"].to(dev)))
        depth = torch.where(inside, depth, torch.full_like(depth, math.inf))
        size = self.params.input_size
        return depth.view(-1, size, size)

    def __call__(self, jobs: dict[str, torch.Tensor]) -> torch.Tensor:
        """(B, 1, S, S) float32 normalised crops of a batch of packed jobs."""
        dev = self.device
        generator = torch.Generator(device=dev).manual_seed(int(jobs["seed"][0]))
        z = apply_sensor_torch(self.depth_mm(jobs), self.sensor, self.depth_unit_mm, jobs["fx_px"].to(dev),
                               jobs["sdk"].to(dev), generator)
        return normalise_crops(z, jobs["centre_z"].to(dev), jobs["cube_half"].to(dev), self.params)[:, None]
