"""How close the localiser's centre lies to the true palm centre, on synthetic frames with ground truth.

Issue 4's target: within 15 mm in >= 99 % of frames. Prints the share of frames with a hand found, the centre
error (3D, and split into image-plane and depth parts) and the share within 15 / 30 / 50 mm, of the frames with
a hand found and of all frames (a frame with no hand found counts as a miss). With ``--model``,
the same for the palm centre of the tracker's final pose (the second pass re-crops around the first pass's
predicted palm), which is where a trained network takes over from geometry. Usage:

    python benchmarks/localize_synthetic.py [--frames 300] [--profile sr305] [--seed 7] [--model M.onnx]
        [--view front|head-mounted] [--head-mounted] [--no-presence | --presence FILE] [--rotations DEG]

``--view head-mounted`` renders a headset's view (the arm comes from below the camera towards it);
``--head-mounted`` runs the localiser (and the tracker) in its head-mounted mode. ``--no-hand``: the same scenes
with their hand and arm taken out, those with a background (a torso, a wall): how often the localiser (with
``--model``: the tracker, which asks the network about what on a body may be a hand) still finds a hand (each one
a false hand), by background; ``--head`` puts a head on a neck above each torso. ``--tracked``: the localiser
while it tracks, each search seeded where the previous frame's hand would have been (the true palm moved 10 mm
at random): how often it keeps the hand, and with ``--no-hand`` how often it lets go of a hand that has gone.
``--out-of-view MM``: each scene's hand and arm slid sideways until the palm lies MM past the image's edge (the
hand has left the view, part of its arm has not): how often a hand is still reported (each one a false hand).
``--no-presence``: the tracker without its presence check (models/presence.md); ``--presence FILE``: with this
presence model instead of the bundled one (to compare two versions without replacing the shipped file).
``--rotations DEG``: the tracker's final crop also read turned by -DEG and +DEG degrees, the readings averaged
(``HandTracker(rotations_deg=...)``); with ``--model`` the mean joint error of the tracked pose is printed too.
"""

from __future__ import annotations

import argparse

import numpy as np

from handtrack import HandTracker
from handtrack.preprocess import HandLocalizer, LocalizerConfig
from handtrack.preprocess.refine import palm_centre_mm
from handtrack.synth.generator import SyntheticSource
from handtrack.types import Frame

#: how far (mm, each axis, standard deviation) a tracked search's start lies from the true palm (--tracked)
TRACKED_START_MM = 10.0


def tracked_start(rng: np.random.Generator, palm_mm: np.ndarray) -> np.ndarray:
    """(3,) mm: the true palm ``palm_mm`` moved at random by TRACKED_START_MM per axis, where the previous frame's
    hand would seed a tracked search (one draw per frame, in frame order, from ``rng``)."""
    return (palm_mm + rng.normal(0.0, TRACKED_START_MM, 3)).astype(np.float32)


#: the tracker's presence check (models/presence.md): True (the bundled one), a model file (--presence), or False
#: (--no-presence)
PRESENCE: bool | str = True
#: the tracker's final crop also read turned this many degrees both ways, the readings averaged (--rotations; 0: off)
ROTATIONS_DEG = 0.0


def localiser_and_tracker(head_mounted: bool, model: str | None) -> tuple[HandLocalizer, HandTracker | None]:
    """The localiser, and with ``model`` the tracker (right-handed: the synthetic hands are right hands, so the
    right-hand network's reading is what is measured; with the presence check unless PRESENCE is off), in the
    localiser's default or head-mounted mode."""
    config = LocalizerConfig(head_mounted=head_mounted)
    tracker = HandTracker(model, localizer=config, handedness="right", presence=PRESENCE,
                          rotations_deg=ROTATIONS_DEG) if model else None
    return HandLocalizer(config), tracker


def hand_reported(frame: Frame, localizer: HandLocalizer, tracker: HandTracker | None,
                  start: np.ndarray | None = None) -> bool:
    """Does the tracker (afresh), or without one the localiser (seeded at ``start`` when given), report a hand?"""
    if tracker is not None:
        tracker.reset()
        return bool(tracker.track(frame))
    return localizer.locate(frame, None if start is None else [start]).found


