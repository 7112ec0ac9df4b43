"""Training checkpoints (``.pt``): weights plus everything needed to rebuild and use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from handtrack.engines.metadata import ModelFileError, ModelMetadata
from handtrack.models.config import ModelConfig
from handtrack.models.pwr import build_network
from handtrack.preprocess.params import CropParams

CHECKPOINT_FORMAT = 1


def save_checkpoint(path: str | Path, name: str, network: nn.Module, config: ModelConfig, contract: CropParams,
                    training: dict[str, Any] | None = None, state: dict[str, Any] | None = None) -> None:
    """Write atomically (temp file + rename) so an interrupted save never corrupts the previous checkpoint.

    ``state``: optimiser/scheduler/RNG state for exact resumption.
    """
    path = Path(path)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "metadata": ModelMetadata(name, config.to_dict(), contract, training or {}).to_props(),
        "state_dict": network.state_dict(),
        "state": state or {},
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def load_checkpoint(path: str | Path) -> tuple[nn.Module, ModelMetadata, dict[str, Any]]:
    """(network with weights, metadata, saved training state)."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
        raise ModelFileError(f"{path}: not a readable checkpoint ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path}: not a handtrack checkpoint (format {CHECKPOINT_FORMAT})")
    metadata = ModelMetadata.from_props(payload["metadata"], str(path))
    network = build_network(ModelConfig.from_dict(metadata.model_config))
    network.load_state_dict(payload["state_dict"])
    return network, metadata, payload.get("state", {})


def save_untrained_checkpoint(name: str, path: str | Path, seed: int = 0) -> Path:
    """A randomly initialised checkpoint of registry entry ``name`` (for latency measurements, which do not
    depend on the weights, and for tests)."""
    from handtrack.models.registry import registry_entry

    torch.manual_seed(seed)
    entry = registry_entry(name)
    save_checkpoint(path, name, build_network(entry.model), entry.model, CropParams(), {}, {})
    return Path(path)
