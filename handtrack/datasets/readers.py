"""The four readers. File formats (as documented with each dataset):

- MSRA15 (Sun et al. 2015): ``P*/<gesture>/NNNNNN_depth.bin`` = six uint32 (image width, height, box left,
  top, right, bottom) then float32 depth (mm) of the box, row by row; ``joint.txt`` in each gesture folder = a
  frame-count line, then per frame 21 x (x y z). Axis convention assumed (the one the hand-pose literature
  uses with this dataset): x right, y up, z negative in front of the camera, so camera space is (x, -y, -z);
  joints in MSRA's order (wrist; index, middle, ring, little, thumb, each MCP PIP DIP TIP).
- ICVL (Tang et al. 2014): 16-bit PNG depth in mm, 320x240; label file lines = image path + 16 x (u v d).
- NYU (Tompson et al. 2014): depth PNG with depth = G * 256 + B (mm); ``joint_data.mat`` with ``joint_uvd``
  (kinects x frames x 36 x 3); the standard 14-joint subset of the 36, camera 1 (``depth_1_NNNNNNN.png``).
- HANDS2017 / BigHand2.2M: 16-bit PNG depth in mm; label lines = image name + 21 x (x y z) mm.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from handtrack.datasets.base import DatasetError, DatasetSource, parse_numbers, uvd_from_xyz
from handtrack.sources.files import natural_sort_key

NYU_JOINTS_14 = (0, 3, 6, 9, 12, 15, 18, 21, 24, 25, 27, 30, 31, 32)

#: for the 21-joint datasets, the dataset's joint index of each of this project's joints (handtrack.pose.Joint:
#: wrist, then thumb, index, middle, ring, little, each MCP PIP DIP TIP)
TO_PROJECT_ORDER = {
    # MSRA15: wrist; index, middle, ring, little, thumb, each MCP PIP DIP TIP
    "msra": (0, 17, 18, 19, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
    # HANDS2017 / BigHand2.2M: wrist; the five MCPs (thumb to little); then PIP DIP TIP of each finger
    "hands2017": (0, 1, 6, 7, 8, 2, 9, 10, 11, 3, 12, 13, 14, 4, 15, 16, 17, 5, 18, 19, 20),
}


def _read_png_mm(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DatasetError(f"{path}: missing or not a readable image")
    return image


def _split_name(line: str) -> tuple[str, str]:
    """'name<space or tab>numbers...' -> (name, numbers)."""
    parts = line.strip().split(None, 1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def _label_lines(path: Path) -> list[tuple[int, str]]:
    if not path.is_file():
        raise DatasetError(f"label file not found: {path}")
    return [(n, line) for n, line in enumerate(path.read_text().splitlines(), start=1) if line.strip()]


class MsraReader(DatasetSource):
    profile_name, joints = "msra", 21

    def __init__(self, root: str | Path) -> None:
        super().__init__(root)
        for joint_file in sorted(self.root.rglob("joint.txt"), key=lambda p: natural_sort_key(str(p))):
            lines = _label_lines(joint_file)
            count = int(parse_numbers(lines[0][1], 1, f"{joint_file}:{lines[0][0]}")[0]) if lines else 0
            if len(lines) - 1 != count:
                raise DatasetError(f"{joint_file}: header says {count} frames, the file has {len(lines) - 1}")
            for i, (number, line) in enumerate(lines[1:]):
                xyz = parse_numbers(line, 63, f"{joint_file}:{number}").reshape(21, 3) * np.array([1.0, -1.0, -1.0])
                self.items.append((joint_file.parent / f"{i:06d}_depth.bin", uvd_from_xyz(xyz, self.intrinsics)))
        if not self.items:
            raise DatasetError(f"{self.root}: no MSRA joint.txt files")

    def load_depth(self, path: Path) -> np.ndarray:
        if not path.is_file():
            raise DatasetError(f"{path}: missing depth file")
        data = path.read_bytes()
        if len(data) < 24:
            raise DatasetError(f"{path}: truncated header")
        width, height, left, top, right, bottom = np.frombuffer(data[:24], dtype=np.uint32).astype(int)
        box_w, box_h = right - left, bottom - top
        if not (0 <= left < right <= width and 0 <= top < bottom <= height) or len(data) != 24 + 4 * box_w * box_h:
            raise DatasetError(f"{path}: header box ({left}, {top}, {right}, {bottom}) does not match the file size")
        depth = np.zeros((height, width), np.uint16)
        box = np.frombuffer(data[24:], dtype=np.float32).reshape(box_h, box_w)
        depth[top:bottom, left:right] = np.clip(np.round(box), 0, 65535).astype(np.uint16)
        return depth


class IcvlReader(DatasetSource):
    profile_name, joints = "icvl", 16

    def __init__(self, root: str | Path, labels: str = "labels.txt") -> None:
        super().__init__(root)
        label_file = self.root / labels
        for number, line in _label_lines(label_file):
            name, rest = _split_name(line)
            uvd = parse_numbers(rest, 48, f"{label_file}:{number}").reshape(16, 3)
            self.items.append((self.root / name, uvd))

    def load_depth(self, path: Path) -> np.ndarray:
        depth = _read_png_mm(path)
        if depth.dtype != np.uint16 or depth.ndim != 2:
            raise DatasetError(f"{path}: expected a 16-bit depth PNG")
        return depth


class NyuReader(DatasetSource):
    profile_name, joints = "nyu", 14

    def __init__(self, root: str | Path, kinect: int = 1) -> None:
        super().__init__(root)
        mat = self.root / "joint_data.mat"
        if not mat.is_file():
            raise DatasetError(f"label file not found: {mat}")
        try:
            from scipy.io import loadmat
        except ImportError as exc:
            raise DatasetError("reading NYU's joint_data.mat needs scipy (pip install scipy)") from exc
        try:
            joint_uvd = np.asarray(loadmat(str(mat))["joint_uvd"], dtype=np.float64)
        except (KeyError, ValueError, OSError) as exc:
            raise DatasetError(f"{mat}: no readable joint_uvd array ({exc})") from exc
        if joint_uvd.ndim != 4 or joint_uvd.shape[2:] != (36, 3):
            raise DatasetError(f"{mat}: joint_uvd has shape {joint_uvd.shape}, expected (kinects, frames, 36, 3)")
        for i, uvd in enumerate(joint_uvd[kinect - 1]):
            self.items.append((self.root / f"depth_{kinect}_{i + 1:07d}.png", uvd[list(NYU_JOINTS_14)]))

    def load_depth(self, path: Path) -> np.ndarray:
        image = _read_png_mm(path)
        if image.ndim != 3 or image.dtype != np.uint8:
            raise DatasetError(f"{path}: expected NYU's 8-bit RGB depth encoding")
        blue, green = image[..., 0].astype(np.uint16), image[..., 1].astype(np.uint16)  # OpenCV loads BGR
        return green * 256 + blue


class Hands2017Reader(DatasetSource):
    profile_name, joints = "hands2017", 21

    def __init__(self, root: str | Path, labels: str = "Training_Annotation.txt", images: str = "images") -> None:
        super().__init__(root)
        label_file = self.root / labels
        for number, line in _label_lines(label_file):
            name, rest = _split_name(line)
            xyz = parse_numbers(rest, 63, f"{label_file}:{number}").reshape(21, 3)
            self.items.append((self.root / images / name, uvd_from_xyz(xyz, self.intrinsics)))

    def load_depth(self, path: Path) -> np.ndarray:
        depth = _read_png_mm(path)
        if depth.dtype != np.uint16 or depth.ndim != 2:
            raise DatasetError(f"{path}: expected a 16-bit depth PNG")
        return depth


DATASETS = {"msra": MsraReader, "icvl": IcvlReader, "nyu": NyuReader, "hands2017": Hands2017Reader}


def open_dataset(spec: str) -> DatasetSource:
    """``"msra:PATH"``, ``"icvl:PATH"``, ``"nyu:PATH"`` or ``"hands2017:PATH"``."""
    name, sep, path = spec.partition(":")
    if not sep or name not in DATASETS:
        raise DatasetError(f"dataset spec {spec!r}: expected NAME:PATH with NAME one of {', '.join(DATASETS)}")
    return DATASETS[name](path)
