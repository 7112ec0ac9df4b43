import numpy as np
import pytest

from handtrack.pose import JOINT_NAMES, NUM_JOINTS, HandPose, Joint, finger_joint_indices, skeleton_bones


def test_joint_order_is_wrist_then_fingers_thumb_to_little():
    assert NUM_JOINTS == 21
    assert JOINT_NAMES[0] == "wrist"
    assert JOINT_NAMES[1:5] == ("thumb_mcp", "thumb_pip", "thumb_dip", "thumb_tip")
    assert JOINT_NAMES[17:] == ("little_mcp", "little_pip", "little_dip", "little_tip")
    assert finger_joint_indices("middle") == (9, 10, 11, 12)
    assert Joint.INDEX_TIP == 8


def test_skeleton_is_a_tree_rooted_at_the_wrist():
    bones = skeleton_bones()
    assert len(bones) == 20
    children = [child for _, child in bones]
    assert sorted(children) == list(range(1, 21))  # every joint but the wrist has exactly one parent


def test_handpose_validates_shapes_and_serialises():
    pose = HandPose(np.zeros((21, 3)), np.ones((21, 3)), np.full(21, 0.5), score=0.9)
    assert pose.joints_xyz_mm.dtype == np.float32
    data = pose.to_dict()
    assert len(data["joints_xyz_mm"]) == 21 and data["score"] == 0.9
    with pytest.raises(ValueError, match="joints_uvd"):
        HandPose(np.zeros((20, 3)), np.zeros((21, 3)), np.zeros(21), score=0.0)
