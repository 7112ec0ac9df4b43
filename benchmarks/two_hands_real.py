"""Two real hands in one frame, made from the real SR305 frames (no real two-hand recording exists here).

Each of the 19 real SR305 frames (../shared/data/sr305-lada, one right hand each) is given a second hand: the hand
of another of the frames (``--offset`` on, the next sequence's first), mirrored into a left hand and pasted beside
its own, its palm ``--apart`` mm (default 260) to the side at its own depth, nearer pixels kept. A hand's pixels
are those of its frame within ``--radius`` mm (3D) of its tracked palm and connected to it there: the hand with a
piece of its forearm. Frames where the pasted hand would leave the image or touch the first are left out. The
reference palms are the tracker's on each frame alone (one hand, found afresh): what the benchmark asks is whether
``max_hands=2`` finds both hands where one hand alone is found, not how accurate the palms are. Prints how often
both hands are found (a tracked palm within 50 mm of each reference palm), each hand alone, and hands found that
are neither. Usage:

    python benchmarks/two_hands_real.py [--model M.onnx] [--apart 260] [--radius 130] [--offset 7] [--png OUT.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handtrack import HandTracker  # noqa: E402
from handtrack.geometry import deproject_pixels_to_points, pixel_rays, project_points_to_pixels  # noqa: E402
from handtrack.preprocess.refine import palm_centre_mm  # noqa: E402
from handtrack.sources import open_source  # noqa: E402
from handtrack.types import Frame  # noqa: E402

SR305 = Path(__file__).resolve().parents[2] / "shared" / "data" / "sr305-lada"
FOUND_WITHIN_MM = 50.0


def hand_mask(frame: Frame, palm_mm: np.ndarray, radius_mm: float) -> np.ndarray:
    """(H, W) bool: pixels within ``radius_mm`` of the palm (3D) and connected to the palm's pixel among those."""
    z = frame.depth_mm()
    points = np.concatenate([pixel_rays(frame.intrinsics) * z[..., None], z[..., None]], axis=-1)
    near = (frame.depth > 0) & (np.linalg.norm(points - palm_mm, axis=-1) < radius_mm)
    count, labels = cv2.connectedComponents(near.astype(np.uint8), connectivity=8)
    u, v = np.round(project_points_to_pixels(palm_mm, frame.intrinsics)).astype(int)
    ys, xs = np.nonzero(near)
    if len(xs) == 0:
        return near
    nearest = np.argmin((xs - u) ** 2 + (ys - v) ** 2)  # the palm's own pixel may be a hole
    return labels == labels[ys[nearest], xs[nearest]]


