"""Fingertips on the real frames of ../shared/data against the ends of the fingers a person marked
(benchmarks/marked_fingertips.py): the one accuracy figure this project has on real cameras.

For each way of reading the hand (right: the crop as it is; left: mirrored through the model; auto: the
handedness classifier decides) and each group of frames: marked fingertips, the mean distance of the predicted
fingertip from the mark (image plane, mm at the hand's depth) and the share "on its own finger" (within 20 mm
of its mark and nearer to it than to any other marked fingertip; handtrack/eval/fingertips.py).

Usage: python benchmarks/real_fingertips.py MODEL [--png OUT.png] [--hand right|left|auto] [--classifier C]
       [--against OTHER [--against-classifier C]] [--rotations DEG]
(--png: the frames with the marks (white rings) joined to the predicted fingertips, for the --hand path;
--against: another model read the same ways, and for each way the difference of the shares on their own finger
with its 90 % interval from resampling the frames: a difference whose interval holds zero is not evidence)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.marked_fingertips import MARKED_FINGERTIPS_PX  # noqa: E402
from benchmarks.real_data import named_real_frames  # noqa: E402
from handtrack import HandTracker  # noqa: E402
from handtrack.errors import HandtrackError  # noqa: E402
from handtrack.eval.fingertips import (  # noqa: E402
    FINGER_NAMES,
    TIP_JOINTS,
    TipScore,
    score_fingertips,
    share_difference_interval,
)
from handtrack.types import Frame  # noqa: E402
from handtrack.viz.draw import annotate_frame  # noqa: E402

GROUPS = {"SR305, fingers spread": "sr305/20210326-230536/", "SR305, gestures": "sr305/20210326-231615/",
          "D400-class, 260-400 mm": "awr/"}


def first_look(tracker: HandTracker, frame: Frame):  # type: ignore[no-untyped-def]
    """The tracker's first look at a frame (no memory of other frames: a fresh search, so no side carried
    over either); the hand or None."""
    tracker.reset()
    hands = tracker.track(frame)
    return hands[0] if hands else None


def trackers_for(model: str, classifier: str | None = None, rotations_deg: float = 0.0) -> dict[str, HandTracker]:
    """A tracker per hand path to score: "auto" only where a handedness classifier was fitted to these weights
    (``classifier``, or the one bundled for the model's name); each with turned readings ``rotations_deg`` (degrees
    both ways; 0: none)."""
    trackers = {hand: HandTracker(model, handedness=hand, rotations_deg=rotations_deg) for hand in ("right", "left")}
    try:
        trackers["auto"] = HandTracker(model, handedness="auto", handedness_model=classifier,
                                       rotations_deg=rotations_deg)
    except HandtrackError as error:
        logging.warning("no --hand auto: %s", error)
    return trackers


def pose_scores(pose, frame: Frame, marked) -> list[TipScore]:  # type: ignore[no-untyped-def]
    """The marked fingertips of ``frame`` scored against a tracked pose; without a pose (no hand found) every
    marked tip is missed, at no particular distance."""
    if pose is None:
        return [TipScore(f, float("nan"), False) for f, m in zip(FINGER_NAMES, marked) if m is not None]
    mm_per_px = float(np.median(pose.joints_xyz_mm[:, 2])) / frame.intrinsics.fx  # the image's scale at the hand
    return score_fingertips(pose.joints_uvd[:, :2], marked, mm_per_px)


def summary(scores: list[TipScore]) -> tuple[int, float, float]:
    """(marked tips, mean error mm, share on their own finger)."""
    if not scores:
        return 0, float("nan"), float("nan")
    return len(scores), float(np.mean([s.error_mm for s in scores])), float(np.mean([s.on_own_finger for s in scores]))


def draw(frame: Frame, pose, marked) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The annotated frame with each mark (white ring) joined to its predicted fingertip, zoomed on the hand."""
    image = annotate_frame(frame.depth, frame.depth_unit_mm, [pose] if pose is not None else [], [])
    for joint, mark in zip(TIP_JOINTS, marked):
        if mark is None:
            continue
        cv2.circle(image, mark, 6, (255, 255, 255), 2)
        if pose is not None:
            tip = tuple(int(round(x)) for x in pose.joints_uvd[joint, :2])
            cv2.line(image, mark, tip, (255, 255, 255), 1)
    if pose is not None:
        left, top, right, bottom = pose.crop_box_px
        cx, cy, half = (left + right) / 2, (top + bottom) / 2, max(right - left, bottom - top) * 0.6
        x0, y0 = int(max(cx - half, 0)), int(max(cy - half, 0))
        image = image[y0:int(min(cy + half, image.shape[0])), x0:int(min(cx + half, image.shape[1]))]
    return cv2.resize(image, (300, 300))


