"""The 2D viewer on a virtual display: a real screenshot shows the skeleton where the joints project."""

import os
import select
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from handtrack.viz.draw import FINGER_COLOURS
from tests.conftest import REPO
from tests.viz.xwd import read_xwd_bgr, xwd_header

SYNTHETIC_POSE = """
from handtrack.geometry import project_points_to_pixels
from handtrack.pose import Handedness, HandPose
from handtrack.synth.generator import SyntheticSource
frame = SyntheticSource(4, seed=3).frame(2)  # a known synthetic hand with its true joints
xyz = frame.joints_xyz_mm
uv = project_points_to_pixels(xyz, frame.intrinsics)
(u0, v0), (u1, v1) = uv.min(0) - 40, uv.max(0) + 40
pose = HandPose(np.column_stack([uv, xyz[:, 2]]), xyz, np.full(21, 0.9), 0.9, handedness=Handedness.RIGHT,
                handedness_score=1.0, crop_box_px=(u0, v0, u1, v1))
"""

VIEWER_SCRIPT = """
import sys, time, numpy as np
sys.path.insert(0, {repo!r})
from handtrack.viz.draw import annotate_frame
from handtrack.viz.viewer2d import Viewer2D
""" + SYNTHETIC_POSE + """
image = annotate_frame(frame.depth, frame.depth_unit_mm, [pose], ["synthetic hand, true joints"])
np.save({image_path!r}, image)
np.save({joints_path!r}, uv)
viewer = Viewer2D("handtrack test")
deadline = time.time() + 90  # the test kills it once it has its screenshot
while time.time() < deadline:
    if viewer.show(image, wait_ms=50) == "quit":
        break
"""


@pytest.fixture
def virtual_display():
    for tool in ("Xvfb", "xwd"):
        if shutil.which(tool) is None:
            if os.environ.get("HANDTRACK_REQUIRE_SHARED_DATA") == "1":
                pytest.fail(f"{tool} is missing (CI installs xvfb and x11-apps)")
            pytest.skip(f"{tool} not installed: the viewer test needs a virtual display")
    # Xvfb picks a free display itself and writes its number once it accepts connections: a fixed number could
    # land on a server another test run (or a stale socket) already holds, whose screen the test would then read.
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    number = b""
    deadline = time.monotonic() + 20
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        if not select.select([read_end], [], [], 0.5)[0]:
            continue
        chunk = os.read(read_end, 16)
        if not chunk:  # the server exited without a display
            break
        number += chunk
    os.close(read_end)
    if not number.strip().isdigit():
        server.kill()
        pytest.fail("Xvfb did not start a display")
    display = f":{int(number)}"
    yield display
    server.terminate()
    server.wait(10)


def test_2d_viewer_shows_the_skeleton_where_joints_project(virtual_display, tmp_path):
    image_path = str(tmp_path / "shown.npy")
    env = {**os.environ, "DISPLAY": virtual_display}
    joints_path = str(tmp_path / "joints.npy")
    script = VIEWER_SCRIPT.format(repo=str(REPO), image_path=image_path, joints_path=joints_path)
    viewer = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=REPO)
    try:
        shot = None
        deadline = time.monotonic() + 80  # wait for the window to be mapped and painted (slow under load)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if not os.path.exists(image_path):
                continue
            xwd = tmp_path / "screen.xwd"
            subprocess.run(["xwd", "-root", "-silent", "-display", virtual_display, "-out", str(xwd)], check=True)
            shown = np.load(image_path)
            # The header's pixel size first; xwd's 24-bit headers have come over 3-byte pixels, so the other
            # packing is tried too (a screenshot read with the wrong one matches nothing).
            for stride in (None, 3, 4):
                try:
                    shot = read_xwd_bgr(xwd, stride)
                except ValueError:
                    continue
                match = cv2.matchTemplate(shot, shown, cv2.TM_SQDIFF_NORMED)
                if match.min() < 0.01:
                    break
            if match.min() < 0.01:
                break
        assert shot is not None, "the viewer never showed its image"
        y, x = np.unravel_index(int(np.argmin(match)), match.shape)
        if match.min() >= 0.01:  # keep the last screenshot for people to look at
            folder = REPO / "test-artifacts" if (REPO / "test-artifacts").is_dir() else tmp_path
            cv2.imwrite(str(folder / "viewer2d_xvfb_failed.png"), shot)
        assert match.min() < 0.01, f"the window does not show the annotated frame: {xwd_header(xwd)}"
        window = shot[y: y + 480, x: x + 640]
        cv2.imwrite(str(REPO / "test-artifacts" / "viewer2d_xvfb.png") if (REPO / "test-artifacts").is_dir()
                    else str(tmp_path / "window.png"), window)
        joints_uv = np.round(np.load(joints_path)).astype(int)
        expected = [(255, 255, 255)] + [c for c in FINGER_COLOURS for _ in range(4)]  # wrist, then finger joints
        on_joint = [tuple(int(c) for c in window[v, u]) == colour for (u, v), colour in zip(joints_uv, expected)]
        assert sum(on_joint) >= 19, on_joint  # each joint's dot in its finger's colour (one may be overdrawn)
    finally:
        viewer.kill()


