"""Readers for the public hand-pose datasets (MSRA15, ICVL, NYU, HANDS2017/BigHand) for users who have a copy.

Each reader is a depth source of :class:`~handtrack.types.LabelledFrame` (depth in mm, the dataset's camera from
calibration/, the labels in the dataset's own joint order), so the datasets feed the same localisation, crop,
training and evaluation code as everything else. ``open_dataset("msra:PATH")`` picks one by name.
"""

from __future__ import annotations

from handtrack.datasets.base import DatasetError
from handtrack.datasets.readers import DATASETS, Hands2017Reader, IcvlReader, MsraReader, NyuReader, open_dataset

__all__ = ["DATASETS", "DatasetError", "Hands2017Reader", "IcvlReader", "MsraReader", "NyuReader", "open_dataset"]
