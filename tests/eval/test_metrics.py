"""Eval reproduces errors the tests know by construction, for every layout (NYU's negative fy included)."""

import numpy as np
import pytest

from handtrack.calibration import load_profile
from handtrack.eval.metrics import (
    DATASET_JOINTS,
    ResultsFileError,
    evaluate,
    load_uvd_file,
    uvd_to_xyz,
    write_uvd_file,
)
from tests.cli.test_cli import run_cli


def _xyz_to_uvd(xyz: np.ndarray, fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    return np.stack([xyz[..., 0] * fx / xyz[..., 2] + cx, xyz[..., 1] * fy / xyz[..., 2] + cy, xyz[..., 2]], -1)


def _camera(dataset: str) -> tuple[float, float, float, float]:
    intr = load_profile("sr305" if dataset == "synthetic" else dataset).intrinsics
    return intr.fx, intr.fy, intr.ppx, intr.ppy


@pytest.mark.parametrize("dataset", sorted(DATASET_JOINTS))
def test_known_errors_are_reproduced_to_three_decimals(dataset, tmp_path):
    rng = np.random.default_rng(0)
    joints = DATASET_JOINTS[dataset]
    gt_xyz = rng.uniform([-100, -100, 300], [100, 100, 600], (50, joints, 3))
    # Move every predicted joint by a known 3D distance in a random direction: 7.25 mm, and 20.5 mm for joint 0.
    direction = rng.normal(size=gt_xyz.shape)
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    distance = np.full((50, joints, 1), 7.25)
    distance[:, 0] = 20.5
    pred_xyz = gt_xyz + direction * distance
    cam = _camera(dataset)
    write_uvd_file(tmp_path / "gt.txt", _xyz_to_uvd(gt_xyz, *cam))
    write_uvd_file(tmp_path / "pred.txt", _xyz_to_uvd(pred_xyz, *cam))
    result = evaluate(load_uvd_file(tmp_path / "pred.txt", joints), load_uvd_file(tmp_path / "gt.txt", joints),
                      dataset)
    expected_mean = (20.5 + 7.25 * (joints - 1)) / joints
    assert f"{result.mean_mm:.3f}" == f"{expected_mean:.3f}"
    assert f"{result.per_joint_mm[0]:.3f}" == "20.500" and f"{result.per_joint_mm[1]:.3f}" == "7.250"
    assert result.success[20] == 0.0 and result.success[21] == 1.0  # every frame's worst joint is 20.5 mm
    proc = run_cli("eval", "--dataset", dataset, "--gt", tmp_path / "gt.txt", "--pred", tmp_path / "pred.txt",
                   "--out", tmp_path / "plots")
    assert proc.returncode == 0, proc.stderr
    assert f"mean 3D joint error: {expected_mean:.3f} mm" in proc.stdout
    assert (tmp_path / "plots" / "success_curve.png").stat().st_size > 1000


def test_nyu_negative_fy_flips_y():
    xyz = uvd_to_xyz(np.array([[320.0, 140.0, 500.0]]), 588.03, -587.07, 320.0, 240.0)
    assert xyz[0, 1] > 0  # a pixel above the centre is at positive y in NYU's y-up convention


def test_malformed_files_name_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(" ".join(["1"] * 63) + "\n" + " ".join(["1"] * 62) + "\n")
    with pytest.raises(ResultsFileError, match=r"bad.txt:2: 62 numbers, expected 63"):
        load_uvd_file(path, 21)
    path.write_text(" ".join(["x"] * 63) + "\n")
    with pytest.raises(ResultsFileError, match=r"bad.txt:1: not a number"):
        load_uvd_file(path, 21)
    proc = run_cli("eval", "--dataset", "icvl", "--gt", path, "--pred", path)
    assert proc.returncode == 2 and "bad.txt:1" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_runs_a_model_on_the_validation_set(untrained_onnx, tmp_path):
    proc = run_cli("eval", "--model", untrained_onnx, "--count", "8", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len((tmp_path / "results.txt").read_text().splitlines()) == 8
    assert len((tmp_path / "ground_truth.txt").read_text().splitlines()) == 8
    assert "mean 3D joint error" in proc.stdout


def test_eval_on_the_validation_scenes_with_the_anatomical_palm(untrained_onnx, tmp_path):
    proc = run_cli("eval", "--model", untrained_onnx, "--count", "2", "--out", tmp_path / "a", "--palm", "anatomical")
    assert proc.returncode == 0, proc.stderr
    assert run_cli("eval", "--model", untrained_onnx, "--count", "2", "--out", tmp_path / "s").returncode == 0
    # the same scenes and joints, other palms: the crops, so the predictions, differ
    assert (tmp_path / "a" / "ground_truth.txt").read_text() == (tmp_path / "s" / "ground_truth.txt").read_text()
    assert (tmp_path / "a" / "results.txt").read_text() != (tmp_path / "s" / "results.txt").read_text()
    bad = run_cli("eval", "--model", untrained_onnx, "--count", "2", "--palm", "round")
    assert bad.returncode == 2 and "--palm" in bad.stderr and "Traceback" not in bad.stderr


def test_eval_with_the_trackers_second_pass(untrained_onnx, tmp_path):
    one = run_cli("eval", "--model", untrained_onnx, "--count", "3", "--out", tmp_path / "one")
    two = run_cli("eval", "--model", untrained_onnx, "--count", "3", "--out", tmp_path / "two", "--passes", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert (tmp_path / "one" / "ground_truth.txt").read_text() == (tmp_path / "two" / "ground_truth.txt").read_text()
    # the second pass crops again around the first pass's palm: other crops, other predictions
    assert (tmp_path / "one" / "results.txt").read_text() != (tmp_path / "two" / "results.txt").read_text()
    bad = run_cli("eval", "--model", untrained_onnx, "--count", "2", "--passes", "3")
    assert bad.returncode == 2 and "--passes" in bad.stderr and "Traceback" not in bad.stderr


def test_eval_scores_its_own_run_not_the_files_another_run_wrote_into_its_folder(untrained_onnx, tmp_path,
                                                                                 monkeypatch):
    from typer.testing import CliRunner

    import handtrack.cli.eval as eval_module
    from handtrack.cli import app

    runner = CliRunner()
    args = ["eval", "--model", str(untrained_onnx), "--count", "4"]
    alone = runner.invoke(app, [*args, "--out", str(tmp_path / "alone")])
    assert alone.exit_code == 0, alone.output
    write = eval_module.write_uvd_file

    def another_run_writes_after_this_one(path, uvd):  # as a second evaluation into the same --out would
        write(path, uvd + 50.0 if path.name == "results.txt" else uvd)

    monkeypatch.setattr(eval_module, "write_uvd_file", another_run_writes_after_this_one)
    shared = runner.invoke(app, [*args, "--out", str(tmp_path / "shared")])
    assert shared.exit_code == 0, shared.output
    mean = [line for line in alone.output.splitlines() if "mean 3D joint error" in line]
    assert mean and mean == [line for line in shared.output.splitlines() if "mean 3D joint error" in line]
