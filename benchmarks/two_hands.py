"""Two hands in one frame: how often each is found, on synthetic frames with ground truth.

Each frame joins two scenes of ``SyntheticSource``: scene k with its background (a torso, a wall or nothing) and
the hand and arm of scene k + N moved beside it (its palm 220-320 mm to the side, at a depth within 120 mm of
the first palm's). Frames where a palm is outside the image, or where the two hands with their arms touch or
cross in the image (two separate hands are what ``max_hands=2`` looks for), are left out. Prints, for the
localiser with ``max_hands=2`` and, with ``--model``, for the tracker, the share of hands found within 50 mm
(localiser) and within 15 / 30 mm (the tracker's palm), for the hand nearer the camera and the farther one,
beside each hand alone in front of the same background: what the second hand loses; and how many of the
first scenes alone (one hand) get a second, false hand. Usage:

    python benchmarks/two_hands.py [--frames 200] [--seed 7] [--profile sr305] [--model M.onnx]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import cv2
import numpy as np

from handtrack.geometry import project_points_to_pixels
from handtrack.preprocess import HandLocalizer, LocalizerConfig
from handtrack.preprocess.refine import palm_centre_mm
from handtrack.synth.generator import SyntheticSource, render_frame
from handtrack.synth.scene import Scene
from handtrack.types import Frame


def moved_hand(scene: Scene, shift_mm: np.ndarray) -> Scene:
    """The hand and arm of ``scene`` moved by ``shift_mm`` (3,), without its background."""
    k = len(scene.radii) - scene.background_capsules
    return replace(scene, joints_mm=scene.joints_mm + shift_mm, a=scene.a[:k] + shift_mm, b=scene.b[:k] + shift_mm,
                   radii=scene.radii[:k], plane=None, background_capsules=0)


def with_hand(scene: Scene, hand: Scene) -> Scene:
    """``scene`` with the capsules of ``hand`` (a hand and arm without background) added to its hand's."""
    k = len(scene.radii) - scene.background_capsules
    return replace(scene, a=np.concatenate([scene.a[:k], hand.a, scene.a[k:]]),
                   b=np.concatenate([scene.b[:k], hand.b, scene.b[k:]]),
                   radii=np.concatenate([scene.radii[:k], hand.radii, scene.radii[k:]]), pose_source="two hands")


def joined_scene(first: Scene, second: Scene, rng: np.random.Generator) -> tuple[Scene, Scene, np.ndarray]:
    """``first`` with the hand and arm of ``second`` moved beside its hand: (the joined scene, the moved second hand
    in front of the first's background alone, (2, 3) the two palm centres in mm). The second palm goes 220-320 mm
    to the side of the first (towards the image's middle), 120 mm up or down at most, at the first palm's depth
    +-120 mm."""
    p1 = first.palm_centre_mm
    side = -np.sign(p1[0]) if p1[0] != 0 else 1.0
    target = p1 + np.array([side * rng.uniform(220, 320), rng.uniform(-120, 120), rng.uniform(-120, 120)])
    moved = moved_hand(second, target - second.palm_centre_mm)
    return with_hand(first, moved), with_hand(first.without_hand(), moved), np.stack([p1, target])


