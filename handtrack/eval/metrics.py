"""Scoring pose results the way the hand-pose literature does (DESIGN.md section 6).

Results and ground-truth files: one line per frame, J x 3 numbers "u v d" (pixels, pixels, mm) in the
dataset's joint order. uvd -> xyz with the dataset's camera: x = (u - cx) d / fx, y = (v - cy) d / fy, z = d.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handtrack.calibration import load_profile
from handtrack.errors import HandtrackError

#: joints per frame in each layout; the camera comes from the calibration profile of the same name
DATASET_JOINTS = {"icvl": 16, "nyu": 14, "msra": 21, "hands2017": 21, "synthetic": 21}
SYNTHETIC_PROFILE = "sr305"


class ResultsFileError(HandtrackError):
    """A results or ground-truth file is malformed (the message names the file and line)."""


def load_uvd_file(path: str | Path, n_joints: int) -> np.ndarray:
    """(N, J, 3) from a results file; refuses lines that do not hold J x 3 numbers."""
    path = Path(path)
    if not path.is_file():
        raise ResultsFileError(f"file not found: {path}")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 * n_joints:
            raise ResultsFileError(f"{path}:{number}: {len(parts)} numbers, expected {3 * n_joints} "
                                   f"({n_joints} joints x u v d)")
        try:
            rows.append([float(p) for p in parts])
        except ValueError as exc:
            raise ResultsFileError(f"{path}:{number}: not a number ({exc})") from exc
    if not rows:
        raise ResultsFileError(f"{path}: no frames")
    return np.asarray(rows, dtype=np.float64).reshape(-1, n_joints, 3)


def write_uvd_file(path: str | Path, uvd: np.ndarray) -> None:
    """Write (N, J, 3) uvd as one line per frame."""
    with Path(path).open("w", encoding="utf-8") as f:
        for frame in np.asarray(uvd).reshape(len(uvd), -1):
            f.write(" ".join(f"{v:.4f}" for v in frame) + "\n")


def uvd_to_xyz(uvd: np.ndarray, fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    """(..., 3) u v d -> x y z in mm (pinhole; fy may be negative, as NYU's)."""
    d = uvd[..., 2]
    return np.stack([(uvd[..., 0] - cx) * d / fx, (uvd[..., 1] - cy) * d / fy, d], axis=-1)


@dataclass
class Evaluation:
    """errors_mm (N, J); mean_mm; per_joint_mm (J,); thresholds_mm (81,) and success (81,): fraction of frames
    whose worst joint is within each threshold."""

    errors_mm: np.ndarray
    mean_mm: float
    per_joint_mm: np.ndarray
    thresholds_mm: np.ndarray
    success: np.ndarray


def evaluate(pred_uvd: np.ndarray, gt_uvd: np.ndarray, dataset: str) -> Evaluation:
    """3D joint errors between two uvd arrays of a dataset layout."""
    if dataset not in DATASET_JOINTS:
        raise HandtrackError(f"unknown dataset layout {dataset!r}; known: {', '.join(DATASET_JOINTS)}")
    if pred_uvd.shape != gt_uvd.shape:
        raise ResultsFileError(f"predictions hold {len(pred_uvd)} frames of {pred_uvd.shape[1]} joints, ground "
                               f"truth {len(gt_uvd)} of {gt_uvd.shape[1]}")
    intr = load_profile(SYNTHETIC_PROFILE if dataset == "synthetic" else dataset).intrinsics
    cam = (intr.fx, intr.fy, intr.ppx, intr.ppy)
    errors = np.linalg.norm(uvd_to_xyz(pred_uvd, *cam) - uvd_to_xyz(gt_uvd, *cam), axis=-1)
    thresholds = np.arange(0, 81, dtype=np.float64)
    worst = errors.max(axis=1)
    success = (worst[None, :] <= thresholds[:, None]).mean(axis=1)
    return Evaluation(errors, float(errors.mean()), errors.mean(axis=0), thresholds, success)
