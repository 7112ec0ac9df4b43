"""Realism of the synthetic hands, measured: the same statistics on real frames and on synthetic frames of the
same camera at the same distances. Writes docs/images/realism.png (SR305) or realism-d4xx.png (D400 class):
real crops above, synthetic below; prints a Markdown table for docs/realism.md.

- ``--camera sr305``: the 19 frames of ../shared/data/sr305-lada against the sr305 profile;
- ``--camera d4xx``: the 21 close-range frames of ../shared/data/d4xx-close-awr (registered to the colour
  camera: fx = fy = 610 assumed, see the data README) against the d435 profile's stereo sensor model seen
  through those intrinsics.

Usage: python benchmarks/realism.py [--camera sr305|d4xx] [--synthetic N] [--sdk-filters SHARE]
       python benchmarks/realism.py --finger-widths [--outline-png OUT.png] [--palm MODEL]
       python benchmarks/realism.py --finger-lengths
       python benchmarks/realism.py --forearm-widths [--palm MODEL]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import cv2
import numpy as np

from handtrack.calibration import CameraProfile, load_profile
from handtrack.geometry import pixel_rays
from handtrack.preprocess import CropParams, HandLocalizer, crop_depth, hand_mask, make_crop_transform
from handtrack.preprocess.crop import CropTransform, image_uvd_to_crop
from handtrack.sources import open_source
from handtrack.synth.generator import SyntheticSource
from handtrack.types import Frame, Intrinsics

REPO = Path(__file__).resolve().parents[1]
SR305 = REPO.parent / "shared" / "data" / "sr305-lada"
D4XX = REPO.parent / "shared" / "data" / "d4xx-close-awr"
D4XX_INTRINSICS = Intrinsics(640, 480, 610.0, 610.0, 319.5, 239.5)  # assumed: colour-registered depth


def real_frames(camera: str) -> list[Frame]:
    if camera == "sr305":
        with open_source(SR305, camera_profile="sr305") as source:
            return list(source)
    return [Frame(cv2.imread(str(p), cv2.IMREAD_UNCHANGED), 1.0, D4XX_INTRINSICS, 0.0, k)
            for k, p in enumerate(sorted(D4XX.glob("*/*.png")))]


def synthetic_profile(camera: str) -> CameraProfile:
    if camera == "sr305":
        return load_profile("sr305")
    return dataclasses.replace(load_profile("d435"), intrinsics=D4XX_INTRINSICS)


def crop_stats(frame, localizer: HandLocalizer, params: CropParams) -> tuple[dict[str, float], np.ndarray] | None:
    found = localizer.locate(frame)
    if not found.found:
        return None
    hand = found.hands[0]
    transform = make_crop_transform(hand.centre_xyz_mm, frame.intrinsics, params)
    crop = crop_depth(frame.depth, frame.depth_unit_mm, transform, params)
    mask = hand_mask(crop, params)
    image_px_per_crop_px = abs(np.linalg.det(transform.crop_to_image[:, :2]))
    z_mm = crop * transform.cube_half_mm
    interior = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    median = cv2.medianBlur(np.where(mask, z_mm, 0).astype(np.float32), 5)
    residual = (z_mm - median)[interior]
    filled = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)).astype(bool)
    ring = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~mask
    raw_near = (crop < params.background_value)  # after segmentation: equal to mask; use the unsegmented crop
    unsegmented = crop_depth(frame.depth, frame.depth_unit_mm, transform, CropParams(segment_jump_mm=0.0))
    stats = {
        "distance_mm": float(hand.centre_xyz_mm[2]),
        "hand_area_px": float(mask.sum() * image_px_per_crop_px),
        "palm_noise_mm": float(np.std(residual)) if residual.size else float("nan"),
        "holes_pct": float(100 * (filled & ~mask).sum() / max(filled.sum(), 1)),
        "edge_stray_pct": float(100 * (ring & (unsegmented < 1.0) & ~raw_near).sum() / max(ring.sum(), 1)),
    }
    return stats, crop


def hand_in_crop(frame: Frame, localizer: HandLocalizer,
                 params: CropParams) -> tuple[np.ndarray, CropTransform] | None:
    """(128, 128) uint8 silhouette of the frame's hand in its crop and the crop's transform; None without a hand."""
    found = localizer.locate(frame)
    if not found.found:
        return None
    transform = make_crop_transform(found.hands[0].centre_xyz_mm, frame.intrinsics, params)
    mask = hand_mask(crop_depth(frame.depth, frame.depth_unit_mm, transform, params), params).astype(np.uint8)
    return mask, transform


def closed(mask: np.ndarray) -> np.ndarray:
    """A silhouette with one-pixel gaps and notches filled (a 3x3 closing)."""
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))


def mm_per_crop_px(transform: CropTransform, params: CropParams) -> float:
    """A crop pixel's size at the hand's depth, mm."""
    return 2 * transform.cube_half_mm / params.input_size


def inscribed_circle_px(mask: np.ndarray) -> tuple[int, int, float]:
    """(x, y, radius) in pixels of the largest circle inside a (H, W) uint8 silhouette (on an open hand: the palm)."""
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    y, x = np.unravel_index(int(np.argmax(distance)), distance.shape)
    return int(x), int(y), float(distance[y, x])


def ridge_widths_mm(mask: np.ndarray, mm_per_px: float) -> tuple[np.ndarray, float, float]:
    """Widths (mm) along the ridge of a (H, W) uint8 silhouette (twice the distance transform where it peaks:
    fingers give the thin ridges), its area in mm^2 and the diameter (mm) of the largest circle inside it (the
    palm's width where it is narrowest across)."""
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    ridge = (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8))) & (distance > 1.5)
    return 2 * distance[ridge] * mm_per_px, float(mask.sum() * mm_per_px**2), float(2 * distance.max() * mm_per_px)


