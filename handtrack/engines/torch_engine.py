"""PyTorch engine for ``.pt`` checkpoints (needs the ``train`` extra): CPU or CUDA, fp16 on CUDA."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handtrack.engines.base import Engine


class TorchEngine(Engine):
    def __init__(self, path: str | Path, device: str | None = None, fp16: bool = False) -> None:
        import torch

        from handtrack.models.checkpoint import load_checkpoint
        from handtrack.models.pwr import InferenceModel

        self.path = Path(path)
        network, self.metadata, _ = load_checkpoint(self.path)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.fp16 = fp16 and self.device.type == "cuda"
        model = InferenceModel(network).to(self.device).eval()
        self.model = model.half() if self.fp16 else model
        self.provider = f"torch-{self.device.type}{'-fp16' if self.fp16 else ''}"
        self._torch = torch

    def infer(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        torch = self._torch
        x = torch.from_numpy(self.check_input(crops)).to(self.device)
        with torch.inference_mode():
            joints, confidence = self.model(x.half() if self.fp16 else x)
        return joints.float().cpu().numpy(), confidence.float().cpu().numpy()
