"""Training crops from a public dataset the user has (``--data msra:PATH`` or ``hands2017:PATH``).

Item i is frame (i mod N) of the dataset, cropped around its labelled palm centre (plus the augmentation's
centre jitter, rotation and scale) by the same crop code as live tracking, with its joints in this project's
order. Only the 21-joint datasets fit the network's joint layout; ICVL (16 joints) and NYU (14) are refused.
Deterministic per (seed, index), so a resumed run sees exactly the samples it would have seen.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from handtrack.datasets.readers import TO_PROJECT_ORDER
from handtrack.errors import HandtrackError
from handtrack.preprocess import CropParams, crop_depth, image_uvd_to_crop
from handtrack.preprocess.augment import AugmentConfig, augmented_transform
from handtrack.preprocess.refine import palm_centre_mm

TRAINABLE = ("msra", "hands2017")


def check_data_spec(spec: str) -> None:
    """A clear error for a training data spec this code cannot use."""
    if spec == "synthetic":
        return
    name, sep, path = spec.partition(":")
    if not sep or not path:
        raise HandtrackError(f"--data {spec!r}: expected 'synthetic' or NAME:PATH (NAME one of {', '.join(TRAINABLE)})")
    if name in ("icvl", "nyu"):
        raise HandtrackError(f"--data {name}: its {16 if name == 'icvl' else 14}-joint labels do not fit the network's "
                             f"21-joint layout; train on {' or '.join(TRAINABLE)}, or synthetic")
    if name not in TRAINABLE:
        raise HandtrackError(f"--data {spec!r}: unknown dataset {name!r}; one of {', '.join(TRAINABLE)}")


class DatasetCrops(Dataset):
    """(crop (1, S, S), joints (21, 3) crop-normalised) tensors from a dataset reader."""

    def __init__(self, spec: str, seed: int, size: int = 10**9) -> None:
        check_data_spec(spec)
        self.spec, self.seed, self.size = spec, seed, size
        self.order = list(TO_PROJECT_ORDER[spec.partition(":")[0]])  # dataset joint index of each of ours
        self.params, self.augment = CropParams(), AugmentConfig()
        self._reader = None

    def __len__(self) -> int:
        return self.size

    def _open(self):  # type: ignore[no-untyped-def]
        if self._reader is None:  # opened lazily inside each worker process
            from handtrack.datasets import open_dataset

            self._reader = open_dataset(self.spec)
            if self._reader.frame_count == 0:
                raise HandtrackError(f"--data {self.spec}: the dataset has no labelled frames")
        return self._reader

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        reader = self._open()
        rng = np.random.default_rng([self.seed, index])
        frame = reader.frame(int(index) % reader.frame_count)
        xyz, uvd = frame.joints_xyz_mm[self.order], frame.joints_uvd[self.order]
        transform = augmented_transform(palm_centre_mm(xyz), frame.intrinsics, self.params, self.augment, rng)
        crop = crop_depth(frame.depth, frame.depth_unit_mm, transform, self.params)
        joints = image_uvd_to_crop(uvd, transform).astype(np.float32)
        return torch.from_numpy(crop[None].astype(np.float32)), torch.from_numpy(joints)
