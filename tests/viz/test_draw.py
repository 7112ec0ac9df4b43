import cv2
import numpy as np

from handtrack.geometry import project_points_to_pixels
from handtrack.pose import HandPose, finger_joint_indices
from handtrack.viz.draw import FINGER_COLOURS, annotate_frame, colourise_depth, draw_hand, gesture_text
from tests.preprocess.scenes import SCENE_INTRINSICS


def _pose() -> HandPose:
    rng = np.random.default_rng(0)
    xyz = np.column_stack([rng.uniform(-60, 60, 21), rng.uniform(-60, 60, 21), rng.uniform(450, 550, 21)])
    uv = project_points_to_pixels(xyz, SCENE_INTRINSICS)
    return HandPose(np.column_stack([uv, xyz[:, 2]]), xyz, np.full(21, 0.8), 0.8, crop_box_px=(150, 100, 450, 400))


def test_skeleton_is_drawn_where_the_joints_project():
    pose = _pose()
    image = draw_hand(np.zeros((480, 640, 3), np.uint8), pose)
    for f in range(len(FINGER_COLOURS)):
        for i in finger_joint_indices(("thumb", "index", "middle", "ring", "little")[f]):
            u, v = np.round(pose.joints_uvd[i, :2]).astype(int)
            assert image[v, u].any(), (f, i)  # something is drawn on every joint
    outside = np.ones((480, 640), bool)
    outside[80:405, 145:455] = False  # the crop box (the joints lie inside it) and the label above it
    width = cv2.getTextSize(gesture_text(pose), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)[0][0]
    outside[400:425, 145:160 + width] = False  # the gesture line below it
    assert not image[outside].any()  # nothing is drawn elsewhere
    assert image[402:420, 152:150 + width].any()  # the gesture line is there


def test_depth_colouring_and_full_frame():
    depth = np.zeros((480, 640), np.uint16)
    depth[:, 320:] = 4000
    coloured = colourise_depth(depth, 0.125)
    assert not coloured[:, :320].any() and coloured[:, 320:].any()
    frame = annotate_frame(depth, 0.125, [_pose()], ["30.0 fps"])
    assert frame.shape == (480, 640, 3) and frame[5:25, 5:80].any()


def test_depth_colouring_is_the_jet_map_of_the_clipped_depth():
    rng = np.random.default_rng(3)
    depth = rng.integers(0, 20000, (48, 64)).astype(np.uint16)
    depth[:4] = 0
    # the colouring written out pixel by pixel: 200 mm warm (JET's top), 1,500 mm and beyond cold, no depth black
    mm = depth.astype(np.float64) * 0.125
    level = (255 * (1.0 - np.clip((mm - 200.0) / 1300.0, 0.0, 1.0))).astype(np.uint8)
    expected = cv2.applyColorMap(level, cv2.COLORMAP_JET)
    expected[depth == 0] = 0
    coloured = colourise_depth(depth, 0.125)
    assert coloured.shape == (48, 64, 3) and coloured.dtype == np.uint8
    assert np.abs(coloured.astype(int) - expected.astype(int)).max() <= 4  # float32 against float64 rounding
    assert not coloured[:4].any()
    coloured[5, 5] = 1  # the caller's image is its own: the shared table is not changed
    assert colourise_depth(depth, 0.125)[5, 5].tolist() == expected[5, 5].tolist()
