"""Inference engines, chosen by the model file's suffix: ``.onnx`` -> onnxruntime, ``.pt`` -> PyTorch,
``.engine`` -> TensorRT (optional; not installable from PyPI on every machine)."""

from __future__ import annotations

from pathlib import Path

from handtrack.engines.base import Engine
from handtrack.engines.metadata import ModelFileError, ModelMetadata

__all__ = ["Engine", "ModelFileError", "ModelMetadata", "load_engine"]


#: options a ``.pt`` model's provider may add to its device with "+", e.g. "cuda+fp16+compile"
TORCH_OPTIONS = ("fp16", "compile")


def load_engine(path: str | Path, provider: str | None = None, threads: int | None = None) -> Engine:
    """Load a model file with the backend its suffix names; refuses files without a usable contract.

    ``provider``: for ``.onnx`` an onnxruntime provider ("cpu", "cuda", "tensorrt"); for ``.pt`` a torch device
    ("cpu", "cuda") with optional ``+fp16`` and ``+compile`` (TorchInductor; the first call compiles for about
    a minute). Measured on an H200: paper-size pwr batch 1 in 0.77 ms with "cuda+fp16+compile", 1.83 ms
    with "cuda+fp16" (docs/gpu/)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        from handtrack.engines.onnx_engine import OnnxEngine

        return OnnxEngine(path, provider=provider, threads=threads)
    if suffix == ".pt":
        try:
            from handtrack.engines.torch_engine import TorchEngine
        except ImportError as exc:
            raise ModelFileError(f"{path}: .pt models need PyTorch (pip install 'handtrack[train]')") from exc
        device, *options = (provider or "").split("+")
        unknown = [o for o in options if o not in TORCH_OPTIONS]
        if unknown:
            raise ModelFileError(f"unknown option {unknown[0]!r} in provider {provider!r}; a .pt model takes a "
                                 f"device (cpu, cuda) and optionally {', '.join('+' + o for o in TORCH_OPTIONS)}")
        if device not in ("", "cpu", "cuda") and not device.startswith("cuda:"):
            raise ModelFileError(f"unknown torch device {device!r} in provider {provider!r}: use cpu or cuda")
        return TorchEngine(path, device=device or None, fp16="fp16" in options, compile="compile" in options)
    if suffix == ".engine":
        try:
            import tensorrt  # noqa: F401
        except ImportError as exc:
            raise ModelFileError(f"{path}: TensorRT engines need the tensorrt package, which is not installed; "
                                 "use the .onnx model (onnxruntime picks TensorRT or CUDA when present)") from exc
        raise ModelFileError(f"{path}: running TensorRT .engine files directly is not supported yet; use the .onnx "
                             "model with onnxruntime's TensorRT provider")
    raise ModelFileError(f"{path}: unsupported model type {suffix!r}; expected .onnx, .pt or .engine")