def centre_errors_mm(frames: int, profile: str, seed: int, model: str | None = None, palm: str = "anatomical",
                     view: str = "front", head_mounted: bool = False,
                     tracked: bool = False) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Centre - true palm centre (mm), (N, 3), of the frames where a hand was found: the localiser's (``tracked``:
    seeded at :func:`tracked_start`), and the palm of the tracker's pose (empty without a model); the frame
    count; and the distance of each joint of the tracker's pose from the truth (mm, (M, 21))."""
    source = SyntheticSource(frames, seed=seed, profile=profile, palm=palm, view=view)
    starts = np.random.default_rng(seed) if tracked else None
    localizer, tracker = localiser_and_tracker(head_mounted, model)
    errors, tracked_errors, joint_errors = [], [], []
    for frame in source:
        truth = palm_centre_mm(frame.joints_xyz_mm)
        found = localizer.locate(frame, None if starts is None else [tracked_start(starts, truth)])
        if found.found:
            errors.append(found.hands[0].centre_xyz_mm - truth)
        if tracker is not None:
            tracker.reset()
            poses = tracker.track(frame)
            if poses:
                tracked_errors.append(palm_centre_mm(poses[0].joints_xyz_mm) - truth)
                joint_errors.append(np.linalg.norm(poses[0].joints_xyz_mm - frame.joints_xyz_mm, axis=1))
    return (np.asarray(errors).reshape(-1, 3), np.asarray(tracked_errors).reshape(-1, 3), frames,
            np.asarray(joint_errors).reshape(-1, 21))


def false_hands(frames: int, profile: str, seed: int, palm: str = "anatomical", view: str = "front",
                head_mounted: bool = False, model: str | None = None, head: bool = False,
                tracked: bool = False) -> dict[str, tuple[int, int]]:
    """The scenes of SyntheticSource(frames, seed, profile) that have a background, rendered without their hand
    and arm: {"torso" | "wall": (frames, frames where a hand was found)}, by the localiser alone, or with
    ``model`` by the tracker (which asks the network about what on a body may be a hand), each frame afresh.
    ``head``: each torso with a head on a neck (``SyntheticSource.background_frame``). ``tracked``: the localiser
    seeded where the hand had been (:func:`tracked_start`): does it let go of a hand that has gone?"""
    source = SyntheticSource(frames, seed=seed, profile=profile, palm=palm, view=view)
    starts = np.random.default_rng(seed) if tracked else None
    localizer, tracker = localiser_and_tracker(head_mounted, model)
    counts: dict[str, list[int]] = {"torso": [0, 0], "wall": [0, 0]}
    for index in range(frames):
        scene, _ = source.scene(index)
        start = None if starts is None else tracked_start(starts, scene.palm_centre_mm)  # drawn for every frame
        kind = "torso" if scene.background_capsules else "wall" if scene.plane is not None else None
        if kind is None:
            continue
        counts[kind][0] += 1
        counts[kind][1] += int(hand_reported(source.background_frame(index, head), localizer, tracker, start))
    return {kind: (n, hands) for kind, (n, hands) in counts.items()}


def out_of_view_hands(frames: int, profile: str, seed: int, beyond_mm: float, palm: str = "anatomical",
                      view: str = "front", head_mounted: bool = False, model: str | None = None) -> tuple[int, int]:
    """(frames, frames where a hand was reported) of SyntheticSource(frames, seed, profile)'s scenes with their hand
    moved ``beyond_mm`` past the image's edge (``SyntheticSource.out_of_view_frame``): by the localiser, or with
    ``model`` by the tracker, each frame afresh."""
    source = SyntheticSource(frames, seed=seed, profile=profile, palm=palm, view=view)
    localizer, tracker = localiser_and_tracker(head_mounted, model)
    return frames, sum(hand_reported(source.out_of_view_frame(index, beyond_mm), localizer, tracker)
                       for index in range(frames))