def pasted(first: Frame, first_mask: np.ndarray, second: Frame, second_mask: np.ndarray, second_palm_mm: np.ndarray,
           first_palm_mm: np.ndarray, apart_mm: float) -> tuple[Frame, np.ndarray] | None:
    """``first`` with the hand of ``second`` mirrored (a left hand) and pasted beside its hand, ``apart_mm`` to
    the side (towards the image's middle if it fits, else the other way) at the second palm's depth: (the frame,
    the pasted palm in mm), or None when it leaves the image or touches the first hand."""
    h, w = first.depth.shape
    intr = first.intrinsics
    mirrored_depth, mirrored_mask = second.depth[:, ::-1], second_mask[:, ::-1]
    u2, v2 = project_points_to_pixels(second_palm_mm, intr)
    u2 = (w - 1) - u2  # the palm's pixel in the mirrored image
    u1 = project_points_to_pixels(first_palm_mm, intr)[0]
    step_px = apart_mm * intr.fx / float(second_palm_mm[2])
    for side in ((1.0, -1.0) if u1 < w / 2 else (-1.0, 1.0)):
        shift = int(round(u1 + side * step_px - u2))
        ys, xs = np.nonzero(mirrored_mask)
        xs = xs + shift
        if xs.min() < 0 or xs.max() >= w or not (20 <= u2 + shift < w - 20):
            continue
        placed = np.zeros((h, w), bool)
        placed[ys, xs] = True
        touching = cv2.dilate(placed.astype(np.uint8), np.ones((13, 13), np.uint8)).astype(bool) & first_mask
        if touching.any():
            continue
        depth = first.depth.copy()
        values = mirrored_depth[ys, xs - shift]
        keep = (depth[ys, xs] == 0) | (values < depth[ys, xs])
        depth[ys[keep], xs[keep]] = values[keep]
        palm = deproject_pixels_to_points(np.array([[u2 + shift, v2]]), np.array([float(second_palm_mm[2])]),
                                          intr)[0]
        return Frame(depth, first.depth_unit_mm, intr, first.timestamp_ms, first.index, "two real hands"), palm
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--apart", type=float, default=260.0)
    parser.add_argument("--radius", type=float, default=130.0)
    parser.add_argument("--offset", type=int, default=7)
    parser.add_argument("--png", default=None, help="also save the joined frames with the tracked palms")
    args = parser.parse_args()
    if not SR305.is_dir():
        sys.exit(f"{SR305} not found: the real SR305 frames live in ../shared/data")
    with open_source(SR305, camera_profile="sr305") as source:
        frames = list(source)
    one = HandTracker(args.model)
    palms = []
    for frame in frames:
        one.reset()
        hands = one.track(frame)
        palms.append(palm_centre_mm(hands[0].joints_xyz_mm) if hands else None)
    two = HandTracker(args.model, max_hands=2)
    used = both = first_found = second_found = extra = 0
    tiles = []
    for i, frame in enumerate(frames):
        j = (i + args.offset) % len(frames)
        if palms[i] is None or palms[j] is None:
            continue
        joined = pasted(frame, hand_mask(frame, palms[i], args.radius), frames[j],
                        hand_mask(frames[j], palms[j], args.radius), palms[j], palms[i], args.apart)
        if joined is None:
            continue
        joined_frame, second_palm = joined
        used += 1
        two.reset()
        tracked = [palm_centre_mm(h.joints_xyz_mm) for h in two.track(joined_frame)]
        hits = [any(np.linalg.norm(t - truth) < FOUND_WITHIN_MM for t in tracked) for truth in (palms[i], second_palm)]
        first_found += hits[0]
        second_found += hits[1]
        both += all(hits)
        extra += sum(min(np.linalg.norm(t - palms[i]), np.linalg.norm(t - second_palm)) >= FOUND_WITHIN_MM
                     for t in tracked)
        if args.png:
            image = cv2.applyColorMap(cv2.convertScaleAbs(joined_frame.depth, alpha=255.0 / 8000.0), cv2.COLORMAP_JET)
            for t, colour in zip(tracked, ((255, 255, 255), (0, 0, 0))):
                u, v = np.round(project_points_to_pixels(t, joined_frame.intrinsics)).astype(int)
                cv2.circle(image, (int(u), int(v)), 8, colour, 2)
            tiles.append(cv2.resize(image, (320, 240)))
    name = args.model or "the bundled model"
    print(f"{used} of {len(frames)} real SR305 frames joined with a second, pasted real hand ({args.apart:.0f} mm "
          f"apart), tracked with {name}, max_hands=2, each afresh:")
    print(f"  both hands found (palm within {FOUND_WITHIN_MM:.0f} mm of each hand's palm alone): {both} of {used}; "
          f"the frame's own hand {first_found}, the pasted one {second_found}; other hands found: {extra}")
    if args.png and tiles:
        while len(tiles) % 4:
            tiles.append(np.zeros_like(tiles[0]))
        rows = [np.hstack(tiles[k:k + 4]) for k in range(0, len(tiles), 4)]
        cv2.imwrite(args.png, np.vstack(rows))
        print(f"  wrote {args.png}")


if __name__ == "__main__":
    main()
