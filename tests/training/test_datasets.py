"""Training on a public dataset's copy: crops in this project's joint order, errors for unusable specs."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (the train extra)")

from handtrack.errors import HandtrackError  # noqa: E402
from handtrack.preprocess import crop_to_xyz_mm  # noqa: E402
from handtrack.training.datasets import DatasetCrops, check_data_spec  # noqa: E402
from handtrack.training.loop import TrainConfig, train  # noqa: E402
from tests.datasets.test_readers import _depth  # noqa: E402


def _msra_fixture(root):
    """Two MSRA frames (the format of tests/datasets) with a hand-like labelled pose in MSRA's joint order."""
    folder = root / "P0" / "5"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(2):
        xyz = np.column_stack([rng.uniform(-40, 40, 21), rng.uniform(-40, 40, 21), -rng.uniform(380, 420, 21)])
        frames.append(xyz)
    (folder / "joint.txt").write_text("2\n" + "".join(" ".join(f"{v:.4f}" for v in x.ravel()) + "\n" for x in frames))
    for i in range(2):
        full = _depth(240, 320, i)
        header = np.array([320, 240, 80, 60, 240, 180], np.uint32).tobytes()
        (folder / f"{i:06d}_depth.bin").write_bytes(header + full[60:180, 80:240].astype(np.float32).tobytes())
    return [x * np.array([1.0, -1.0, -1.0]) for x in frames]  # camera space, MSRA's order


def test_dataset_crops_carry_the_labels_in_project_order(tmp_path):
    xyz_msra = _msra_fixture(tmp_path)
    dataset = DatasetCrops(f"msra:{tmp_path}", seed=3)
    crop, joints = dataset[1]
    assert crop.shape == (1, 128, 128) and joints.shape == (21, 3)
    from handtrack.datasets import open_dataset

    reader = open_dataset(f"msra:{tmp_path}")
    # Rebuild the crop's transform as the dataset did, and map the crop joints back to camera space.
    from handtrack.datasets.readers import TO_PROJECT_ORDER
    from handtrack.preprocess import CropParams
    from handtrack.preprocess.augment import AugmentConfig, augmented_transform
    from handtrack.preprocess.refine import palm_centre_mm

    order = list(TO_PROJECT_ORDER["msra"])
    rng = np.random.default_rng([3, 1])
    transform = augmented_transform(palm_centre_mm(xyz_msra[1][order]), reader.intrinsics, CropParams(),
                                    AugmentConfig(), rng)
    back = crop_to_xyz_mm(joints.numpy(), transform, reader.intrinsics)
    np.testing.assert_allclose(back[0], xyz_msra[1][0], atol=0.05)  # wrist is MSRA's joint 0
    np.testing.assert_allclose(back[4], xyz_msra[1][20], atol=0.05)  # thumb tip is MSRA's last joint
    np.testing.assert_allclose(back[8], xyz_msra[1][4], atol=0.05)  # index tip is MSRA's joint 4


def test_train_runs_on_a_dataset_and_bad_specs_are_refused(tmp_path):
    _msra_fixture(tmp_path / "msra")
    config = TrainConfig(model="pwr-one-stage", batch_size=2, workers=0, max_steps=2, validation_samples=2,
                         data=f"msra:{tmp_path / 'msra'}")
    result = train(config, tmp_path / "run")
    assert result["step"] == 2
    for spec, message in (("icvl:/x", "16-joint"), ("nyu:/x", "14-joint"), ("kitti:/x", "unknown dataset"),
                          ("msra", "expected 'synthetic'")):
        with pytest.raises(HandtrackError, match=message):
            check_data_spec(spec)
