import struct

import numpy as np
import pytest

from tests.viz.xwd import read_xwd_bgr


def _xwd(path, image_bgr: np.ndarray, stride: int, bits_per_pixel: int, row_bytes: int) -> None:
    """A little-endian TrueColor ZPixmap dump as xwd writes it: header, window name, 256 colours, rows."""
    h, w, _ = image_bgr.shape
    name = b"xwdump\x00"
    fields = [100 + len(name), 7, 2, 24, w, h, 0, 0, 32, 0, 32, bits_per_pixel, row_bytes, 4,
              0xFF0000, 0xFF00, 0xFF, 8, 256, 256, w, h, 0, 0, 0]
    rows = np.zeros((h, row_bytes), np.uint8)
    pixels = np.zeros((h, w, stride), np.uint8)
    pixels[..., :3] = image_bgr  # little-endian 0x00RRGGBB: B, G, R (, X) in memory
    rows[:, : w * stride] = pixels.reshape(h, -1)
    path.write_bytes(struct.pack(">25I", *fields) + name + bytes(256 * 12) + rows.tobytes())


@pytest.mark.parametrize("stride,bits,row_bytes", [(4, 32, 40), (3, 24, 40), (3, 24, 32)])
def test_read_xwd_bgr_unpacks_3_and_4_byte_pixels(tmp_path, stride, bits, row_bytes):
    image = np.random.default_rng(0).integers(0, 256, (6, 10, 3), dtype=np.uint8)
    _xwd(tmp_path / "s.xwd", image, stride, bits, row_bytes)
    np.testing.assert_array_equal(read_xwd_bgr(tmp_path / "s.xwd"), image)
    with pytest.raises(ValueError, match="cannot hold"):
        read_xwd_bgr(tmp_path / "s.xwd", stride=8)
