"""The normalisation contract between camera and network (DESIGN.md section 2).

One :class:`CropParams` object describes how a depth frame becomes the network's input. It is written into
every model file and read back by training, export, evaluation and live tracking, so that all of them crop
identically.

Conventions:
- The crop is ``input_size`` x ``input_size`` pixels, the projection of a cube of half-size
  ``cube_half_mm`` centred on the hand centre (u_c, v_c, z_c).
- Depth inside the cube, z in [z_c - s, z_c + s), becomes (z - z_c) / s in [-1, 1). Missing depth and depth
  outside the cube become ``background_value`` = 1.0 (the cube's far face), so the hand mask is exactly
  ``crop < 1.0`` — no hand pixel can take the background value.
- With ``segment_jump_mm`` > 0, only the surface connected to the hand is kept: a flood fill from the crop
  pixel nearest the centre that stops at depth jumps larger than that; everything else (a torso a few
  centimetres behind the hand, a desk) becomes background too. A seed whose surface is a speck (fewer than
  ``crop.MIN_SEED_SURFACE_PX`` pixels: a stereo camera's flying pixel) is passed over for the next.
- Joint coordinates in crop space: u, v in (-0.5, 0.5) across the crop (centre of the crop = 0), and
  d = (z - z_c) / s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from handtrack.pose import JOINT_NAMES

CONTRACT_VERSION = 1


@dataclass(frozen=True)
class CropParams:
    """Crop and normalisation settings shared by every user of the crop."""

    input_size: int = 128
    representation_size: int = 64
    cube_half_mm: float = 150.0
    background_value: float = 1.0
    segment_jump_mm: float = 30.0
    depth_normalisation: str = "(z - z_c) / cube_half_mm inside the cube, background elsewhere"
    resampling: str = "nearest"
    joint_names: tuple[str, ...] = field(default_factory=lambda: JOINT_NAMES)
    version: int = CONTRACT_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["joint_names"] = list(self.joint_names)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CropParams:
        """Read a contract back; refuses versions or settings this code cannot honour."""
        version = int(data.get("version", -1))
        if version != CONTRACT_VERSION:
            raise ValueError(f"crop contract version {version} is not supported (this code: {CONTRACT_VERSION})")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"crop contract has unknown fields: {sorted(unknown)}")
        values = dict(data)
        if "joint_names" in values:
            values["joint_names"] = tuple(values["joint_names"])
        params = cls(**values)
        if params.resampling != "nearest":
            raise ValueError(f"crop resampling {params.resampling!r} is not supported")
        if params.input_size % params.representation_size:
            raise ValueError("input_size must be a multiple of representation_size")
        return params