VIEWER3D_SCRIPT = """
import sys, numpy as np, cv2
sys.path.insert(0, {repo!r})
from handtrack.viz.viewer3d import Viewer3D, viewer_intrinsics
""" + SYNTHETIC_POSE + """
viewer = Viewer3D(frame.intrinsics, "handtrack 3D test")
for _ in range(3):
    viewer.show(frame, [pose])
cv2.imwrite({shot_path!r}, viewer.screenshot_rgb()[..., ::-1])
np.save({joints_path!r}, project_points_to_pixels(xyz, viewer_intrinsics(frame.intrinsics)))
viewer.close()
"""


def test_3d_viewer_draws_the_skeleton_where_the_joints_project(virtual_display, tmp_path):
    pytest.importorskip("open3d", reason="the 3D viewer needs Open3D (the viewer3d extra)")
    from handtrack.viz.viewer3d import FINGER_RGB

    shot_path, joints_path = str(tmp_path / "shot3d.png"), str(tmp_path / "joints.npy")
    env = {**os.environ, "DISPLAY": virtual_display}
    script = VIEWER3D_SCRIPT.format(repo=str(REPO), shot_path=shot_path, joints_path=joints_path)
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    shot = cv2.imread(shot_path)[..., ::-1].astype(float) / 255.0  # RGB
    if (REPO / "test-artifacts").is_dir():
        cv2.imwrite(str(REPO / "test-artifacts" / "viewer3d_xvfb.png"), (shot[..., ::-1] * 255).astype(np.uint8))
    joints_uv = np.load(joints_path)
    expected = np.vstack([[1.0, 1.0, 1.0], np.repeat(np.asarray(FINGER_RGB), 4, axis=0)])  # wrist, then fingers
    hits = []
    for (u, v), rgb in zip(np.round(joints_uv).astype(int), expected):
        patch = shot[max(v - 3, 0): v + 4, max(u - 3, 0): u + 4].reshape(-1, 3)
        # the joint's ball is shaded by the light: compare colour directions, not brightness
        cosine = (patch @ rgb) / (np.linalg.norm(patch, axis=1) * np.linalg.norm(rgb) + 1e-9)
        hits.append(bool(((cosine > 0.97) & (patch.max(axis=1) > 0.3)).any()))
    assert sum(hits) >= 19, f"joints drawn in their finger's colour: {hits}"
    background = shot[0:40, 0:40].reshape(-1, 3)
    assert np.ptp(background, axis=0).max() < 0.02  # empty space stays background: nothing drawn at random
    grey = (np.ptp(shot, axis=2) < 0.03) & (shot.mean(axis=2) > 0.5)
    assert grey.sum() > 500  # the hand's point cloud is drawn
