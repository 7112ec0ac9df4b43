"""The Open3D 3D viewer: the hand's point cloud and the 3D skeleton in camera space, orbiting with the mouse.

It only draws: poses come from the tracker, points from the frame's depth. The first view is the depth
camera's own (same intrinsics, camera at the origin), so the picture starts where the 2D viewer's does; drag
to orbit, scroll to zoom. Keys: q or Esc quit, space pause, s screenshot (PNG in the current folder), r start/stop
recording (when the caller supports it).
Open3D is optional (``pip install 'handtrack[viewer3d]'``).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from handtrack.errors import HandtrackError
from handtrack.geometry import pixel_rays
from handtrack.pose import HandPose, skeleton_bones
from handtrack.types import Frame, Intrinsics
from handtrack.viz.draw import FINGER_COLOURS

#: one RGB colour (0..1) per finger, thumb to little: the 2D viewer's colours
FINGER_RGB = tuple(tuple(c / 255.0 for c in reversed(bgr)) for bgr in FINGER_COLOURS)
POINT_RGB = (0.72, 0.72, 0.72)


def hand_points_mm(frame: Frame, pose: HandPose, half_mm: float = 150.0, step: int = 4) -> np.ndarray:
    """(N, 3) float32 camera-space points (mm) of the frame's depth inside the cube of half-size ``half_mm``
    around the pose's palm (the mean of its joints), from every ``step``-th pixel of the crop box."""
    left, top, right, bottom = (int(round(v)) for v in pose.crop_box_px)
    h, w = frame.depth.shape
    left, top, right, bottom = max(left, 0), max(top, 0), min(right, w), min(bottom, h)
    if right <= left or bottom <= top:
        return np.zeros((0, 3), np.float32)
    z = frame.depth[top:bottom:step, left:right:step].astype(np.float32) * np.float32(frame.depth_unit_mm)
    rays = pixel_rays(frame.intrinsics)[top:bottom:step, left:right:step]
    points = np.concatenate([rays * z[..., None], z[..., None]], axis=-1).reshape(-1, 3)
    centre = np.asarray(pose.joints_xyz_mm, np.float32).mean(axis=0)
    keep = (points[:, 2] > 0) & (np.abs(points - centre).max(axis=-1) < half_mm)
    return points[keep].astype(np.float32)


def skeleton_lines(pose: HandPose) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The skeleton as line segments: points (21, 3) mm, lines (20, 2) joint index pairs, colours (20, 3) RGB
    (:func:`~handtrack.pose.skeleton_bones` lists four bones per finger, thumb to little)."""
    lines = np.asarray(skeleton_bones(), np.int32)
    colours = np.repeat(np.asarray(FINGER_RGB, np.float64), 4, axis=0)
    return np.asarray(pose.joints_xyz_mm, np.float64), lines, colours


def _unit_sphere(subdivisions: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """An icosphere of radius 1: vertices (V, 3), triangles (T, 3)."""
    t = (1.0 + 5.0**0.5) / 2.0
    v = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
         (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    f = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
         (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
         (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    vertices, faces = [np.asarray(p, float) / np.linalg.norm(p) for p in v], list(f)
    for _ in range(subdivisions):
        middle: dict[tuple[int, int], int] = {}

        def mid(a: int, b: int, middle: dict[tuple[int, int], int] = middle) -> int:
            key = (min(a, b), max(a, b))
            if key not in middle:
                p = vertices[a] + vertices[b]
                vertices.append(p / np.linalg.norm(p))
                middle[key] = len(vertices) - 1
            return middle[key]

        faces = [t for a, b, c in faces for t in ((a, mid(a, b), mid(a, c)), (b, mid(b, c), mid(a, b)),
                                                   (c, mid(a, c), mid(b, c)), (mid(a, b), mid(b, c), mid(a, c)))]
    return np.asarray(vertices), np.asarray(faces, np.int32)


def _unit_tube(sides: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """An open tube of radius 1 from z = 0 to z = 1: vertices (2 sides, 3), triangles (2 sides, 3)."""
    angle = np.arange(sides) * 2 * np.pi / sides
    ring = np.column_stack([np.cos(angle), np.sin(angle), np.zeros(sides)])
    vertices = np.vstack([ring, ring + [0.0, 0.0, 1.0]])
    k = np.arange(sides)
    nxt = (k + 1) % sides
    faces = np.vstack([np.column_stack([k, nxt, k + sides]), np.column_stack([nxt, nxt + sides, k + sides])])
    return vertices, faces.astype(np.int32)


def skeleton_mesh(poses: list[HandPose], joint_radius_mm: float = 7.0,
                  bone_radius_mm: float = 3.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balls on the joints and tubes along the bones of every pose, as one mesh in camera space (mm):
    vertices (V, 3), triangles (T, 3), vertex colours (V, 3) RGB, one colour per finger (the wrist white)."""
    sphere_v, sphere_f = _unit_sphere()
    tube_v, tube_f = _unit_tube()
    vertices, faces, colours = [], [], []
    count = 0
    for pose in poses:
        points, lines, line_rgb = skeleton_lines(pose)
        joint_rgb = np.vstack([[1.0, 1.0, 1.0], np.repeat(np.asarray(FINGER_RGB), 4, axis=0)])
        for centre, rgb in zip(points, joint_rgb):
            vertices.append(sphere_v * joint_radius_mm + centre)
            faces.append(sphere_f + count)
            colours.append(np.tile(rgb, (len(sphere_v), 1)))
            count += len(sphere_v)
        for (a, b), rgb in zip(lines, line_rgb):
            axis = points[b] - points[a]
            length = float(np.linalg.norm(axis))
            if length < 1e-6:
                continue
            z = axis / length
            x = np.cross(z, [1.0, 0.0, 0.0] if abs(z[0]) < 0.9 else [0.0, 1.0, 0.0])
            x /= np.linalg.norm(x)
            y = np.cross(z, x)
            scaled = tube_v * [bone_radius_mm, bone_radius_mm, length]
            vertices.append(scaled @ np.vstack([x, y, z]) + points[a])
            faces.append(tube_f + count)
            colours.append(np.tile(rgb, (len(tube_v), 1)))
            count += len(tube_v)
    if not vertices:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int32), np.zeros((0, 3))
    return np.vstack(vertices), np.vstack(faces), np.vstack(colours)


