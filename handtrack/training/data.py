"""Training batches from the synthetic crop sampler, rendered ahead of the trainer by worker processes."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from handtrack.synth.generator import CropSampler

#: cameras a training run may render (``TrainConfig.camera``): a camera profile, or "mixed": each scene with one of
#: MIXED_CAMERAS, the D435 with probability MIXED_D435_SHARE (its stereo sensor model; the SR305 is the rest)
TRAINING_CAMERAS = ("sr305", "d435", "mixed")
MIXED_CAMERAS = ("sr305", "d435")
MIXED_D435_SHARE = 0.3


def run_cameras(camera: str) -> tuple[str, ...]:
    """The camera profiles a run's scenes are rendered with, in the order :func:`scene_camera` indexes them."""
    if camera not in TRAINING_CAMERAS:
        raise ValueError(f"camera {camera!r}: choose one of {', '.join(TRAINING_CAMERAS)}")
    return MIXED_CAMERAS if camera == "mixed" else (camera,)


def scene_camera(seed: int, scene: int, camera: str) -> int:
    """Index into :func:`run_cameras` of the camera scene ``scene`` is rendered with: drawn from a stream of its
    own, so that a scene is the same scene (pose, hand, placement) whichever camera sees it."""
    if camera != "mixed":
        return 0
    return int(np.random.default_rng([seed, scene, 4]).random() < MIXED_D435_SHARE)


class SyntheticCrops(Dataset):
    """Item i is the crop sampler's sample i: (crop (1, S, S), joints (21, 3)) tensors; deterministic, so a
    resumed run sees exactly the samples it would have seen. ``camera`` "mixed" renders each item with the camera
    :func:`scene_camera` draws for it."""

    def __init__(self, seed: int, size: int = 10**9, pose_bank: str = "", palm: str = "anatomical",
                 view: str = "front", palm_centred_share: float = 0.0, camera: str = "sr305") -> None:
        self.seed = seed
        self.palm_centred_share = palm_centred_share
        self.palm = palm
        self.view = view
        self.size = size
        self.pose_bank = pose_bank
        self.camera = camera
        self.cameras = run_cameras(camera)
        self._samplers: list[CropSampler] = []

    def __len__(self) -> int:
        return self.size

    def sampler(self, camera: int = 0) -> CropSampler:
        """The sampler of camera ``camera`` (an index into ``self.cameras``), built lazily inside each worker."""
        if not self._samplers:
            torch.set_num_threads(1)
            bank = None
            if self.pose_bank:
                from handtrack.synth.posebank import load_pose_bank

                bank = load_pose_bank(self.pose_bank)
            self._samplers = [CropSampler(self.seed, profile=name, bank=bank, palm=self.palm, view=self.view,
                                          palm_centred_share=self.palm_centred_share) for name in self.cameras]
        return self._samplers[camera]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        sample = self.sampler(scene_camera(self.seed, int(index), self.camera)).sample(int(index))
        return torch.from_numpy(sample.crop[None]), torch.from_numpy(sample.joints_crop.astype(np.float32))


class SyntheticJobs(Dataset):
    """Item i: crop i % k of scene i // k (k = ``crops_per_scene``) as a packed job
    (:func:`handtrack.synth.batched.pack_job`) for the training device to render in batches. A scene's k jobs
    are made together (one localisation, k augmentations) and kept until the next scene is asked for, so a
    batch of consecutive items costs one scene per k crops; deterministic like :class:`SyntheticCrops`. A job
    carries its camera's index (``"camera"``): with ``camera`` "mixed" the device renders each camera's jobs with
    that camera's renderer."""

    def __init__(self, seed: int, size: int = 10**9, pose_bank: str = "", palm: str = "anatomical",
                 crops_per_scene: int = 1, view: str = "front", palm_centred_share: float = 0.0,
                 camera: str = "sr305") -> None:
        self.crops = SyntheticCrops(seed, size, pose_bank, palm, view, palm_centred_share, camera)
        self.crops_per_scene = crops_per_scene
        self._scene = -1
        self._packed: list[dict[str, torch.Tensor]] = []

    def __len__(self) -> int:
        return len(self.crops)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        from handtrack.synth.batched import pack_job

        scene, k = divmod(int(index), self.crops_per_scene)
        if scene != self._scene:
            camera = scene_camera(self.crops.seed, scene, self.crops.camera)
            sampler = self.crops.sampler(camera)
            jobs = sampler.scene_jobs(scene, self.crops_per_scene)
            self._packed = [{**pack_job(job, sampler.sensor, sampler.profile.intrinsics),
                             "camera": torch.tensor(camera, dtype=torch.int64)} for job in jobs]
            self._scene = scene
        return self._packed[k]


class RangeSampler(torch.utils.data.Sampler[int]):
    """The data order is the global sample counter, which resumption restores.

    With ``world`` processes (DistributedDataParallel), step s of rank r takes the batch starting at
    start + (s * world + r) * batch, so the ranks together see exactly the samples one process would.
    """

    def __init__(self, start: int, count: int, batch: int = 1, rank: int = 0, world: int = 1) -> None:
        self.start, self.count, self.batch, self.rank, self.world = start, count, batch, rank, world

    def __iter__(self):  # type: ignore[no-untyped-def]
        for step in range(self.count // (self.batch * self.world)):
            first = self.start + (step * self.world + self.rank) * self.batch
            yield from range(first, first + self.batch)

    def __len__(self) -> int:
        return self.count // self.world


class ReplayBuffer:
    """The last ``capacity`` training samples, kept on the training device, to train on again.

    When the data generator, not the network, limits training (a GPU fed by CPU processes), each fresh batch can
    be followed by steps on batches drawn from recent samples: ``handtrack train --reuse K`` takes K steps per
    fresh batch. Draws are seeded by the step, so a run is reproducible; a resumed run starts with an empty
    buffer (it fills again within ``capacity / batch`` steps).
    """

    def __init__(self, capacity: int, seed: int) -> None:
        self.capacity, self.seed = capacity, seed
        self._crops: torch.Tensor | None = None
        self._joints: torch.Tensor | None = None
        self._count = 0  # samples written so far (the next one goes to count % capacity)

    def add(self, crops: torch.Tensor, joints: torch.Tensor) -> None:
        """Store a batch: crops (B, 1, S, S), joints (B, J, 3), on the device the buffer is to live on."""
        if self._crops is None:
            self._crops = crops.new_empty((self.capacity, *crops.shape[1:]))
            self._joints = joints.new_empty((self.capacity, *joints.shape[1:]))
        assert self._joints is not None
        slots = (self._count + torch.arange(len(crops))) % self.capacity
        slots = slots.to(crops.device)
        self._crops[slots] = crops
        self._joints[slots] = joints
        self._count += len(crops)

    def __len__(self) -> int:
        return min(self._count, self.capacity)

    def draw(self, batch: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of ``batch`` stored samples drawn uniformly (with replacement), seeded by (seed, step)."""
        if self._crops is None or self._joints is None:
            raise ValueError("the replay buffer is empty")
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        index = torch.randint(len(self), (batch,), generator=generator).to(self._crops.device)
        return self._crops[index], self._joints[index]
