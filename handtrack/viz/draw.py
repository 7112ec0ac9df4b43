"""Pure drawing functions on BGR images (OpenCV): depth colouring, hand skeletons, labels, timing overlays."""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from handtrack.pose import FINGERS, HandPose, Joint, finger_joint_indices

#: one BGR colour per finger, thumb to little
FINGER_COLOURS = ((0, 0, 230), (0, 200, 255), (0, 200, 0), (230, 160, 0), (200, 0, 200))


def colourise_depth(depth_raw: np.ndarray, depth_unit_mm: float, near_mm: float = 200.0,
                    far_mm: float = 1500.0) -> np.ndarray:
    """(H, W) uint16 raw depth -> (H, W, 3) BGR image: near is warm, far is cold, missing depth is black (one
    table look-up per pixel: :func:`depth_colours`)."""
    return np.take(depth_colours(float(depth_unit_mm), float(near_mm), float(far_mm)), depth_raw, axis=0)


@functools.lru_cache(maxsize=8)
def depth_colours(depth_unit_mm: float, near_mm: float = 200.0, far_mm: float = 1500.0) -> np.ndarray:
    """(65536, 3) uint8 BGR colour of every raw depth value: JET from warm at ``near_mm`` to cold at ``far_mm``
    (clipped beyond), 0 (no depth) black."""
    mm = np.arange(65536, dtype=np.float32) * np.float32(depth_unit_mm)
    scaled = np.clip((mm - near_mm) / (far_mm - near_mm), 0.0, 1.0)
    colours = cv2.applyColorMap((255 * (1.0 - scaled)).astype(np.uint8)[:, None], cv2.COLORMAP_JET)[:, 0].copy()
    colours[0] = 0
    colours.flags.writeable = False  # shared by every call
    return colours


def draw_hand(image: np.ndarray, pose: HandPose, label: bool = True) -> np.ndarray:
    """Draw a pose's skeleton (one colour per finger), joints and crop box onto ``image`` (in place) and
    return it. Joints are drawn from ``pose.joints_uvd`` (image pixels)."""
    uv = np.round(pose.joints_uvd[:, :2]).astype(int)
    left, top, right, bottom = (int(round(v)) for v in pose.crop_box_px)
    cv2.rectangle(image, (left, top), (right, bottom), (255, 255, 255), 1, cv2.LINE_AA)
    wrist = tuple(uv[Joint.WRIST])
    # Every bone and joint gets a dark outline first, so that the skeleton stands out on any depth colour (the
    # thumb's red vanished on the red of a near hand without it).
    for finger, colour in zip(FINGERS, FINGER_COLOURS):
        chain = [wrist] + [tuple(uv[i]) for i in finger_joint_indices(finger)]
        for a, b in zip(chain, chain[1:]):
            cv2.line(image, a, b, (0, 0, 0), 4, cv2.LINE_AA)
            cv2.line(image, a, b, colour, 2, cv2.LINE_AA)
        for i in finger_joint_indices(finger):
            radius = 2 + int(round(2 * float(pose.confidence[i])))
            cv2.circle(image, tuple(uv[i]), radius + 1, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(image, tuple(uv[i]), radius, colour, -1, cv2.LINE_AA)
    cv2.circle(image, wrist, 5, (0, 0, 0), -1, cv2.LINE_AA)
    cv2.circle(image, wrist, 4, (255, 255, 255), -1, cv2.LINE_AA)
    if label:
        # the side and how sure the tracker is of it (none when the side was given: --hand right / left), then the
        # pose's own score (mean joint confidence)
        sure = f" {math.floor(100 * pose.handedness_score)}%" if pose.handedness_score < 1.0 else ""  # never 100
        text = f"{pose.handedness.value}{sure}, score {pose.score:.2f}"
        cv2.putText(image, text, (left, max(top - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                    cv2.LINE_AA)
        # below the box, what a gesture interface reads off the hand (handtrack/gestures.py)
        text = gesture_text(pose)
        (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
        y = min(bottom + 6 + height, image.shape[0] - 4)
        cv2.rectangle(image, (left, y - height - 3), (left + width + 4, y + 4), (0, 0, 0), -1)  # readable on a hand
        cv2.putText(image, text, (left + 2, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def gesture_text(pose: HandPose) -> str:
    """One line of the hand's gesture measures: "pinch 23 mm, grab 0.91, out: index middle"."""
    measures = pose.measures
    out = " ".join(name for name, up in zip(FINGERS, measures.extended) if up) or "none"
    return f"pinch {measures.pinch_distance_mm:.0f} mm, grab {measures.grab_strength:.2f}, out: {out}"


def draw_status(image: np.ndarray, lines: list[str]) -> np.ndarray:
    """Text lines (FPS, per-stage latency, "no hand: reason") at the top left, on a dark band."""
    for k, line in enumerate(lines):
        y = 18 + 18 * k
        cv2.putText(image, line, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(image, line, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def status_lines(frame_index: int, hands: list[HandPose], reason: str, title: str = "") -> list[str]:
    """The viewer's status text for a frame: which frame, and the tracking time or why no hand was found."""
    first = f"{title}  frame {frame_index}" if title else f"frame {frame_index}"
    second = f"{hands[0].timings_ms.get('total', 0.0):.1f} ms" if hands else f"no hand: {reason}"[:90]
    return [first, second]


def annotate_frame(depth_raw: np.ndarray, depth_unit_mm: float, hands: list[HandPose], status: list[str]) -> np.ndarray:
    """The 2D viewer's picture of one frame: coloured depth, every hand, status lines."""
    image = colourise_depth(depth_raw, depth_unit_mm)
    for hand in hands:
        draw_hand(image, hand)
    return draw_status(image, status)
