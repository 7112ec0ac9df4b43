"""The handedness classifier: a small CNN from the normalised crop to one logit (> 0: a left hand).

It sees the same 128 x 128 crop as the pose network (crop contract v1) and is trained on synthetic right hands
and their mirror images (handtrack/training/handedness.py).
"""

from __future__ import annotations

import torch
from torch import nn


def _stage(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                         nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class HandednessNet(nn.Module):
    """(B, 1, 128, 128) crops -> (B,) logits of "left hand"."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(_stage(1, w), _stage(w, 2 * w), _stage(2 * w, 4 * w),
                                      _stage(4 * w, 8 * w))  # 64 -> 4
        # Flattened, not pooled: handedness is an arrangement (which side the thumb is on, which way the bent
        # fingers point), and global pooling would throw the arrangement away.
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(8 * w * 4 * 4, 1))

    def forward(self, crop: torch.Tensor) -> torch.Tensor:
        # The representation-scale image (every second pixel, as the pose network's I): 64 x 64 is plenty for
        # which side the thumb and the bent fingers lie on, at a quarter of the cost.
        return self.head(self.features(crop[..., ::2, ::2])).squeeze(-1)
