"""PNG plots of an evaluation, drawn with OpenCV (no plotting library needed)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from handtrack.eval.metrics import Evaluation

_W, _H, _M = 640, 420, 60


def _axes(title: str, x_label: str, y_label: str) -> np.ndarray:
    img = np.full((_H, _W, 3), 255, np.uint8)
    cv2.rectangle(img, (_M, 20), (_W - 20, _H - _M), (0, 0, 0), 1)
    cv2.putText(img, title, (_M, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, x_label, (_W // 2 - 60, _H - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, y_label, (5, 35), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def _to_px(x: np.ndarray, y: np.ndarray, x_max: float, y_max: float) -> np.ndarray:
    px = _M + x / x_max * (_W - 20 - _M)
    py = (_H - _M) - y / y_max * (_H - _M - 20)
    return np.stack([px, py], axis=-1).round().astype(np.int32)


def success_curve_png(evaluation: Evaluation, path: str | Path, label: str) -> None:
    """Fraction of frames whose worst joint error is within each threshold (0-80 mm)."""
    img = _axes(f"success rate, {label}", "max joint error threshold (mm)", "frames")
    for t in range(0, 81, 10):
        x = _to_px(np.array([t]), np.array([0.0]), 80, 1)[0, 0]
        cv2.putText(img, str(t), (x - 8, _H - _M + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    for f in (0.0, 0.5, 1.0):
        y = _to_px(np.array([0.0]), np.array([f]), 80, 1)[0, 1]
        cv2.putText(img, f"{f:.1f}", (_M - 30, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    pts = _to_px(evaluation.thresholds_mm, evaluation.success, 80, 1)
    cv2.polylines(img, [pts], False, (200, 80, 0), 2, cv2.LINE_AA)
    cv2.imwrite(str(path), img)


def per_joint_png(evaluation: Evaluation, path: str | Path, joint_names: list[str], label: str) -> None:
    """Bar per joint: mean 3D error (mm)."""
    img = _axes(f"mean error per joint, {label} (mean {evaluation.mean_mm:.1f} mm)", "joint", "mm")
    errors = evaluation.per_joint_mm
    top = max(float(errors.max()) * 1.1, 1.0)
    n = len(errors)
    width = (_W - 20 - _M) / n
    for j, e in enumerate(errors):
        x0 = int(_M + j * width + 2)
        y = int((_H - _M) - e / top * (_H - _M - 20))
        cv2.rectangle(img, (x0, y), (int(x0 + width - 4), _H - _M), (200, 80, 0), -1)
        cv2.putText(img, joint_names[j][:6], (x0, _H - _M + 12 + 10 * (j % 2)), cv2.FONT_HERSHEY_SIMPLEX, 0.28,
                    (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), img)
