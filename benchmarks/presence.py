"""The presence check (models/presence.onnx) on held-out synthetic crops, on the real frames, and on real frames
whose hand has been slid out of the image.

    python benchmarks/presence.py [--model models/pwr-lite.onnx] [--presence models/presence.onnx]
        [--seed 907 --scenes 300] [--beyond 80 120 160]

Prints: the share of held-out synthetic crops of each kind (``training.presence.KINDS``, rendered afresh from
``--seed``) taken for a hand; the score of each real hand's crop (the 19 SR305 and 21 D400-class frames, the crop
the tracker read the pose from); and real frames with their depth image slid so that the tracked palm lies
``--beyond`` mm past the image's edge, sideways (towards the hand's side) or away from the image's centre (the
way ``SyntheticSource.out_of_view_frame`` moves a synthetic hand): in how many the tracker reports a hand
without the check and with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import handtrack.tracker as tracker_module  # noqa: E402
from handtrack import HandTracker  # noqa: E402
from handtrack.engines.presence import PresenceClassifier  # noqa: E402
from handtrack.preprocess.refine import PALM_JOINTS, palm_centre_mm  # noqa: E402
from handtrack.tracker import MODELS_DIR, PRESENCE_MIN, PRESENCE_MODEL  # noqa: E402
from handtrack.types import Frame  # noqa: E402


class _Recorder:
    """Stands in for the presence classifier: keeps the crops the tracker asks about, says each holds a hand."""

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def p_hand(self, crops: np.ndarray) -> np.ndarray:
        self.crops += list(crops)
        return np.ones(len(crops), dtype=np.float32)


def slid_out(frame: Frame, palm_uv: np.ndarray, palm_z_mm: float, beyond_mm: float, sideways: bool) -> Frame | None:
    """``frame`` with its depth image slid (vacated pixels without depth) so that the pixel ``palm_uv`` lies
    ``beyond_mm`` (at depth ``palm_z_mm``) past the image's edge: along the row towards the palm's side
    (``sideways``) or away from the image's centre; None when that slides everything out."""
    h, w = frame.depth.shape
    direction = np.array([palm_uv[0] - w / 2, 0.0 if sideways else palm_uv[1] - h / 2])
    direction /= np.linalg.norm(direction) + 1e-9
    room = [(w - 1 - palm_uv[0]) if direction[0] > 0 else palm_uv[0],
            (h - 1 - palm_uv[1]) if direction[1] > 0 else palm_uv[1]]
    to_edge = [room[k] / abs(direction[k]) if abs(direction[k]) > 1e-9 else np.inf for k in (0, 1)]
    k = int(np.argmin(to_edge))
    focal = abs(frame.intrinsics.fx if k == 0 else frame.intrinsics.fy)
    step = to_edge[k] + beyond_mm * focal / palm_z_mm / abs(direction[k])
    du, dv = int(round(direction[0] * step)), int(round(direction[1] * step))
    if abs(du) >= w or abs(dv) >= h:
        return None
    moved = np.zeros_like(frame.depth)
    moved[max(0, dv):h + min(0, dv), max(0, du):w + min(0, du)] = frame.depth[max(0, -dv):h - max(0, dv),
                                                                             max(0, -du):w - max(0, du)]
    return Frame(moved, frame.depth_unit_mm, frame.intrinsics, frame.timestamp_ms, frame.index)


def main() -> None:
    from handtrack.training.presence import by_kind, render_scenes
    from tests.preprocess.test_localize import real_frames

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "models" / "pwr-lite.onnx"))
    parser.add_argument("--presence", default=str(MODELS_DIR / PRESENCE_MODEL))
    parser.add_argument("--seed", type=int, default=907)
    parser.add_argument("--scenes", type=int, default=300)
    parser.add_argument("--beyond", type=float, nargs="+", default=[80.0, 120.0, 160.0])
    args = parser.parse_args()
    classifier = PresenceClassifier(args.presence)

    crops, kinds = render_scenes(args.seed, 0, args.scenes)
    p_hand = classifier.p_hand(crops[:, None])
    print(f"held-out synthetic crops (seed {args.seed}, {args.scenes} scenes), taken for a hand (p > {PRESENCE_MIN}):")
    for kind, row in by_kind(p_hand, kinds, PRESENCE_MIN).items():
        print(f"  {kind:32s} {row['crops']:5d} crops: {100 * row['taken']:.1f} %")

    recorder = _Recorder()
    tracker = HandTracker(args.model, handedness="right")
    tracker.presence = recorder  # type: ignore[assignment]
    frames = real_frames()
    palms = []
    at_edge, inside = tracker_module.surface_reaches_image_edge, tracker_module.window_within_image
    tracker_module.surface_reaches_image_edge = lambda *args: True  # every hand asked about, not only at the edge
    tracker_module.window_within_image = lambda *args: False
    for _, frame in frames:
        tracker.reset()
        poses = tracker.track(frame)
        palms.append((poses[0].joints_uvd[[int(j) for j in PALM_JOINTS], :2].mean(axis=0),
                      float(palm_centre_mm(poses[0].joints_xyz_mm)[2])) if poses else None)
    tracker_module.surface_reaches_image_edge, tracker_module.window_within_image = at_edge, inside
    scores = classifier.p_hand(np.stack(recorder.crops)) if recorder.crops else np.zeros(0)
    print(f"real hands ({len(frames)} frames, {len(scores)} reported, {args.model}): p min {scores.min():.3f}, "
          f"below {PRESENCE_MIN}: {int((scores <= PRESENCE_MIN).sum())}; lowest "
          + ", ".join(f"{s:.3f}" for s in np.sort(scores)[:5]))

    without = HandTracker(args.model, handedness="right", presence=False)
    checked = HandTracker(args.model, handedness="right", presence=args.presence)
    for sideways in (True, False):
        for beyond in args.beyond:
            counts = [0, 0, 0]  # frames, reported without the check, with it
            for (_, frame), palm in zip(frames, palms):
                moved = slid_out(frame, palm[0], palm[1], beyond, sideways) if palm else None
                if moved is None:
                    continue
                counts[0] += 1
                for k, each in ((1, without), (2, checked)):
                    each.reset()
                    counts[k] += bool(each.track(moved))
            how = "sideways" if sideways else "away from the centre"
            print(f"real frames slid {how}, palm {beyond:g} mm past the edge: {counts[0]} frames, a hand reported "
                  f"in {counts[1]} without the check, {counts[2]} with it")


if __name__ == "__main__":
    main()
