"""Camera profiles: named JSON files in the repository's ``calibration/`` folder (installed as the
``handtrack._calibration`` package), or any JSON file given by path.

A profile holds the depth stream's intrinsics, the depth unit, a working range and a noise model. Live
cameras and recordings carry their own intrinsics; profiles serve PNG folders, array stacks, dataset
readers and the synthetic renderer. ``calibration/README.md`` documents the format.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from handtrack.errors import ProfileError
from handtrack.types import DistortionModel, Intrinsics

_REQUIRED_INTRINSICS = ("width", "height", "fx", "fy", "ppx", "ppy")


@dataclass(frozen=True)
class CameraProfile:
    """A camera's depth-stream description (see calibration/README.md)."""

    name: str
    description: str
    source: str
    intrinsics: Intrinsics
    depth_unit_mm: float
    depth_range_mm: tuple[float, float]
    noise_family: str
    noise_sigma_mm_at_1m: float


def _profile_files() -> dict[str, Path]:
    folder = resources.files("handtrack") / "_calibration"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".json")}


def list_profiles() -> list[str]:
    """Names of the bundled profiles, sorted."""
    return sorted(_profile_files())


def _number(data: dict[str, Any], key: str, where: str, origin: str) -> float:
    if key not in data:
        raise ProfileError(f"camera profile {origin}: missing field '{where}{key}'")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProfileError(f"camera profile {origin}: field '{where}{key}' must be a number, got {value!r}")
    return float(value)


def parse_profile(data: Any, origin: str) -> CameraProfile:
    """Validate a profile dict; errors name the file (``origin``) and the offending field."""
    if not isinstance(data, dict):
        raise ProfileError(f"camera profile {origin}: expected a JSON object")
    for key in ("name", "description", "source"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ProfileError(f"camera profile {origin}: missing field '{key}' (a non-empty string)")
    intr = data.get("intrinsics")
    if not isinstance(intr, dict):
        raise ProfileError(f"camera profile {origin}: missing field 'intrinsics' (an object)")
    values = {k: _number(intr, k, "intrinsics.", origin) for k in _REQUIRED_INTRINSICS}
    for k in ("width", "height"):
        if values[k] <= 0 or values[k] != int(values[k]):
            raise ProfileError(f"camera profile {origin}: field 'intrinsics.{k}' must be a positive integer")
    model = intr.get("model", "none")
    if model not in {m.value for m in DistortionModel}:
        known = ", ".join(m.value for m in DistortionModel)
        raise ProfileError(f"camera profile {origin}: field 'intrinsics.model' is {model!r}; one of: {known}")
    coeffs = intr.get("coeffs", [0.0] * 5)
    if not isinstance(coeffs, list) or len(coeffs) != 5 or not all(isinstance(c, (int, float)) for c in coeffs):
        raise ProfileError(f"camera profile {origin}: field 'intrinsics.coeffs' must be a list of 5 numbers")
    depth_unit = _number(data, "depth_unit_mm", "", origin)
    if depth_unit <= 0:
        raise ProfileError(f"camera profile {origin}: field 'depth_unit_mm' must be positive")
    depth_range = data.get("depth_range_mm", [100, 2000])
    if (not isinstance(depth_range, list) or len(depth_range) != 2
            or not all(isinstance(v, (int, float)) for v in depth_range) or not 0 <= depth_range[0] < depth_range[1]):
        raise ProfileError(f"camera profile {origin}: field 'depth_range_mm' must be [near, far] with near < far")
    noise = data.get("noise", {})
    if not isinstance(noise, dict):
        raise ProfileError(f"camera profile {origin}: field 'noise' must be an object")
    intrinsics = Intrinsics(
        width=int(values["width"]), height=int(values["height"]), fx=values["fx"], fy=values["fy"],
        ppx=values["ppx"], ppy=values["ppy"], model=DistortionModel(model), coeffs=tuple(coeffs),  # type: ignore[arg-type]
    )
    return CameraProfile(
        name=data["name"], description=data["description"], source=data["source"], intrinsics=intrinsics,
        depth_unit_mm=depth_unit, depth_range_mm=(float(depth_range[0]), float(depth_range[1])),
        noise_family=str(noise.get("family", "unknown")),
        noise_sigma_mm_at_1m=float(noise.get("sigma_mm_at_1m", 0.0)),
    )


def load_profile(name_or_path: str | Path) -> CameraProfile:
    """Load a bundled profile by name (``sr300``, ``d435``, ``nyu`` ...) or a JSON file by path."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".json") or path.is_file():
        if not path.is_file():
            raise ProfileError(f"camera profile file not found: {path}")
        origin = str(path)
    else:
        files = _profile_files()
        key = text.lower()
        if key not in files:
            raise ProfileError(f"unknown camera profile {text!r}; known profiles: {', '.join(sorted(files))}")
        path, origin = files[key], f"'{key}'"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"camera profile {origin} is not valid JSON: {exc}") from exc
    return parse_profile(data, origin)
