"""What tells the model a right hand's palm from its back? Its side preference on edited crops.

For each crop, the preference is which path scores higher: the unmirrored (right-hand) path or the mirrored one
(the crop mirrored through the model, as ``--hand left``). ``benchmarks/palm_side.py`` explains why that is a
palm-or-back decision. The crops are edited to take one cue away at a time:
- relief inverted: the hand's depth mirrored about the plane fitted to it (a palm's relief becomes a back's);
- relief flattened: the hand's depth replaced by that plane (outline only);
- forearm removed: everything more than 0.05 crop units behind the wrist, along the wrist -> middle MCP axis;
- fingers removed: everything beyond the middle MCP (plus 0.03).
The wrist and middle MCP come from the model's own prediction through the path that scored higher on the
unedited crop. Measured on the 19 real SR305 right palms and on synthetic open right hands palm-first and
back-first (``palm_side.open_hand_frames``).

Usage: python benchmarks/palm_cues.py [MODEL] [--frames 20] [--palm anatomical]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from palm_side import SHARED, open_hand_frames  # noqa: E402

from handtrack.engines import Engine, load_engine  # noqa: E402
from handtrack.pose import Joint  # noqa: E402
from handtrack.preprocess import HandLocalizer, make_crop_transform  # noqa: E402
from handtrack.preprocess.crop import crop_depth  # noqa: E402
from handtrack.preprocess.mirror import mirror_crops, unmirror_joints  # noqa: E402
from handtrack.preprocess.params import CropParams  # noqa: E402
from handtrack.sources import open_source  # noqa: E402
from handtrack.types import Frame  # noqa: E402


def first_crops(frames: list[Frame], params: CropParams) -> np.ndarray:
    """(N, 1, S, S) crops around the localiser's hand centre of each frame."""
    crops = []
    for frame in frames:
        hand = HandLocalizer().locate(frame).hands[0]
        transform = make_crop_transform(hand.centre_xyz_mm, frame.intrinsics, params)
        crops.append(crop_depth(frame.depth, frame.depth_unit_mm, transform, params))
    return np.stack(crops)[:, None].astype(np.float32)


def both_paths(engine: Engine, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N,) mean confidence of the unmirrored path, (N,) of the mirrored one, and (N, J, 3) crop joints of the
    path that scored higher."""
    joints, confidence = engine.infer(crops)
    joints_m, confidence_m = engine.infer(mirror_crops(crops))
    right, left = confidence.mean(axis=1), confidence_m.mean(axis=1)
    best = np.where((right >= left)[:, None, None], joints, unmirror_joints(joints_m))
    return right, left, best


def edited(crop: np.ndarray, joints: np.ndarray, background: float) -> dict[str, np.ndarray]:
    """(S, S) normalised crop and its (J, 3) crop joints -> the crop with one cue taken away, by name."""
    size = crop.shape[-1]
    rows, cols = np.mgrid[0:size, 0:size]
    u, v = (cols + 0.5) / size * 2 - 1, (rows + 0.5) / size * 2 - 1  # crop units, as the joints' (u, v)
    hand = crop < background
    design = np.stack([u[hand], v[hand], np.ones(int(hand.sum()))], axis=1)
    coefficients, *_ = np.linalg.lstsq(design, crop[hand], rcond=None)
    plane = coefficients[0] * u + coefficients[1] * v + coefficients[2]
    wrist, mcp = joints[Joint.WRIST, :2], joints[Joint.MIDDLE_MCP, :2]
    length = float(np.linalg.norm(mcp - wrist))
    axis = (mcp - wrist) / max(length, 1e-6)
    along = (u - wrist[0]) * axis[0] + (v - wrist[1]) * axis[1]
    out = {"unedited": crop.copy()}
    out["relief inverted"] = np.where(hand, 2 * plane - crop, crop)
    out["relief flattened"] = np.where(hand, plane, crop)
    out["forearm removed"] = np.where(along < -0.05, background, crop)
    out["fingers removed"] = np.where(along > length + 0.03, background, crop)
    return {k: c.astype(np.float32) for k, c in out.items()}


def report(engine: Engine, name: str, crops: np.ndarray, background: float) -> None:
    _, _, joints = both_paths(engine, crops)
    by_edit: dict[str, list[np.ndarray]] = {}
    for crop, j in zip(crops[:, 0], joints):
        for edit, image in edited(crop, j, background).items():
            by_edit.setdefault(edit, []).append(image)
    print(f"\n{name} ({len(crops)} crops)")
    print(f"  {'crop':18s} right>mirrored  score right / mirrored")
    for edit, images in by_edit.items():
        right, left, _ = both_paths(engine, np.stack(images)[:, None])
        print(f"  {edit:18s} {int((right > left).sum()):5d}/{len(images):<8d} {right.mean():.3f} / {left.mean():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(Path(__file__).resolve().parents[1] / "models" / "pwr.onnx"))
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--palm", default="anatomical")
    args = parser.parse_args()
    engine = load_engine(args.model, threads=2)
    params = engine.metadata.contract
    print(f"model: {args.model}; synthetic palm geometry: {args.palm}")
    real_dir = SHARED / "sr305-lada"
    if real_dir.is_dir():
        with open_source(real_dir, camera_profile="sr305") as source:
            report(engine, "real SR305 right hands, palm to the camera", first_crops(list(source), params),
                   params.background_value)
    for facing in ("palm", "back"):
        frames = [frame for frame, _ in open_hand_frames(facing, args.frames, args.palm)]
        report(engine, f"synthetic right hands, {facing} to the camera", first_crops(frames, params),
               params.background_value)


if __name__ == "__main__":
    main()
