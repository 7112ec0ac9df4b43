"""``handtrack export CHECKPOINT``: a .pt checkpoint -> ONNX with its contract, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from handtrack.cli.common import console
from handtrack.errors import HandtrackError


def _real_crops(spec: str, camera_profile: Optional[str], limit: int = 16) -> np.ndarray:
    from handtrack.preprocess import CropParams, HandLocalizer, crop_depth, make_crop_transform
    from handtrack.sources import open_source

    params, localizer, crops = CropParams(), HandLocalizer(), []
    with open_source(spec, camera_profile=camera_profile) as source:
        for frame in source:
            found = localizer.locate(frame)
            for hand in found.hands:
                transform = make_crop_transform(hand.centre_xyz_mm, frame.intrinsics, params)
                crops.append(crop_depth(frame.depth, frame.depth_unit_mm, transform, params))
            if len(crops) >= limit:
                break
    if not crops:
        raise HandtrackError(f"{spec}: no hand found in any frame to check the export with")
    return np.stack(crops)[:, None]


def export(
    checkpoint: Path = typer.Argument(..., help="A .pt checkpoint written by training."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output file (default: the checkpoint's name, .onnx)."),
    format: str = typer.Option("onnx", "--format", help="onnx, or engine (TensorRT; needs tensorrt)."),
    fp16: bool = typer.Option(False, "--fp16", help="Half-precision weights (for GPUs); give --check-source too "
                              "(on random inputs alone fp16 confidences move more than on hands)."),
    opset: int = typer.Option(17, "--opset", min=17, help="ONNX opset."),
    check_source: Optional[str] = typer.Option(None, "--check-source", help="Real frames to check the export on "
                                               "(recording, PNG folder ...), besides random crops."),
    camera_profile: Optional[str] = typer.Option(None, "--camera-profile", help="Camera of --check-source PNGs."),
    name: Optional[str] = typer.Option(None, "--name", help="The model's name in the file (default: the "
                                       "checkpoint's registry name); the tracker looks for the handedness "
                                       "classifier models/handedness-NAME.onnx."),
) -> None:
    """Export a checkpoint; fails (exit 2) if the exported model differs from PyTorch by more than 1e-3."""
    if format == "engine":
        try:
            import tensorrt  # noqa: F401
        except ImportError as exc:
            raise HandtrackError("--format engine needs TensorRT (the tensorrt package), which is not installed; "
                                 "export ONNX and let onnxruntime use its TensorRT provider") from exc
        raise HandtrackError("--format engine is not implemented yet; export ONNX")
    if format != "onnx":
        raise HandtrackError(f"unknown export format {format!r}; expected onnx or engine")
    if not checkpoint.is_file():
        raise HandtrackError(f"checkpoint not found: {checkpoint}")
    try:
        from handtrack.models.export import export_onnx
    except ImportError as exc:
        raise HandtrackError("export needs PyTorch and onnx: pip install 'handtrack[train]'") from exc
    crops = _real_crops(check_source, camera_profile) if check_source else None
    report = export_onnx(checkpoint, out or checkpoint.with_suffix(".onnx"), fp16=fp16, opset=opset,
                         check_crops=crops, name=name)
    console.print(f"wrote {report.path}: matches PyTorch within {report.max_joint_error:.1e} (joints) and "
                  f"{report.max_confidence_error:.1e} (confidence) on {report.n_random} random and {report.n_real} "
                  f"real crops ({report.provider})")
