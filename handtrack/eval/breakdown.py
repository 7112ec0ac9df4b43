"""Where a model's error comes from: the validation set's mean joint error split by what each scene shows
(pose source, which side of the hand faces the camera, distance) and by what each joint's pixel shows (the
joint's own surface, something in front of it, or no surface at all).

Pure functions on arrays; ``handtrack eval --model M --breakdown`` collects the labels while it runs the set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from handtrack.geometry import project_points_to_pixels
from handtrack.preprocess.refine import palm_centre_mm
from handtrack.synth.scene import palm_normal

if TYPE_CHECKING:
    from handtrack.synth.generator import CropSample
    from handtrack.synth.scene import Scene
    from handtrack.types import Intrinsics

FACINGS = ("palm", "side-on", "back")
DISTANCE_EDGES_MM = (250.0, 400.0, 550.0, 700.0, 900.0)
VISIBILITY = ("seen", "hidden", "surface behind", "no depth", "outside the image")
# A joint lies inside its finger or palm, 5-15 mm under the skin a camera sees; a surface nearer than this is
# something else in front of it.
SURFACE_MARGIN_MM = 25.0


def palm_facing(joints_xyz_mm: np.ndarray) -> str:
    """Which side of a right hand's (21, 3) camera-space joints (mm) faces the camera: "palm" or "back" when
    the palm's normal is within 60 degrees of the line of sight (towards or away), "side-on" otherwise."""
    joints = np.asarray(joints_xyz_mm, dtype=np.float64)
    to_camera = -palm_centre_mm(joints)
    cos = float(palm_normal(joints) @ to_camera / (np.linalg.norm(to_camera) + 1e-12))
    if cos > 0.5:
        return "palm"
    if cos < -0.5:
        return "back"
    return "side-on"


def distance_bin(z_mm: float, edges_mm: Sequence[float] = DISTANCE_EDGES_MM) -> str:
    """The label of the distance bin holding ``z_mm`` ("400-550 mm"); the outer bins take what lies beyond."""
    k = int(np.clip(np.searchsorted(edges_mm, z_mm, side="right") - 1, 0, len(edges_mm) - 2))
    return f"{edges_mm[k]:.0f}-{edges_mm[k + 1]:.0f} mm"


def joint_visibility(crop: np.ndarray, joints_crop: np.ndarray, cube_half_mm: float, background: float = 1.0,
                     in_image: np.ndarray | None = None, margin_mm: float = SURFACE_MARGIN_MM) -> np.ndarray:
    """(J,) labels from :data:`VISIBILITY` for crop-normalised joints (J, 3) in a normalised crop (S, S), by the
    crop's depth at the joint's pixel: "seen" within ``margin_mm`` of the joint's depth, "hidden" nearer than that
    (a finger or the palm in front), "surface behind" farther (the joint's pixel misses the hand), "no depth"
    background (a hole, the projector's shadow, dropped edge pixels, depth outside the cube, or the pixel outside
    the crop); "outside the image" where ``in_image`` (J,) bool is False (the camera does not see the joint's
    pixel at all)."""
    size = crop.shape[0]
    px = np.rint((joints_crop[:, :2] + 0.5) * size - 0.5).astype(int)
    inside = np.all((px >= 0) & (px < size), axis=1)
    labels = np.full(len(joints_crop), "no depth", dtype=object)
    for j in np.flatnonzero(inside):
        surface = float(crop[px[j, 1], px[j, 0]])
        if surface >= background:
            continue
        gap_mm = (float(joints_crop[j, 2]) - surface) * cube_half_mm
        labels[j] = "hidden" if gap_mm > margin_mm else "seen" if gap_mm >= -margin_mm else "surface behind"
    if in_image is not None:
        labels[~np.asarray(in_image, dtype=bool)] = "outside the image"
    return labels


def group_means(errors_mm: np.ndarray, labels: Sequence[str],
                order: Sequence[str] = ()) -> list[tuple[str, int, float]]:
    """(label, count, mean error mm) for each label of ``labels`` (one per row of ``errors_mm``, any shape per
    row), in ``order`` first, then the rest sorted; labels with no rows are left out."""
    labels = np.asarray(labels, dtype=object)
    names = [n for n in order if n in set(labels)] + sorted(set(labels) - set(order))
    rows = []
    for name in names:
        chosen = errors_mm[labels == name]
        rows.append((str(name), int(len(chosen)), float(chosen.mean())))
    return rows


def joint_group_means(errors_mm: np.ndarray, visibility: np.ndarray) -> list[tuple[str, int, float]]:
    """(visibility label, joint count, mean error mm) over every joint of (N, J) errors and (N, J) labels."""
    return group_means(errors_mm.reshape(-1), visibility.reshape(-1), VISIBILITY)


@dataclass
class SceneLabels:
    """Per validation sample: its pose source, the side of the hand facing the camera, the palm's distance bin,
    where the crop's centre came from, and (21,) joint visibility labels (:mod:`handtrack.eval.breakdown`)."""

    columns: dict[str, list[str]] = field(default_factory=lambda: {
        "pose": [], "facing the camera": [], "palm distance": [], "crop centre from": []})
    visibility: list[np.ndarray] = field(default_factory=list)

    def add(self, scene: Scene, sample: CropSample, cube_half_mm: float, intrinsics: Intrinsics) -> None:
        self.columns["pose"].append(scene.pose_source)
        self.columns["facing the camera"].append(palm_facing(scene.joints_mm))
        self.columns["palm distance"].append(distance_bin(float(scene.palm_centre_mm[2])))
        self.columns["crop centre from"].append(sample.centre_from)
        uv = project_points_to_pixels(scene.joints_mm, intrinsics)
        in_image = (uv[:, 0] > -0.5) & (uv[:, 0] < intrinsics.width - 0.5) & (uv[:, 1] > -0.5) & (
            uv[:, 1] < intrinsics.height - 0.5)
        self.visibility.append(joint_visibility(sample.crop, sample.joints_crop, cube_half_mm, in_image=in_image))
