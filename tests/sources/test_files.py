import cv2
import numpy as np
import pytest

from handtrack.errors import SourceError
from handtrack.sources import open_source
from handtrack.sources.files import ArrayStackSource, PngFolderSource, natural_sort_key
from tests.conftest import SMALL_INTRINSICS, pattern_frame


def _write_pngs(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        cv2.imwrite(str(folder / name), pattern_frame(i).depth)


def test_natural_sort():
    names = ["frame_10.png", "frame_2.png", "frame_1.png"]
    assert sorted(names, key=natural_sort_key) == ["frame_1.png", "frame_2.png", "frame_10.png"]


def test_png_folder_yields_frames_in_natural_order_bit_exact(tmp_path):
    _write_pngs(tmp_path, ["f_0.png", "f_1.png", "f_2.png"])
    (tmp_path / "f_10.png").write_bytes((tmp_path / "f_2.png").read_bytes())
    source = PngFolderSource(tmp_path, SMALL_INTRINSICS, 0.125)
    frames = list(source)
    assert [f.info["file"] for f in frames] == ["f_0.png", "f_1.png", "f_2.png", "f_10.png"]
    assert [f.index for f in frames] == [0, 1, 2, 3]
    np.testing.assert_array_equal(frames[1].depth, pattern_frame(1).depth)
    assert source.frame_count == 4 and frames[0].depth_unit_mm == 0.125


def test_png_folder_of_sequences_reads_subfolders_in_order(tmp_path):
    _write_pngs(tmp_path / "seq2", ["1.png"])
    _write_pngs(tmp_path / "seq10", ["1.png"])
    _write_pngs(tmp_path / "seq2", ["0.png"])
    files = [f.info["file"] for f in PngFolderSource(tmp_path, SMALL_INTRINSICS, 1.0)]
    assert files == ["seq2/0.png", "seq2/1.png", "seq10/1.png"]


def test_eight_bit_png_is_refused_with_its_name(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((48, 64), np.uint8))
    with pytest.raises(SourceError, match=r"a\.png: 8-bit uint8 image"):
        list(PngFolderSource(tmp_path, SMALL_INTRINSICS, 1.0))


def test_wrongly_sized_png_is_refused(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((40, 64), np.uint16))
    with pytest.raises(SourceError, match="64x40 but the camera profile is 64x48"):
        list(PngFolderSource(tmp_path, SMALL_INTRINSICS, 1.0))


def test_colour_png_is_refused(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((48, 64, 3), np.uint16))
    with pytest.raises(SourceError, match="3 channels"):
        list(PngFolderSource(tmp_path, SMALL_INTRINSICS, 1.0))


def test_empty_folder_and_missing_folder(tmp_path):
    with pytest.raises(SourceError, match="no .png files"):
        PngFolderSource(tmp_path, SMALL_INTRINSICS, 1.0)
    with pytest.raises(SourceError, match="folder not found"):
        PngFolderSource(tmp_path / "nope", SMALL_INTRINSICS, 1.0)


def test_npz_and_npy_stacks(tmp_path):
    stack = np.stack([pattern_frame(i).depth for i in range(3)])
    np.savez(tmp_path / "s.npz", depth=stack, timestamps_ms=np.array([5.0, 6.0, 9.0]))
    frames = list(ArrayStackSource(tmp_path / "s.npz", SMALL_INTRINSICS, 0.5))
    assert [f.timestamp_ms for f in frames] == [5.0, 6.0, 9.0]
    np.testing.assert_array_equal(frames[2].depth, stack[2])
    np.save(tmp_path / "s.npy", stack)
    assert len(list(ArrayStackSource(tmp_path / "s.npy", SMALL_INTRINSICS, 0.5))) == 3
    np.save(tmp_path / "f.npy", stack.astype(np.float32))
    with pytest.raises(SourceError, match="16-bit"):
        ArrayStackSource(tmp_path / "f.npy", SMALL_INTRINSICS, 0.5)


def test_open_source_dispatch_and_errors(tmp_path, sr305_dir):
    with pytest.raises(SourceError, match="--camera-profile"):
        open_source(sr305_dir)
    with pytest.raises(SourceError, match="unsupported source type '.txt'"):
        (tmp_path / "x.txt").write_text("x")
        open_source(tmp_path / "x.txt", camera_profile="sr305")
    with pytest.raises(SourceError, match="not found: .*missing .*'realsense', a .bag or .db3 recording"):
        open_source(tmp_path / "missing", camera_profile="sr305")
    with open_source(sr305_dir, camera_profile="sr305") as source:
        assert source.frame_count == 19 and source.depth_unit_mm == 0.125
        first = next(iter(source))
        assert first.depth.shape == (480, 640)