def outline_tile(mask: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 picture of a silhouette with its largest inscribed circle drawn in red."""
    x, y, radius = inscribed_circle_px(mask)
    tile = cv2.cvtColor(mask * 200, cv2.COLOR_GRAY2BGR)
    cv2.circle(tile, (x, y), int(round(radius)), (0, 0, 255), 1, cv2.LINE_AA)
    return tile


def finger_width_table(png: Path | None = None, palm: str = "anatomical") -> None:
    """Open right hands palm-first (benchmarks/palm_side.py's scenes) against the real SR305 open hands; with
    ``png``, the first six silhouettes of each side by side with their largest inscribed circles."""
    from palm_side import open_hand_frames

    params, localizer = CropParams(), HandLocalizer()
    rows = []
    for name, frames in (("real SR305", real_frames("sr305")),
                         (f"synthetic, open, palm first ({palm})", [f for f, _ in open_hand_frames("palm", 20, palm)])):
        masks = [(closed(m[0]), m[1]) for m in (hand_in_crop(f, localizer, params) for f in frames) if m is not None]
        results = [ridge_widths_mm(mask, mm_per_crop_px(transform, params)) for mask, transform in masks]
        widths = np.concatenate([w for w, _, _ in results])
        fingers = widths[widths < 24]  # the thin ridges (the palm's is wider)
        p25, p50, p75 = np.percentile(fingers, [25, 50, 75])
        print(f"{name}: {len(results)} frames; finger ridge width p25 / median / p75 {p25:.1f} / {p50:.1f} / "
              f"{p75:.1f} mm; silhouette area median {np.median([a for _, a, _ in results]):,.0f} mm^2; "
              f"largest inscribed circle median {np.median([d for _, _, d in results]):.1f} mm")
        rows.append(np.hstack([outline_tile(mask) for mask, _ in masks[:6]]))
    if png is not None:
        cv2.imwrite(str(png), cv2.resize(np.vstack(rows), None, fx=1.5, fy=1.5, interpolation=cv2.INTER_NEAREST))


def tip_reach_mm(frame: Frame, localizer: HandLocalizer, params: CropParams,
                 tips_uv_px: np.ndarray) -> np.ndarray | None:
    """(5,) distances (mm, in the crop at the hand's depth) of the thumb .. little fingertips ((5, 2) image pixels)
    from the centre of the largest circle inside the hand's silhouette (the palm's middle); None without a hand."""
    found = hand_in_crop(frame, localizer, params)
    if found is None:
        return None
    mask, transform = found
    x, y, _ = inscribed_circle_px(mask)
    uvd = np.column_stack([np.asarray(tips_uv_px, dtype=np.float64), np.zeros(len(tips_uv_px))])
    tips = (image_uvd_to_crop(uvd, transform)[:, :2] + 0.5) * params.input_size - 0.5  # crop pixels
    return np.hypot(tips[:, 0] - x, tips[:, 1] - y) * mm_per_crop_px(transform, params)


def finger_length_table() -> None:
    """How far each fingertip reaches from the palm's middle: the 8 spread SR305 right hands (the marked tips of
    benchmarks/marked_fingertips.py) against synthetic open palm-first hands (their true tips)."""
    from marked_fingertips import MARKED_FINGERTIPS_PX
    from palm_side import open_hand_frames
    from real_data import named_real_frames

    from handtrack.eval.fingertips import TIP_JOINTS
    from handtrack.geometry import project_points_to_pixels

    params, localizer = CropParams(), HandLocalizer()
    frames = named_real_frames()
    real = [tip_reach_mm(frames[name], localizer, params, np.array(tips)) for name, tips in MARKED_FINGERTIPS_PX.items()
            if name.startswith("sr305/20210326-230536/")]
    synthetic = [tip_reach_mm(frame, localizer, params,
                              project_points_to_pixels(joints[list(TIP_JOINTS)], frame.intrinsics))
                 for frame, joints in open_hand_frames("palm", 20, "anatomical")]
    for name, rows in (("real SR305, spread", real), ("synthetic, open, palm first", synthetic)):
        reach = np.array([r for r in rows if r is not None])
        median = np.median(reach, axis=0)
        relative = np.median(reach / reach[:, 2:3], axis=0)
        print(f"{name} ({len(reach)} frames): thumb / index / middle / ring / little tip from the palm's middle "
              + " / ".join(f"{m:.0f}" for m in median) + " mm; relative to the middle finger "
              + " / ".join(f"{r:.2f}" for r in relative))


#: the forearm's width is measured on its surface this far (mm, 3D) from the localiser's hand centre: past the
#: fingertips (at most about 110 mm from the palm's middle) and the wrist, before the elbow
FOREARM_SHELL_MM = (160.0, 260.0)


def forearm_width_mm(frame: Frame, localizer: HandLocalizer) -> float | None:
    """The visible width (mm) of the arm of the hand the localiser finds in ``frame``: of the surface connected to
    the hand's centre in the image (depth 150 mm in front of the centre to 250 mm behind it), the points
    FOREARM_SHELL_MM from the centre, spread across their main direction (3rd to 97th percentile). None without a
    hand or with fewer than 20 such points (the arm leaves the image or the depth range sooner)."""
    found = localizer.locate(frame)
    if not found.found:
        return None
    centre = found.hands[0].centre_xyz_mm
    depth = frame.depth_mm()
    rays = pixel_rays(frame.intrinsics)
    points = np.concatenate([rays * depth[..., None], depth[..., None]], axis=-1)  # (H, W, 3) mm
    near = (depth > centre[2] - 150.0) & (depth < centre[2] + 250.0)
    _, labels = cv2.connectedComponents(near.astype(np.uint8), connectivity=8)
    u, v = (int(round(x)) for x in found.hands[0].centre_uvz[:2])
    v, u = min(max(v, 0), depth.shape[0] - 1), min(max(u, 0), depth.shape[1] - 1)
    component = labels == labels[v, u] if near[v, u] else near
    distance = np.linalg.norm(points - centre, axis=-1)
    arm = points[component & (distance > FOREARM_SHELL_MM[0]) & (distance < FOREARM_SHELL_MM[1])]
    if len(arm) < 20:
        return None
    arm = arm - arm.mean(axis=0)
    across = arm @ np.linalg.svd(arm, full_matrices=False)[2][1]
    return float(np.percentile(across, 97) - np.percentile(across, 3))


def forearm_width_table(palm: str = "anatomical-wrist") -> None:
    """The forearm's visible width (:func:`forearm_width_mm`) on the 40 real frames against synthetic SR305 frames
    (seed 3, ``palm`` geometry)."""
    localizer = HandLocalizer()
    sets = (("real SR305", real_frames("sr305")), ("real D400 class", real_frames("d4xx")),
            (f"synthetic SR305 ({palm})", SyntheticSource(200, seed=3, profile="sr305", palm=palm)))
    for name, frames in sets:
        widths = np.array([w for w in (forearm_width_mm(f, localizer) for f in frames) if w is not None])
        p25, p50, p75 = np.percentile(widths, [25, 50, 75])
        print(f"{name}: forearm width measured in {len(widths)} frames, p25 / median / p75 {p25:.0f} / {p50:.0f} / "
              f"{p75:.0f} mm")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--camera", choices=("sr305", "d4xx"), default="sr305")
    parser.add_argument("--synthetic", type=int, default=120)
    parser.add_argument("--sdk-filters", type=float, default=0.0,
                        help="share of synthetic frames given the SDK's spatial and hole-filling filters")
    parser.add_argument("--finger-widths", action="store_true",
                        help="instead: finger width, area and palm width of open palm-first hands, real against "
                             "synthetic")
    parser.add_argument("--outline-png", type=Path, default=None,
                        help="with --finger-widths: write the silhouettes with their largest inscribed circles here")
    parser.add_argument("--palm", default=None, help="the synthetic palm model (handtrack.synth.scene.PALM_MODELS) of "
                        "--finger-widths (default anatomical) and --forearm-widths (default anatomical-wrist)")
    parser.add_argument("--finger-lengths", action="store_true",
                        help="instead: how far each fingertip reaches from the palm's middle, real spread SR305 "
                             "hands against synthetic open ones")
    parser.add_argument("--forearm-widths", action="store_true",
                        help="instead: the forearm's visible width, real frames against synthetic ones (--palm)")
    args = parser.parse_args()
    if args.forearm_widths:
        forearm_width_table(args.palm or "anatomical-wrist")
        return
    if args.finger_lengths:
        finger_length_table()
        return
    if args.finger_widths:
        finger_width_table(args.outline_png, args.palm or "anatomical")
        return
    params, localizer = CropParams(), HandLocalizer()
    real, real_crops = [], []
    for frame in real_frames(args.camera):
        result = crop_stats(frame, localizer, params)
        if result:
            real.append(result[0])
            real_crops.append(result[1])
    lo, hi = min(s["distance_mm"] for s in real) - 30, max(s["distance_mm"] for s in real) + 30
    synth, synth_crops = [], []
    for frame in SyntheticSource(args.synthetic, seed=3, profile=synthetic_profile(args.camera),
                                 sdk_filter_share=args.sdk_filters):
        result = crop_stats(frame, localizer, params)
        if result and lo <= result[0]["distance_mm"] <= hi:
            synth.append(result[0])
            synth_crops.append(result[1])
    name = {"sr305": "SR305", "d4xx": "D400 class"}[args.camera]
    if args.sdk_filters:
        print(f"synthetic frames with the SDK's filters: {args.sdk_filters:.0%}")
    print(f"| statistic | real {name} ({len(real)} frames) | synthetic {name} ({len(synth)} frames, same distances) |")
    print("|---|---|---|")
    for key in real[0]:
        r = np.array([s[key] for s in real])
        s = np.array([s[key] for s in synth])
        print(f"| {key} | median {np.nanmedian(r):.2f} "
              f"(IQR {np.nanpercentile(r, 25):.2f}-{np.nanpercentile(r, 75):.2f}) "
              f"| median {np.nanmedian(s):.2f} (IQR {np.nanpercentile(s, 25):.2f}-{np.nanpercentile(s, 75):.2f}) |")
    def row(crops):
        tiles = [((1.0 - c) * 127).clip(0, 255).astype(np.uint8) for c in crops[:8]]
        tiles += [np.zeros((128, 128), np.uint8)] * (8 - len(tiles))
        return np.hstack(tiles)
    name = ("realism" if args.camera == "sr305" else "realism-d4xx") + ("-sdk" if args.sdk_filters else "")
    out = REPO / "docs" / "images" / (name + ".png")
    cv2.imwrite(str(out), np.vstack([row(real_crops), row(synth_crops)]))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
