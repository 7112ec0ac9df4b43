"""Core value types: camera intrinsics and depth frames.

Conventions (librealsense's, see DESIGN.md section 3): pixel (0, 0) is the centre of the top-left pixel,
x to the right, y down, z forward. Depth images hold raw sensor units; ``depth_unit_mm`` converts them
(D400: 1.0, SR300/SR305: 0.125 in their default mode). Never assume 1 mm per unit.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from handtrack.errors import FrameError, ProfileError


class DistortionModel(str, enum.Enum):
    """The lens models librealsense reports (names as pyrealsense2 spells them)."""

    NONE = "none"
    MODIFIED_BROWN_CONRADY = "modified_brown_conrady"
    INVERSE_BROWN_CONRADY = "inverse_brown_conrady"
    FTHETA = "ftheta"
    BROWN_CONRADY = "brown_conrady"
    KANNALA_BRANDT4 = "kannala_brandt4"


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics plus a librealsense distortion model.

    width, height: image size in pixels. fx, fy: focal lengths in pixels (fy may be negative, as in the NYU
    dataset). ppx, ppy: principal point in pixels. coeffs: the five distortion coefficients in
    librealsense's order (k1, k2, p1, p2, k3 for the Brown-Conrady family; k1..k4 for Kannala-Brandt;
    the field-of-view parameter first for F-Theta).
    """

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float
    model: DistortionModel = DistortionModel.NONE
    coeffs: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", DistortionModel(self.model))
        object.__setattr__(self, "coeffs", tuple(float(c) for c in self.coeffs))
        if len(self.coeffs) != 5:
            raise ProfileError(f"intrinsics need 5 distortion coefficients, got {len(self.coeffs)}")
        if self.width <= 0 or self.height <= 0:
            raise ProfileError(f"intrinsics need a positive image size, got {self.width}x{self.height}")
        for name in ("fx", "fy", "ppx", "ppy"):
            if not math.isfinite(getattr(self, name)):
                raise ProfileError(f"intrinsics field {name} is not a finite number")
        if self.fx == 0 or self.fy == 0:
            raise ProfileError("intrinsics focal lengths fx and fy must be non-zero")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return (self.width, self.height)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the layout of the ``intrinsics`` object in camera profiles)."""
        return {
            "width": self.width,
            "height": self.height,
            "fx": self.fx,
            "fy": self.fy,
            "ppx": self.ppx,
            "ppy": self.ppy,
            "model": self.model.value,
            "coeffs": list(self.coeffs),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Intrinsics:
        """Inverse of :meth:`to_dict`; missing ``model``/``coeffs`` mean no distortion."""
        return cls(
            width=int(data["width"]),
            height=int(data["height"]),
            fx=float(data["fx"]),
            fy=float(data["fy"]),
            ppx=float(data["ppx"]),
            ppy=float(data["ppy"]),
            model=DistortionModel(data.get("model", "none")),
            coeffs=tuple(data.get("coeffs", (0.0,) * 5)),  # type: ignore[arg-type]
        )

    def scaled(self, width: int, height: int) -> Intrinsics:
        """The same camera at another resolution (pixel-centre convention kept), for resized streams."""
        sx, sy = width / self.width, height / self.height
        return Intrinsics(
            width, height, self.fx * sx, self.fy * sy,
            (self.ppx + 0.5) * sx - 0.5, (self.ppy + 0.5) * sy - 0.5, self.model, self.coeffs,
        )


@dataclass
class Frame:
    """One depth frame as every source yields it.

    depth: (H, W) uint16 raw sensor units, 0 = no measurement.
    depth_unit_mm: millimetres per raw unit.
    intrinsics: the depth stream's own intrinsics (no alignment to colour).
    timestamp_ms: capture time in milliseconds (device clock for cameras and recordings).
    index: 0-based position of the frame in its source.
    source: short human-readable description of where it came from.
    """

    depth: np.ndarray
    depth_unit_mm: float
    intrinsics: Intrinsics
    timestamp_ms: float
    index: int
    source: str = ""
    info: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        depth = self.depth
        if not isinstance(depth, np.ndarray) or depth.dtype != np.uint16 or depth.ndim != 2:
            got = (f"a {depth.ndim}-D {depth.dtype} array" if isinstance(depth, np.ndarray)
                   else type(depth).__name__)
            raise FrameError(f"frame {self.index}: depth must be a 2-D uint16 array of raw depth units, got {got}; "
                             "from millimetres: np.round(depth_mm / depth_unit_mm).astype(np.uint16)")
        if depth.shape != (self.intrinsics.height, self.intrinsics.width):
            raise FrameError(f"frame {self.index}: depth is {depth.shape[1]}x{depth.shape[0]}, its intrinsics are "
                             f"{self.intrinsics.width}x{self.intrinsics.height}")
        if not self.depth_unit_mm > 0:
            raise FrameError(f"frame {self.index}: depth_unit_mm must be positive, got {self.depth_unit_mm}")

    def depth_mm(self) -> np.ndarray:
        """(H, W) float32 depth in millimetres, 0 where there is no measurement."""
        return self.depth.astype(np.float32) * np.float32(self.depth_unit_mm)


@dataclass
class LabelledFrame(Frame):
    """A Frame with ground truth (synthetic frames, dataset readers).

    joints_uvd: (J, 3) pixels, pixels, mm; joints_xyz_mm: (J, 3) camera space mm; J and the joint order are
    those of the source (21 in this project's order for synthetic frames; the dataset's own layout otherwise).
    """

    joints_uvd: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.float32))
    joints_xyz_mm: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.float32))