def viewer_intrinsics(intrinsics: Intrinsics) -> Intrinsics:
    """The camera's intrinsics as the 3D viewer can show them: Open3D's window camera needs the principal
    point at the window's centre, so the first view is the camera's with its principal point centred."""
    return Intrinsics(intrinsics.width, intrinsics.height, abs(intrinsics.fx), abs(intrinsics.fy),
                      intrinsics.width / 2 - 0.5, intrinsics.height / 2 - 0.5)


def _open3d():  # type: ignore[no-untyped-def]
    """The open3d module, or a one-line error saying how to install it."""
    try:
        import open3d
    except ImportError as exc:
        raise HandtrackError("the 3D viewer needs Open3D: pip install 'handtrack[viewer3d]' "
                             "(or use --viewer 2d)") from exc
    return open3d


class Viewer3D:
    """``show(frame, poses)`` redraws and returns the user's action: "", "quit", "pause", "screenshot" or
    "record"."""

    def __init__(self, intrinsics: Intrinsics, title: str = "handtrack 3D", visible: bool = True) -> None:
        o3d = self._o3d = _open3d()
        self.intrinsics = viewer_intrinsics(intrinsics)
        self._vis = o3d.visualization.VisualizerWithKeyCallback()
        if not self._vis.create_window(title, self.intrinsics.width, self.intrinsics.height, visible=visible):
            raise HandtrackError("could not open the 3D viewer's window (no OpenGL display?)")
        self._action = ""
        for key, action in ((ord("Q"), "quit"), (256, "quit"), (ord(" "), "pause"), (ord("S"), "screenshot"),
                            (ord("R"), "record")):
            self._vis.register_key_callback(key, self._setter(action))
        options = self._vis.get_render_option()
        options.background_color = np.array([0.08, 0.08, 0.1])
        options.point_size = 2.0
        # Open3D's legacy renderer draws nothing for geometry that was empty when added, and needs a sane
        # bounding box before the camera is set: start each one with the corners of the working volume.
        corners = o3d.utility.Vector3dVector(np.array([[-500.0, -500.0, 100.0], [500.0, 500.0, 1500.0]]))
        self._cloud = o3d.geometry.PointCloud(corners)
        self._skeleton = o3d.geometry.TriangleMesh(corners, o3d.utility.Vector3iVector(np.array([[0, 1, 0]])))
        for k, geometry in enumerate((self._cloud, self._skeleton)):
            self._vis.add_geometry(geometry, reset_bounding_box=k == 0)
        self._set_camera_view()

    def _setter(self, action: str):  # type: ignore[no-untyped-def]
        def callback(_vis) -> bool:  # type: ignore[no-untyped-def]
            self._action = action
            return False
        return callback

    def _set_camera_view(self) -> None:
        """Look from the depth camera: identity extrinsics (camera space is Open3D's camera frame)."""
        o3d, intr = self._o3d, self.intrinsics
        params = o3d.camera.PinholeCameraParameters()
        params.intrinsic = o3d.camera.PinholeCameraIntrinsic(intr.width, intr.height, intr.fx, intr.fy, intr.ppx,
                                                             intr.ppy)
        params.extrinsic = np.eye(4)
        control = self._vis.get_view_control()
        control.convert_from_pinhole_camera_parameters(params, allow_arbitrary=True)
        control.set_constant_z_near(10.0)
        control.set_constant_z_far(5000.0)

    def show(self, frame: Frame, poses: list[HandPose]) -> str:
        """Replace the drawn hands with ``poses`` (their points from ``frame``) and redraw."""
        o3d = self._o3d
        clouds = [hand_points_mm(frame, p) for p in poses]
        points = np.concatenate(clouds) if clouds else np.zeros((0, 3), np.float32)
        self._cloud.points = o3d.utility.Vector3dVector(points.astype(np.float64))
        self._cloud.paint_uniform_color(POINT_RGB)
        vertices, triangles, colours = skeleton_mesh(poses)
        self._skeleton.vertices = o3d.utility.Vector3dVector(vertices)
        self._skeleton.triangles = o3d.utility.Vector3iVector(triangles)
        self._skeleton.vertex_colors = o3d.utility.Vector3dVector(colours)
        self._skeleton.compute_vertex_normals()
        for geometry in (self._cloud, self._skeleton):
            self._vis.update_geometry(geometry)
        return self.poll()

    def poll(self) -> str:
        """Process window events and redraw; the action the user asked for since the last call."""
        self._action = ""
        if not self._vis.poll_events():
            return "quit"
        self._vis.update_renderer()
        action = self._action
        if action == "screenshot":
            self.screenshot(Path(f"handtrack-3d-{time.strftime('%Y%m%d-%H%M%S')}.png"))
        return action

    def screenshot_rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 RGB of what the window shows now."""
        buffer = np.asarray(self._vis.capture_screen_float_buffer(do_render=True))
        return (np.clip(buffer, 0.0, 1.0) * 255).round().astype(np.uint8)

    def screenshot(self, path: Path) -> Path:
        import cv2

        cv2.imwrite(str(path), self.screenshot_rgb()[..., ::-1])
        return path

    def close(self) -> None:
        self._vis.destroy_window()
