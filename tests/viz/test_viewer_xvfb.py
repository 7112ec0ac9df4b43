"""The 2D viewer on a virtual display: a real screenshot shows the skeleton where the joints project."""

import os
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from tests.conftest import REPO
from tests.viz.test_draw import _pose

VIEWER_SCRIPT = """
import sys, time, numpy as np
sys.path.insert(0, {repo!r})
from tests.viz.test_draw import _pose
from handtrack.viz.draw import annotate_frame
from handtrack.viz.viewer2d import Viewer2D
depth = np.zeros((480, 640), np.uint16); depth[100:400, 200:450] = 4400
image = annotate_frame(depth, 0.125, [_pose()], ["viewer test"])
np.save({image_path!r}, image)
viewer = Viewer2D("handtrack test")
deadline = time.time() + 20
while time.time() < deadline:
    if viewer.show(image, wait_ms=50) == "quit":
        break
"""


@pytest.fixture
def virtual_display():
    for tool in ("Xvfb", "xwd", "convert"):
        if shutil.which(tool) is None:
            if os.environ.get("HANDTRACK_REQUIRE_SHARED_DATA") == "1":
                pytest.fail(f"{tool} is missing (CI installs xvfb, x11-apps and imagemagick)")
            pytest.skip(f"{tool} not installed: the viewer test needs a virtual display")
    display = ":97"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    yield display
    server.terminate()
    server.wait(10)


def test_2d_viewer_shows_the_skeleton_where_joints_project(virtual_display, tmp_path):
    image_path = str(tmp_path / "shown.npy")
    env = {**os.environ, "DISPLAY": virtual_display}
    script = VIEWER_SCRIPT.format(repo=str(REPO), image_path=image_path)
    viewer = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=REPO)
    try:
        shot = None
        for _ in range(40):  # wait for the window to be mapped and painted
            time.sleep(0.5)
            if not os.path.exists(image_path):
                continue
            xwd = tmp_path / "screen.xwd"
            subprocess.run(["xwd", "-root", "-silent", "-display", virtual_display, "-out", str(xwd)], check=True)
            subprocess.run(["convert", f"xwd:{xwd}", str(tmp_path / "screen.png")], check=True)
            shot = cv2.imread(str(tmp_path / "screen.png"))
            shown = np.load(image_path)
            match = cv2.matchTemplate(shot, shown, cv2.TM_SQDIFF_NORMED)
            if match.min() < 0.01:
                break
        assert shot is not None, "the viewer never showed its image"
        y, x = np.unravel_index(int(np.argmin(match)), match.shape)
        assert match.min() < 0.01, "the window does not show the annotated frame"
        window = shot[y: y + 480, x: x + 640]
        cv2.imwrite(str(REPO / "test-artifacts" / "viewer2d_xvfb.png") if (REPO / "test-artifacts").is_dir()
                    else str(tmp_path / "window.png"), window)
        pose = _pose()
        for u, v in np.round(pose.joints_uvd[:, :2]).astype(int):
            assert window[v, u].any()
            np.testing.assert_array_equal(window[v, u], shown[v, u])  # the joint's colour, on screen
    finally:
        viewer.kill()
