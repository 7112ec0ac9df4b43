"""Inference engines, chosen by the model file's suffix: ``.onnx`` -> onnxruntime, ``.pt`` -> PyTorch,
``.engine`` -> TensorRT (optional; not installable from PyPI on every machine)."""

from __future__ import annotations

from pathlib import Path

from handtrack.engines.base import Engine
from handtrack.engines.metadata import ModelFileError, ModelMetadata

__all__ = ["Engine", "ModelFileError", "ModelMetadata", "load_engine"]


def load_engine(path: str | Path, provider: str | None = None, threads: int | None = None) -> Engine:
    """Load a model file with the backend its suffix names; refuses files without a usable contract."""
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
        return TorchEngine(path, device=provider)
    if suffix == ".engine":
        try:
            import tensorrt  # noqa: F401
        except ImportError as exc:
            raise ModelFileError(f"{path}: TensorRT engines need the tensorrt package, which is not installed; "
                                 "use the .onnx model (onnxruntime picks TensorRT or CUDA when present)") from exc
        raise ModelFileError(f"{path}: running TensorRT .engine files directly is not supported yet; use the .onnx "
                             "model with onnxruntime's TensorRT provider")
    raise ModelFileError(f"{path}: unsupported model type {suffix!r}; expected .onnx, .pt or .engine")
