"""Training batches from the synthetic crop sampler, rendered ahead of the trainer by worker processes."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from handtrack.synth.generator import CropSampler


class SyntheticCrops(Dataset):
    """Item i is CropSampler(seed).sample(i): (crop (1, S, S), joints (21, 3)) tensors; deterministic, so a
    resumed run sees exactly the samples it would have seen."""

    def __init__(self, seed: int, size: int = 10**9, pose_bank: str = "", palm: str = "anatomical") -> None:
        self.seed = seed
        self.palm = palm
        self.size = size
        self.pose_bank = pose_bank
        self._sampler: CropSampler | None = None

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self._sampler is None:  # built lazily inside each worker process
            torch.set_num_threads(1)
            bank = None
            if self.pose_bank:
                from handtrack.synth.posebank import load_pose_bank

                bank = load_pose_bank(self.pose_bank)
            self._sampler = CropSampler(self.seed, bank=bank, palm=self.palm)
        sample = self._sampler.sample(int(index))
        return torch.from_numpy(sample.crop[None]), torch.from_numpy(sample.joints_crop.astype(np.float32))


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
