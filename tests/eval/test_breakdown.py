import json

import numpy as np
import pytest

from handtrack.eval.breakdown import distance_bin, group_means, joint_group_means, joint_visibility, palm_facing
from tests.cli.test_cli import run_cli


def _open_hand_mm(rotation: np.ndarray) -> np.ndarray:
    """(21, 3) joints of a flat right hand (kinematic model), turned by ``rotation``, palm centre 500 mm ahead."""
    torch = pytest.importorskip("torch")
    from handtrack.preprocess.refine import palm_centre_mm
    from handtrack.synth.hand import forward_kinematics_np, sample_shapes

    local = forward_kinematics_np(np.zeros((1, 20), dtype=np.float32), sample_shapes(1, torch.Generator()))[0]
    joints = local.astype(np.float64) @ rotation.T
    return joints - palm_centre_mm(joints) + np.array([0.0, 0.0, 500.0])


def test_palm_facing_tells_palm_back_and_side():
    # the hand frame -> camera turns that benchmarks/palm_side.py uses for "palm first" and "back first"
    assert palm_facing(_open_hand_mm(np.diag([1.0, -1.0, -1.0]))) == "palm"
    assert palm_facing(_open_hand_mm(np.diag([-1.0, -1.0, 1.0]))) == "back"
    edge_on = np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])  # the palm's normal across the view
    assert palm_facing(_open_hand_mm(edge_on)) == "side-on"


def test_distance_bins_cover_the_generators_range():
    assert distance_bin(250.0) == "250-400 mm"
    assert distance_bin(549.9) == "400-550 mm"
    assert distance_bin(550.0) == "550-700 mm"
    assert distance_bin(900.0) == "700-900 mm"  # the far edge belongs to the last bin
    assert distance_bin(120.0) == "250-400 mm"


def test_joint_visibility_compares_the_joint_with_the_surface_at_its_pixel():
    cube = 150.0
    crop = np.zeros((128, 128), dtype=np.float32)  # a surface at the crop centre's depth
    crop[:, 100:] = 1.0  # background on the right
    u_mid = (64 + 0.5) / 128 - 0.5
    u_bg = (110 + 0.5) / 128 - 0.5
    joints = np.array([
        [u_mid, u_mid, 10.0 / cube],    # 10 mm under the surface: its own skin
        [u_mid, u_mid, 40.0 / cube],    # 40 mm behind it: something in front
        [u_mid, u_mid, -40.0 / cube],   # 40 mm in front of the surface: nothing at the joint
        [u_bg, u_mid, 0.0],             # a background pixel
        [0.7, 0.0, 0.0],                # outside the crop
    ])
    assert list(joint_visibility(crop, joints, cube)) == ["seen", "hidden", "surface behind", "no depth", "no depth"]
    # a joint the camera's image does not hold at all
    in_image = np.array([True, True, True, True, False])
    assert joint_visibility(crop, joints, cube, in_image=in_image)[-1] == "outside the image"


def test_group_means_by_label():
    errors = np.array([[1.0, 3.0], [10.0, 10.0], [5.0, 7.0]])
    rows = group_means(errors, ["b", "a", "b"], order=("b",))
    assert rows == [("b", 2, 4.0), ("a", 1, 10.0)]
    vis = np.array([["seen", "hidden"], ["seen", "seen"], ["no depth", "hidden"]], dtype=object)
    assert joint_group_means(errors, vis) == [("seen", 3, 7.0), ("hidden", 2, 5.0), ("no depth", 1, 5.0)]


def test_eval_breakdown_labels_every_frame_and_joint(untrained_onnx, tmp_path):
    proc = run_cli("eval", "--model", untrained_onnx, "--count", "6", "--out", tmp_path, "--breakdown")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "breakdown.json").read_text())
    for name in ("pose", "facing the camera", "palm distance", "crop centre from"):
        assert sum(row["count"] for row in report[name]) == 6, name
    assert sum(row["count"] for row in report["joint's pixel shows"]) == 6 * 21
    bad = run_cli("eval", "--gt", tmp_path / "ground_truth.txt", "--pred", tmp_path / "results.txt", "--breakdown")
    assert bad.returncode != 0 and "--breakdown needs --model" in bad.stderr and "Traceback" not in bad.stderr
