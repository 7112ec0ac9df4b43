"""Each reader round-trips a small fixture the test writes in the dataset's own format."""

import cv2
import numpy as np
import pytest

from handtrack.datasets import DatasetError, Hands2017Reader, IcvlReader, MsraReader, NyuReader, open_dataset
from handtrack.datasets.base import uvd_from_xyz
from handtrack.datasets.readers import NYU_JOINTS_14


def _depth(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    depth = np.zeros((h, w), np.uint16)
    depth[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = rng.integers(300, 900, (h // 2, w // 2))
    return depth


def test_msra_round_trip(tmp_path):
    folder = tmp_path / "P0" / "5"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    xyz_msra = [np.column_stack([rng.uniform(-50, 50, 21), rng.uniform(-50, 50, 21), -rng.uniform(300, 500, 21)])
                for _ in range(2)]
    (folder / "joint.txt").write_text("2\n" + "".join(" ".join(f"{v:.4f}" for v in x.ravel()) + "\n"
                                                      for x in xyz_msra))
    depths = []
    for i in range(2):
        full = _depth(240, 320, i)
        left, top, right, bottom = 80, 60, 240, 180
        header = np.array([320, 240, left, top, right, bottom], np.uint32).tobytes()
        (folder / f"{i:06d}_depth.bin").write_bytes(header + full[top:bottom, left:right].astype(np.float32).tobytes())
        depths.append(full)
    reader = open_dataset(f"msra:{tmp_path}")
    assert isinstance(reader, MsraReader) and reader.frame_count == 2
    for i, frame in enumerate(reader):
        np.testing.assert_array_equal(frame.depth, depths[i])
        expected = xyz_msra[i] * np.array([1.0, -1.0, -1.0])
        np.testing.assert_allclose(frame.joints_xyz_mm, expected, atol=1e-3)


def test_msra_malformed_line_is_named(tmp_path):
    (tmp_path / "joint.txt").write_text("1\n1 2 3\n")
    with pytest.raises(DatasetError, match=r"joint.txt:2: 3 numbers, expected 63"):
        MsraReader(tmp_path)


def test_icvl_round_trip(tmp_path):
    (tmp_path / "Depth").mkdir()
    uvd = np.random.default_rng(1).uniform([0, 0, 300], [320, 240, 600], (16, 3))
    cv2.imwrite(str(tmp_path / "Depth" / "a.png"), _depth(240, 320, 3))
    (tmp_path / "labels.txt").write_text("Depth/a.png " + " ".join(f"{v:.4f}" for v in uvd.ravel()) + "\n")
    frame = next(iter(IcvlReader(tmp_path)))
    np.testing.assert_array_equal(frame.depth, _depth(240, 320, 3))
    np.testing.assert_allclose(frame.joints_uvd, uvd, atol=1e-3)
    (tmp_path / "labels.txt").write_text("Depth/a.png 1 2\n")
    with pytest.raises(DatasetError, match=r"labels.txt:1: 2 numbers, expected 48"):
        IcvlReader(tmp_path)


def test_nyu_round_trip_with_rgb_depth_encoding(tmp_path):
    scipy_io = pytest.importorskip("scipy.io", reason="NYU's .mat labels need scipy")
    depth = _depth(480, 640, 4)
    rgb = np.zeros((480, 640, 3), np.uint8)  # OpenCV order: B, G, R
    rgb[..., 0] = depth % 256
    rgb[..., 1] = depth // 256
    cv2.imwrite(str(tmp_path / "depth_1_0000001.png"), rgb)
    joint_uvd = np.random.default_rng(5).uniform(0, 600, (3, 1, 36, 3))
    scipy_io.savemat(str(tmp_path / "joint_data.mat"), {"joint_uvd": joint_uvd})
    frame = next(iter(NyuReader(tmp_path)))
    np.testing.assert_array_equal(frame.depth, depth)
    np.testing.assert_allclose(frame.joints_uvd, joint_uvd[0, 0, list(NYU_JOINTS_14)], atol=1e-3)
    assert frame.intrinsics.fy < 0


def test_hands2017_round_trip(tmp_path):
    (tmp_path / "images").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "image_D00000001.png"), _depth(480, 640, 6))
    xyz = np.random.default_rng(7).uniform([-60, -60, 300], [60, 60, 600], (21, 3))
    (tmp_path / "Training_Annotation.txt").write_text(
        "image_D00000001.png\t" + "\t".join(f"{v:.4f}" for v in xyz.ravel()) + "\n")
    reader = Hands2017Reader(tmp_path)
    frame = next(iter(reader))
    np.testing.assert_array_equal(frame.depth, _depth(480, 640, 6))
    np.testing.assert_allclose(frame.joints_xyz_mm, xyz, atol=1e-3)
    np.testing.assert_allclose(frame.joints_uvd, uvd_from_xyz(xyz, reader.intrinsics), atol=1e-3)


def test_bad_specs_and_missing_files(tmp_path):
    with pytest.raises(DatasetError, match="expected NAME:PATH"):
        open_dataset("kinect:/x")
    with pytest.raises(DatasetError, match="dataset folder not found"):
        open_dataset(f"icvl:{tmp_path / 'nope'}")
    with pytest.raises(DatasetError, match="label file not found"):
        open_dataset(f"hands2017:{tmp_path}")
