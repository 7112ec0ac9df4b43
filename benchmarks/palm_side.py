"""Does the model tell the palm of a right hand from its back? Scores through the right-hand and mirrored paths.

A right hand seen palm-first looks, in outline, like a left hand seen from the back: mirrored, it becomes a
right hand seen from the back. A model that uses the palm's relief (the heel of the hand, the hollow) scores
the unmirrored path higher on right hands from either side; one that only sees outlines cannot. Measured on:
- synthetic open right hands (SR305 camera and sensor model, 520 mm, small random turns), palm towards the
  camera and back towards it (joint errors for both paths: the ground truth is known);
- the 19 real SR305 frames in ../shared/data/sr305-lada (right hands, palm towards the camera; no labels).

Usage: python benchmarks/palm_side.py [MODEL] [--frames N] [--palm anatomical|symmetric]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from handtrack import HandTracker
from handtrack.calibration import load_profile
from handtrack.preprocess.refine import palm_centre_mm
from handtrack.sources import open_source
from handtrack.synth.generator import render_frame
from handtrack.synth.hand import forward_kinematics_np, sample_shapes
from handtrack.synth.scene import Scene, hand_capsules, sample_wrist_away
from handtrack.synth.sensor import SensorModel
from handtrack.types import Frame

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
#: hand frame -> camera: fingers up, palm towards the camera / back towards it
FACING = {"palm": np.diag([1.0, -1.0, -1.0]), "back": np.diag([-1.0, -1.0, 1.0])}


def _rotation_x(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rotation_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def open_hand_frames(facing: str, count: int, palm: str) -> list[tuple[Frame, np.ndarray]]:
    """(frame, true joints (21, 3) mm) of open right hands, the forearm leaning away from the camera."""
    profile = load_profile("sr305")
    sensor = replace(SensorModel.for_family(profile.noise_family, profile.noise_sigma_mm_at_1m), sdk_filter_share=1.0)
    rng = np.random.default_rng(11)
    out = []
    for i in range(count):
        shape = sample_shapes(1, torch.Generator().manual_seed(i))
        angles = rng.normal(0.0, 0.08, 20)
        angles[1::4] *= 2.0  # spread the fingers a little more than they bend
        local = forward_kinematics_np(angles[None], shape)[0]
        rot = (_rotation_x(0.4) @ _rotation_z(rng.uniform(-0.6, 0.6)) @ _rotation_x(rng.uniform(-0.3, 0.3))
               @ FACING[facing])
        # a bent wrist (anatomical-wrist), its arm pointing away from the camera as in training scenes
        wrist = sample_wrist_away(np.random.default_rng([i, 1]), rot) if palm == "anatomical-wrist" else (0.0, 0.0)
        a, b, r = hand_capsules(local, shape, 0, 250.0, palm=palm, wrist_rad=wrist)
        offset = np.array([0.0, 0.0, 520.0]) - rot @ palm_centre_mm(local)
        wall = (np.array([0.0, 0.0, -1.0]), -750.0)
        scene = Scene(local @ rot.T + offset, a @ rot.T + offset, b @ rot.T + offset, r, wall, "open")
        raw = render_frame(scene, profile.intrinsics, profile.depth_unit_mm, sensor, rng)
        out.append((Frame(raw, profile.depth_unit_mm, profile.intrinsics, 0.0, i), scene.joints_mm))
    return out


def both_paths(trackers: dict[str, HandTracker], frame: Frame) -> dict[str, tuple[float, np.ndarray | None]]:
    """side -> (hand score, joints (21, 3) mm or None) through the right-hand and the mirrored path."""
    result = {}
    for side, tracker in trackers.items():
        tracker.reset()
        hands = tracker.track(frame)
        result[side] = (hands[0].score, hands[0].joints_xyz_mm) if hands else (0.0, None)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?", default=None)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--palm", default="anatomical")
    args = parser.parse_args()
    trackers = {side: HandTracker(args.model, handedness=side) for side in ("right", "left")}
    print(f"model: {args.model or 'bundled'}; synthetic palm geometry: {args.palm}")
    print(f"{'frames':34s} {'right>left':>10s} {'score R':>8s} {'score L':>8s} {'err R mm':>9s} {'err L mm':>9s}")
    for facing in FACING:
        rows = []
        for frame, truth in open_hand_frames(facing, args.frames, args.palm):
            paths = both_paths(trackers, frame)
            errors = [np.linalg.norm(j - truth, axis=1).mean() if j is not None else np.nan for _, j in paths.values()]
            rows.append((paths["right"][0], paths["left"][0], *errors))
        a = np.array(rows)
        print(f"{'synthetic right, ' + facing + ' to camera':34s} {int((a[:, 0] > a[:, 1]).sum()):>5d}/{len(a):<4d} "
              f"{a[:, 0].mean():8.3f} {a[:, 1].mean():8.3f} {np.nanmean(a[:, 2]):9.1f} {np.nanmean(a[:, 3]):9.1f}")
    if not (SHARED / "sr305-lada").is_dir():
        sys.exit(f"no real frames: {SHARED / 'sr305-lada'} is missing")
    with open_source(SHARED / "sr305-lada", camera_profile="sr305") as source:
        scores = np.array([[p[0] for p in both_paths(trackers, frame).values()] for frame in source])
    print(f"{'real SR305 right, palm to camera':34s} {int((scores[:, 0] > scores[:, 1]).sum()):>5d}/{len(scores):<4d} "
          f"{scores[:, 0].mean():8.3f} {scores[:, 1].mean():8.3f} {'-':>9s} {'-':>9s}")


if __name__ == "__main__":
    main()
