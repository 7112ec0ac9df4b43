"""Synthetic hands over time.

- :func:`demo_frames`: a smooth sequence of one hand moving through gestures, the project's own demo recording.
  The hand faces the camera about 520 mm away, drifts along a slow Lissajous path, turns a little, and moves
  through open -> fist -> point -> victory -> OK -> pinch -> thumbs-up -> open, with the SR305's sensor model.
  ``python -m handtrack.synth.sequence OUT.db3`` writes it as a RealSense recording (handtrack/_data/demo.db3).
- :func:`moving_frames`: a scene of :class:`~handtrack.synth.generator.SyntheticSource` (any pose, view and
  background) whose hand and arm move rigidly at a constant speed and turn, for measuring the tracker over time.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from handtrack.calibration import load_profile
from handtrack.synth.hand import forward_kinematics, sample_shapes
from handtrack.synth.poses import GESTURES
from handtrack.synth.scene import Scene, hand_capsules
from handtrack.synth.sensor import SensorModel
from handtrack.types import LabelledFrame

if TYPE_CHECKING:
    from handtrack.synth.generator import SyntheticSource

DEMO_GESTURES = ("open", "fist", "point", "victory", "ok", "pinch", "thumbs_up", "open")
FRAMES_PER_GESTURE = 20
FPS = 30.0


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Palm towards the camera, fingers up, then small yaw/pitch/roll (radians)."""
    facing = np.diag([1.0, -1.0, -1.0])  # hand x -> camera x, fingers up, palm towards the camera
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry @ facing


def gesture_scenes(seed: int = 0) -> list[Scene]:
    """One Scene per frame, smooth in pose and position."""
    shape = sample_shapes(1, torch.Generator().manual_seed(seed), length_mm=(185.0, 185.0))
    keys = [GESTURES[name] for name in DEMO_GESTURES]
    scenes = []
    n = FRAMES_PER_GESTURE * (len(keys) - 1)
    for k in range(n):
        segment, phase = divmod(k, FRAMES_PER_GESTURE)
        s = 0.5 - 0.5 * math.cos(math.pi * min(1.0, phase / (FRAMES_PER_GESTURE * 0.7)))  # ease, then hold
        angles = keys[segment] * (1 - s) + keys[segment + 1] * s
        local = forward_kinematics(torch.tensor(angles[None], dtype=torch.float32), shape)[0].numpy().astype(float)
        a, b, r = hand_capsules(local, shape, 0, forearm_mm=260.0)
        t = k / FPS
        rot = _rotation(0.35 * math.sin(2 * math.pi * t / 4.5), 0.45 + 0.15 * math.sin(2 * math.pi * t / 3.7),
                        0.25 * math.sin(2 * math.pi * t / 5.3))
        offset = np.array([60 * math.sin(2 * math.pi * t / 4.0), -30 + 40 * math.sin(2 * math.pi * t / 3.0),
                           520 + 40 * math.sin(2 * math.pi * t / 5.0)])
        scenes.append(Scene(local @ rot.T + offset, a @ rot.T + offset, b @ rot.T + offset, r, None,
                            DEMO_GESTURES[segment]))
    return scenes


def demo_frames(seed: int = 0) -> list[LabelledFrame]:
    """The sequence rendered with the SR305 profile and its sensor model."""
    from handtrack.synth.generator import labelled_frame

    profile = load_profile("sr305")
    sensor = SensorModel.for_family(profile.noise_family, profile.noise_sigma_mm_at_1m)
    rng = np.random.default_rng(seed)
    return [labelled_frame(scene, profile.intrinsics, profile.depth_unit_mm, sensor, rng, index * 1000.0 / FPS,
                           index, "handtrack demo", {"gesture": scene.pose_source})
            for index, scene in enumerate(gesture_scenes(seed))]


def _turn(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """(3, 3) rotation by ``angle_rad`` about ``axis`` (Rodrigues)."""
    x, y, z = axis / np.linalg.norm(axis)
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + math.sin(angle_rad) * k + (1.0 - math.cos(angle_rad)) * k @ k


def moving_frames(source: SyntheticSource, index: int, count: int, max_speed_mm: float = 30.0,
                  max_turn_deg: float = 3.0) -> list[LabelledFrame]:
    """``count`` frames of scene ``index`` of ``source`` whose hand and arm move in a straight line at a speed drawn
    up to ``max_speed_mm`` per frame and turn about the palm centre by up to ``max_turn_deg`` per frame (a random
    axis); the background (wall, torso) stays. Frame 0 is the scene as the source renders it; seeded by the
    source's seed and ``index``. The hand may leave the view."""
    from handtrack.synth.generator import labelled_frame

    scene, rng = source.scene(index)
    motion = np.random.default_rng([source.seed, index, 7])
    direction = motion.normal(size=3)
    velocity = direction / np.linalg.norm(direction) * motion.uniform(0.0, max_speed_mm)
    step = _turn(motion.normal(size=3), math.radians(motion.uniform(0.0, max_turn_deg)))
    palm = scene.palm_centre_mm
    frames, turn = [], np.eye(3)
    for t in range(count):
        def moved(points: np.ndarray, t: int = t, turn: np.ndarray = turn) -> np.ndarray:
            return (points - palm) @ turn.T + palm + velocity * t

        now = scene.with_hand_moved(moved)
        frames.append(labelled_frame(now, source.intrinsics, source.depth_unit_mm, source.sensor, rng,
                                     t * 1000.0 / FPS, t, f"{source.description}, scene {index} moving",
                                     {"pose": scene.pose_source}))
        turn = step @ turn
    return frames


def write_demo_recording(path: str | Path, seed: int = 0) -> int:
    """Render the sequence and record it (.db3); returns the number of frames."""
    from handtrack.io.recorder import RecordingWriter

    frames = demo_frames(seed)
    with RecordingWriter(path, frames[0].intrinsics, frames[0].depth_unit_mm, fps=int(FPS),
                         device_info={"name": "handtrack synthetic SR305 (demo)"}) as writer:
        for frame in frames:
            writer.write(frame)
    return len(frames)


if __name__ == "__main__":
    print(write_demo_recording(sys.argv[1]), "frames")