def separate(palms_mm: np.ndarray, hands: list[Frame]) -> bool:
    """Both palm centres project into the image (20 px inside), and the two hands with their arms, each rendered
    alone (``hands``), are at least 6 pixels apart in it."""
    uv = project_points_to_pixels(palms_mm, hands[0].intrinsics)
    h, w = hands[0].depth.shape
    if not np.all((uv[:, 0] >= 20) & (uv[:, 0] < w - 20) & (uv[:, 1] >= 20) & (uv[:, 1] < h - 20)):
        return False
    grown = [cv2.dilate((f.depth > 0).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0 for f in hands]
    return not np.any(grown[0] & grown[1])


def nearest_errors_mm(found_mm: list[np.ndarray], palms_mm: np.ndarray) -> np.ndarray:
    """(2,) distance from each true palm to the nearest found centre (inf when none was found)."""
    if not found_mm:
        return np.full(len(palms_mm), np.inf)
    found = np.asarray(found_mm)
    return np.linalg.norm(palms_mm[:, None] - found[None], axis=-1).min(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", default="sr305")
    parser.add_argument("--model", default="")
    args = parser.parse_args()
    source = SyntheticSource(2 * args.frames, seed=args.seed, profile=args.profile)
    localizer = HandLocalizer(LocalizerConfig(max_hands=2))
    alone_localizer = HandLocalizer(LocalizerConfig())
    tracker = alone_tracker = None
    if args.model:
        from handtrack import HandTracker

        tracker = HandTracker(args.model, max_hands=2, handedness="right")
        alone_tracker = HandTracker(args.model, handedness="right")
    def render(scene: Scene, index: int) -> Frame:
        rng = np.random.default_rng([args.seed, index, 1])
        return Frame(render_frame(scene, source.intrinsics, source.depth_unit_mm, source.sensor, rng),
                     source.depth_unit_mm, source.intrinsics, 0.0, index, "two hands")

    false_second = false_tracked = 0  # one-hand frames (the first scenes) given a second hand
    rows = []  # per frame: localiser error (2,), alone (2,), and with a model tracker error (2,), alone (2,)
    for k in range(args.frames):
        first, rng = source.scene(k)  # rng draws the second hand's place
        second, _ = source.scene(k + args.frames)
        scene, moved, palms = joined_scene(first, second, rng)
        second_only = moved_hand(second, palms[1] - second.palm_centre_mm)
        # each hand alone in front of the first scene's background (a torso, a wall or nothing)
        alone = [render(s, k) for s in (first, moved)]
        false_second += len(localizer.locate(alone[0]).hands) > 1  # one hand in the frame: a second is false
        if tracker is not None:
            tracker.reset()
            false_tracked += len(tracker.track(alone[0])) > 1
        if not separate(palms, [render(moved_hand(s, np.zeros(3)), k) for s in (first, second_only)]):
            continue
        frame = render(scene, k)
        row = [nearest_errors_mm([h.centre_xyz_mm for h in localizer.locate(frame).hands], palms),
               np.array([nearest_errors_mm([h.centre_xyz_mm for h in alone_localizer.locate(f).hands], palms[[i]])[0]
                         for i, f in enumerate(alone)])]
        if tracker is not None and alone_tracker is not None:
            tracker.reset()
            row.append(nearest_errors_mm([palm_centre_mm(p.joints_xyz_mm) for p in tracker.track(frame)], palms))
            alone_errors = []
            for i, f in enumerate(alone):
                alone_tracker.reset()
                alone_errors.append(nearest_errors_mm([palm_centre_mm(p.joints_xyz_mm)
                                                       for p in alone_tracker.track(f)], palms[[i]])[0])
            row.append(np.array(alone_errors))
        order = np.argsort(palms[:, 2])  # the nearer hand first
        rows.append(np.stack(row)[:, order])
    errors = np.asarray(rows)  # (frames, kinds, 2 hands: nearer, farther)
    n = len(errors)
    print(f"{args.profile}, seed {args.seed}: {n} of {args.frames} joined frames with both palms in view, the hands "
          "apart")
    labels = ["localiser, max_hands 2", "localiser, each hand alone"]
    limits = [(50.0,), (50.0,)]
    if tracker is not None:
        labels += ["tracker, max_hands 2", "tracker, each hand alone"]
        limits += [(15.0, 30.0), (15.0, 30.0)]
    for kind, (label, limit) in enumerate(zip(labels, limits)):
        parts = []
        for hand, name in ((0, "nearer"), (1, "farther")):
            parts.append(f"{name} " + " / ".join(f"{100 * np.mean(errors[:, kind, hand] <= t):.1f} %" for t in limit))
        both = " / ".join(f"{100 * np.mean(np.all(errors[:, kind] <= t, axis=1)):.1f} %" for t in limit)
        print(f"{label}: within {' / '.join(f'{t:.0f}' for t in limit)} mm: {', '.join(parts)}; both {both}")
    print(f"one-hand frames (the first scenes alone, all {args.frames}), localiser with max_hands 2: a second (false) "
          f"hand in {false_second}" + (f"; tracker in {false_tracked}" if tracker is not None else ""))


if __name__ == "__main__":
    main()
