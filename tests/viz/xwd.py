"""Read the screenshots ``xwd -root`` takes of a virtual display (X Window Dump, file version 7), so that the
viewer tests need no image converter: a ZPixmap of a 24-bit screen with 8-bit colour channels, as Xvfb's is
(3 or 4 bytes a pixel; rows may be padded beyond width x bytes a pixel: bytes_per_line is their length)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_FIELDS = ("header_size file_version pixmap_format pixmap_depth width height xoffset byte_order bitmap_unit "
           "bitmap_bit_order bitmap_pad bits_per_pixel bytes_per_line visual_class red_mask green_mask blue_mask "
           "bits_per_rgb colormap_entries ncolors").split()
_XCOLOR_BYTES = 12


def xwd_header(path: str | Path) -> dict[str, int]:
    """The header fields of an XWD file (for messages when a screenshot is not what a test expected)."""
    return dict(zip(_FIELDS, struct.unpack(">20I", Path(path).read_bytes()[:80])))


def read_xwd_bgr(path: str | Path, stride: int | None = None) -> np.ndarray:
    """(H, W, 3) uint8 BGR image of an XWD file; ValueError for another layout (not a ZPixmap of 3- or 4-byte
    pixels with 8-bit channels). stride: bytes a pixel, instead of the header's bits_per_pixel / 8."""
    data = Path(path).read_bytes()
    head = dict(zip(_FIELDS, struct.unpack(">20I", data[:80])))
    stride = stride or head["bits_per_pixel"] // 8
    if stride * head["width"] > head["bytes_per_line"]:
        raise ValueError(f"{path}: rows of {head['bytes_per_line']} bytes cannot hold {head['width']} pixels of "
                         f"{stride} bytes")
    if (head["file_version"], head["pixmap_format"]) != (7, 2) or stride not in (3, 4):
        raise ValueError(f"{path}: not a ZPixmap XWD dump of 3- or 4-byte pixels ({head})")
    start = head["header_size"] + head["ncolors"] * _XCOLOR_BYTES
    rows = np.frombuffer(data, np.uint8, head["height"] * head["bytes_per_line"], start)
    pixels = rows.reshape(head["height"], head["bytes_per_line"])[:, :head["width"] * stride].reshape(
        head["height"], head["width"], stride)
    if head["byte_order"] == 1:  # MSBFirst: (X) R G B in memory
        pixels = pixels[..., ::-1]
    masks = [head["blue_mask"], head["green_mask"], head["red_mask"]]
    channel = {0xFF: 0, 0xFF00: 1, 0xFF0000: 2}
    if any(m not in channel for m in masks):
        raise ValueError(f"{path}: colour masks {masks} are not 8-bit channels")
    return np.ascontiguousarray(pixels[..., [channel[m] for m in masks]])
