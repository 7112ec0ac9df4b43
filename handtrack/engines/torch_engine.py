"""PyTorch engine for ``.pt`` checkpoints (needs the ``train`` extra): CPU or CUDA; on CUDA, fp16 on request
and CUDA graphs (one captured graph per batch size: the whole network replays as one launch); optionally
``torch.compile`` (TorchInductor fuses norm, activation and residual kernels; the first call compiles, which
takes a minute)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from handtrack.engines.base import Engine


class TorchEngine(Engine):
    def __init__(self, path: str | Path, device: str | None = None, fp16: bool = False,
                 cuda_graphs: bool = True, compile: bool = False) -> None:
        import torch

        from handtrack.models.checkpoint import load_checkpoint
        from handtrack.models.pwr import InferenceModel

        self.path = Path(path)
        network, self.metadata, _ = load_checkpoint(self.path)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if self.device.type == "cuda" and not torch.cuda.is_available():
            from handtrack.engines.metadata import ModelFileError

            raise ModelFileError(f"{self.path}: device {device!r} asked for, but this PyTorch sees no CUDA GPU")
        self.fp16 = fp16 and self.device.type == "cuda"
        self.cuda_graphs = cuda_graphs and self.device.type == "cuda"
        model = InferenceModel(network).to(self.device).eval()
        model = model.half() if self.fp16 else model
        self.model = torch.compile(model, dynamic=False) if compile else model
        self.dtype = torch.float16 if self.fp16 else torch.float32
        self.provider = (f"torch-{self.device.type}{'-fp16' if self.fp16 else ''}{'-compiled' if compile else ''}"
                         f"{'-graphs' if self.cuda_graphs else ''}")
        self._torch = torch
        self._graphs: dict[int, tuple[Any, Any, tuple[Any, Any]]] = {}

    def infer(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        torch = self._torch
        x = torch.from_numpy(self.check_input(crops)).to(self.device)
        if self.cuda_graphs:
            joints, confidence = self._replay(x)
        else:
            with torch.inference_mode():
                joints, confidence = self.model(x.to(self.dtype))
        return joints.float().cpu().numpy(), confidence.float().cpu().numpy()

    def _replay(self, x):  # type: ignore[no-untyped-def]
        """Run through the CUDA graph captured for this batch size (captured on first use)."""
        torch = self._torch
        batch = len(x)
        if batch not in self._graphs:
            static = torch.zeros((batch, *x.shape[1:]), device=self.device, dtype=self.dtype)
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side), torch.inference_mode():
                for _ in range(3):  # warm-up outside the graph (cuDNN picks its algorithms here)
                    self.model(static)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.inference_mode(), torch.cuda.graph(graph):
                outputs = self.model(static)
            self._graphs[batch] = (graph, static, outputs)
        graph, static, outputs = self._graphs[batch]
        static.copy_(x.to(self.dtype))
        graph.replay()
        return outputs
