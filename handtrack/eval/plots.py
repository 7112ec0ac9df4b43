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


def _moving_average_over_steps(steps: np.ndarray, values: np.ndarray, weight: np.ndarray, window: int,
                               ) -> np.ndarray:
    """The mean of ``values`` over the last ``window`` steps at each record from the first full window on, each
    record weighed by the steps it stands for (1, or a thinned log's ``steps_averaged``; handtrack.training.runlog).
    The records are in step order; a log shorter than the window is returned as it is."""
    if len(values) == 0 or steps[-1] - steps[0] + weight[0] < window:
        return values
    total = np.concatenate([[0.0], np.cumsum(values * weight)])
    count = np.concatenate([[0.0], np.cumsum(weight)])
    first = np.searchsorted(steps, steps - window, side="right")  # the records within (step - window, step]
    mean = (total[1:] - total[first]) / np.maximum(count[1:] - count[first], 1e-9)
    full = steps - window >= steps[0] - weight[0]  # a whole window of steps lies behind the record
    return mean[int(np.argmax(full)):]


def training_curve_png(records: list[dict], path: str | Path, label: str) -> None:
    """Two panels from a training log's records: the total loss (moving average of 200 steps, log scale) and
    the validation mean error (mm), both against the step."""
    steps = np.array([r["step"] for r in records if "total" in r], dtype=float)
    loss = np.array([r["total"] for r in records if "total" in r], dtype=float)
    weight = np.array([r.get("steps_averaged", 1) for r in records if "total" in r], dtype=float)
    val_steps = np.array([r["step"] for r in records if "val_mean_mm" in r], dtype=float)
    val = np.array([r["val_mean_mm"] for r in records if "val_mean_mm" in r], dtype=float)
    step_max = float(max(steps.max() if len(steps) else 1.0, 1.0))
    left = _axes(f"training loss (log10), {label}, moving average of 200 steps", "step", "")
    if len(loss):
        smooth = np.log10(np.clip(_moving_average_over_steps(steps, loss, weight, 200), 1e-9, None))
        x = steps[len(steps) - len(smooth):]
        lo, hi = float(smooth.min()), float(smooth.max())
        span = max(hi - lo, 1e-6)
        cv2.polylines(left, [_to_px(x, smooth - lo, step_max, span)], False, (200, 80, 0), 1, cv2.LINE_AA)
        for value, text in ((0.0, f"{lo:.2f}"), (span, f"{hi:.2f}")):
            y = _to_px(np.array([0.0]), np.array([value]), step_max, span)[0, 1]
            cv2.putText(left, text, (_M - 45, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    right = _axes(f"validation mean error, {label}", "step", "mm")
    if len(val):
        top = float(val.max()) * 1.1
        cv2.polylines(right, [_to_px(val_steps, val, step_max, top)], False, (0, 120, 0), 2, cv2.LINE_AA)
        for value in (0.0, top / 2, top):
            y = _to_px(np.array([0.0]), np.array([value]), step_max, top)[0, 1]
            cv2.putText(right, f"{value:.0f}", (_M - 30, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1,
                        cv2.LINE_AA)
    for panel in (left, right):
        cv2.putText(panel, f"{int(step_max)}", (_W - 60, _H - _M + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                    cv2.LINE_AA)
    cv2.imwrite(str(path), np.hstack([left, right]))