def difference_table(results: dict[str, dict[str, list[TipScore]]], other_model: str,
                     frames: dict[str, Frame], other_classifier: str | None = None) -> Table:
    """Per hand path both models read: the share on their own finger of each and the difference, with its 90 %
    interval from resampling the frames (:func:`share_difference_interval`)."""
    other = trackers_for(other_model, other_classifier)
    table = Table(title=f"on their own finger, all frames: against {other_model} (difference, 90 % interval "
                  "from resampling the frames)")
    for column in ("path", "this model", "other", "difference"):
        table.add_column(column)
    for hand in [h for h in results if h in other]:
        mine = results[hand]
        theirs = {n: pose_scores(first_look(other[hand], frames[n]), frames[n], MARKED_FINGERTIPS_PX[n]) for n in mine}
        difference, low, high = share_difference_interval(*([[s.on_own_finger for s in scores[n]] for n in mine]
                                                            for scores in (mine, theirs)))
        shares = [summary([s for ss in scores.values() for s in ss])[2] for scores in (mine, theirs)]
        table.add_row(hand, f"{100 * shares[0]:.0f} %", f"{100 * shares[1]:.0f} %",
                      f"{100 * difference:+.0f} points [{100 * low:+.0f}, {100 * high:+.0f}]")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--png", type=Path, help="write the frames with marks and predicted fingertips here")
    parser.add_argument("--hand", default="auto", choices=("right", "left", "auto"), help="the path --png draws")
    parser.add_argument("--against", help="another model: the difference of the shares, with its interval")
    parser.add_argument("--classifier", help="the handedness classifier of MODEL's auto path (default: the one "
                        "bundled for its name)")
    parser.add_argument("--against-classifier", help="the handedness classifier of --against's auto path (e.g. "
                        "the one bundled with those weights before a refit)")
    parser.add_argument("--rotations", type=float, default=0.0, metavar="DEG", help="each final crop also read "
                        "turned by -DEG and +DEG degrees, the readings averaged (HandTracker(rotations_deg=...))")
    args = parser.parse_args()
    frames = named_real_frames()
    trackers = trackers_for(args.model, args.classifier, args.rotations)
    paths = tuple(trackers)
    table = Table(title=f"fingertips on real frames: {args.model} (mean error mm / on their own finger)")
    table.add_column("frames")
    for hand in paths:
        table.add_column(hand)
    results: dict[str, dict[str, list[TipScore]]] = {hand: {} for hand in paths}
    tiles = []
    for hand in paths:
        for name, marked in MARKED_FINGERTIPS_PX.items():
            frame = frames[name]
            pose = first_look(trackers[hand], frame)
            results[hand][name] = pose_scores(pose, frame, marked)
            if args.png is not None and hand == args.hand:
                tiles.append(draw(frame, pose, marked))
    for group, prefix in {**GROUPS, "all": ""}.items():
        cells = []
        for hand in paths:
            scores = [s for name, ss in results[hand].items() if name.startswith(prefix) for s in ss]
            n, error, on = summary(scores)
            cells.append(f"{n} tips: {error:.1f} mm / {100 * on:.0f} %")
        table.add_row(group, *cells)
    console = Console(width=140)
    console.print(table)
    if args.against:
        console.print(difference_table(results, args.against, frames, args.against_classifier))
    per_finger = Table(title="by finger, all frames (mean error mm / on their own finger)")
    per_finger.add_column("finger")
    for hand in paths:
        per_finger.add_column(hand)
    for finger in FINGER_NAMES:
        cells = []
        for hand in paths:
            n, error, on = summary([s for ss in results[hand].values() for s in ss if s.finger == finger])
            cells.append(f"{n}: {error:.1f} / {100 * on:.0f} %")
        per_finger.add_row(finger, *cells)
    console.print(per_finger)
    if tiles:
        tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % 6)
        grid = np.vstack([np.hstack(tiles[i: i + 6]) for i in range(0, len(tiles), 6)])
        cv2.imwrite(str(args.png), grid)
        console.print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
