import numpy as np

from handtrack.pose import Joint, finger_joint_indices
from handtrack.synth.posebank import load_pose_bank
from tests.conftest import shared_path


def test_pose_bank_gives_rigid_right_hands_in_the_hand_frame():
    bank = load_pose_bank(shared_path("intel-hand-model"))
    assert bank.shape == (2336, 21, 3)
    np.testing.assert_allclose(bank[:, Joint.WRIST], 0.0, atol=1e-9)
    for finger in ("thumb", "index", "middle", "ring", "little"):
        idx = finger_joint_indices(finger)
        for k in range(3):
            lengths = np.linalg.norm(bank[:, idx[k + 1]] - bank[:, idx[k]], axis=-1)
            assert lengths.std() < 0.5 and 15 < lengths.mean() < 70  # rigid bones, plausible sizes (mm)
    index = finger_joint_indices("index")
    assert 44 < np.median(np.linalg.norm(bank[:, index[1]] - bank[:, index[0]], axis=-1)) < 46  # 44.9 in the rig
    assert bank[:, Joint.THUMB_TIP, 0].mean() > 0  # the thumb on +x: a right hand
    assert bank[:, Joint.INDEX_TIP, 2].mean() > 0  # fingers curl to the palm side (+z)


def test_scenes_draw_half_their_poses_from_the_bank():
    import pytest

    pytest.importorskip("torch", reason="the synthetic generator's kinematic hand uses PyTorch")
    from handtrack.synth.scene import sample_scene

    bank = load_pose_bank(shared_path("intel-hand-model"))
    rng = np.random.default_rng(0)
    sources = [sample_scene(rng, bank=bank).pose_source for _ in range(60)]
    assert 15 < sources.count("bank") < 45
