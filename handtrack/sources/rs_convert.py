"""Conversions between pyrealsense2 objects and this project's types, plus small SDK helpers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pyrealsense2 as rs

from handtrack.errors import SourceError
from handtrack.types import DistortionModel, Intrinsics

T = TypeVar("T")

_DEVICE_INFO_FIELDS = {
    "name": rs.camera_info.name,
    "serial": rs.camera_info.serial_number,
    "firmware": rs.camera_info.firmware_version,
    "product_line": rs.camera_info.product_line,
    "usb_type": rs.camera_info.usb_type_descriptor,
}


def intrinsics_from_rs(intr: rs.intrinsics) -> Intrinsics:
    """pyrealsense2 intrinsics -> :class:`Intrinsics`."""
    return Intrinsics(
        width=intr.width, height=intr.height, fx=intr.fx, fy=intr.fy, ppx=intr.ppx, ppy=intr.ppy,
        model=DistortionModel(intr.model.name), coeffs=tuple(intr.coeffs),  # type: ignore[arg-type]
    )


def intrinsics_to_rs(intr: Intrinsics) -> rs.intrinsics:
    """:class:`Intrinsics` -> pyrealsense2 intrinsics."""
    out = rs.intrinsics()
    out.width, out.height = intr.width, intr.height
    out.fx, out.fy, out.ppx, out.ppy = intr.fx, intr.fy, intr.ppx, intr.ppy
    out.model = getattr(rs.distortion, intr.model.value)
    out.coeffs = list(intr.coeffs)
    return out


def depth_unit_mm_from_scale(depth_scale_m: float) -> float:
    """The SDK's depth scale (metres per unit, a float32) as millimetres per unit, without float32 noise."""
    return round(float(depth_scale_m) * 1000.0, 7)


def device_info(device: rs.device) -> dict[str, str]:
    """name / serial / firmware / product line / USB type, where the device reports them."""
    info: dict[str, str] = {}
    for key, field in _DEVICE_INFO_FIELDS.items():
        if device.supports(field):
            info[key] = device.get_info(field)
    return info


def call_with_timeout(fn: Callable[[], T], timeout_s: float, message: str) -> T:
    """Run an SDK call that may hang on bad input; raise SourceError(message) if it takes longer.

    librealsense blocks forever on some incomplete files (a .db3 whose writer died before writing the device
    description); the call runs on a daemon thread so that a hang becomes an error instead.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            error.append(exc)

    thread = threading.Thread(target=target, name="handtrack-sdk-call", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise SourceError(message)
    if error:
        raise error[0]
    return result[0]