def report(label: str, errors: np.ndarray, total: int) -> None:
    norm = np.linalg.norm(errors, axis=1)
    print(f"{label}: found in {100 * len(errors) / total:.1f} % of {total} frames; error median "
          f"{np.median(norm):.1f} mm, p95 {np.percentile(norm, 95):.1f} mm (image plane median "
          f"{np.median(np.linalg.norm(errors[:, :2], axis=1)):.1f}, depth median {np.median(errors[:, 2]):+.1f}); "
          "within 15 / 30 / 50 mm: " + " / ".join(f"{100 * np.mean(norm <= t):.1f} %" for t in (15, 30, 50))
          + " of those; of all frames: " + " / ".join(f"{100 * np.sum(norm <= t) / total:.1f} %" for t in (15, 30, 50)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--profile", default="sr305")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", default=None, help="also score the tracker's palm with this model")
    parser.add_argument("--palm", default="anatomical", help="hand geometry (handtrack.synth.scene.PALM_MODELS)")
    parser.add_argument("--view", default="front", help="synthetic view (handtrack.synth.scene.VIEWS)")
    parser.add_argument("--head-mounted", action="store_true", help="the localiser's head-mounted mode")
    parser.add_argument("--no-hand", action="store_true", help="the scenes' backgrounds alone: count false hands")
    parser.add_argument("--head", action="store_true", help="with --no-hand: a head on a neck above each torso")
    parser.add_argument("--tracked", action="store_true", help="the localiser alone, each search seeded near the "
                        "true palm as the previous frame's hand would seed it")
    parser.add_argument("--out-of-view", type=float, default=None, metavar="MM", help="each hand slid this far "
                        "past the image's edge: count the frames where a hand is still reported")
    parser.add_argument("--no-presence", action="store_true", help="the tracker without its presence check")
    parser.add_argument("--presence", default=None, metavar="FILE", help="the tracker with this presence model "
                        "instead of the bundled one")
    parser.add_argument("--rotations", type=float, default=0.0, metavar="DEG", help="the tracker's final crop also "
                        "read turned by -DEG and +DEG degrees, the three readings averaged")
    args = parser.parse_args()
    global PRESENCE, ROTATIONS_DEG
    ROTATIONS_DEG = args.rotations
    if args.no_presence and args.presence:
        parser.error("--presence and --no-presence contradict each other")
    PRESENCE = args.presence or not args.no_presence
    if args.out_of_view is not None:
        n, hands = out_of_view_hands(args.frames, args.profile, args.seed, args.out_of_view, args.palm, args.view,
                                     args.head_mounted, args.model)
        by = f"the tracker ({args.model})" if args.model else "the localiser"
        print(f"{args.profile}, synthetic frames of seed {args.seed}, {args.view} view, each hand slid "
              f"{args.out_of_view:g} mm past the image's edge: {by} reported a hand in {hands} of {n}")
        return
    if args.tracked and args.model:
        parser.error("--tracked measures the localiser alone: leave out --model")
    if args.no_hand:
        counts = false_hands(args.frames, args.profile, args.seed, args.palm, args.view, args.head_mounted,
                             args.model, args.head, args.tracked)
        by = f"the tracker ({args.model})" if args.model else "the localiser" + (
            ", tracking from where the hand had been" if args.tracked else "")
        heads = " (torsos with a head)" if args.head else ""
        print(f"{args.profile}, synthetic frames of seed {args.seed} without their hand{heads}, {args.view} view: {by} "
              "found a hand (a false hand) in " + ", ".join(f"{hands} of {n} with a {kind}" for kind, (n, hands)
                                                     in counts.items()))
        return
    errors, tracked, total, joint_errors = centre_errors_mm(args.frames, args.profile, args.seed, args.model,
                                                            args.palm, args.view, args.head_mounted, args.tracked)
    mode = ("head-mounted" if args.head_mounted else "default") + (", tracking" if args.tracked else "")
    print(f"{args.profile}, synthetic frames of seed {args.seed}, {args.palm} hands, {args.view} view, localiser "
          f"{mode} mode (depth error positive: behind the true palm)")
    report("localiser centre", errors, total)
    if args.model:
        turned = f", readings averaged with the crop turned by {args.rotations:g} degrees both ways" if (
            args.rotations) else ""
        report(f"palm of the tracked pose ({args.model}{turned})", tracked, total)
        print(f"mean joint error of the tracked pose: {joint_errors.mean():.3f} mm (fingertips "
              f"{joint_errors[:, [4, 8, 12, 16, 20]].mean():.3f} mm) over the {len(joint_errors)} frames with a hand")

if __name__ == "__main__":
    main()
