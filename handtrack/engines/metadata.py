"""What every model file carries (ONNX metadata_props, or inside a .pt checkpoint) and its validation.

Keys: ``handtrack.format`` (this layout's version), ``handtrack.model_name``, ``handtrack.model_config``,
``handtrack.contract`` (the crop parameters, see :mod:`handtrack.preprocess.params`),
``handtrack.training`` (what the weights were trained on), ``handtrack.version`` (package version that wrote it).
JSON-encoded values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from handtrack.errors import HandtrackError
from handtrack.pose import JOINT_NAMES
from handtrack.preprocess.params import CropParams

METADATA_FORMAT = 1
_PREFIX = "handtrack."


class ModelFileError(HandtrackError):
    """A model file is missing, unreadable, or carries a contract this code cannot honour."""


@dataclass
class ModelMetadata:
    name: str
    model_config: dict[str, Any]
    contract: CropParams
    training: dict[str, Any] = field(default_factory=dict)
    version: str = ""

    def to_props(self) -> dict[str, str]:
        from handtrack import __version__

        return {
            f"{_PREFIX}format": str(METADATA_FORMAT),
            f"{_PREFIX}model_name": self.name,
            f"{_PREFIX}model_config": json.dumps(self.model_config),
            f"{_PREFIX}contract": json.dumps(self.contract.to_dict()),
            f"{_PREFIX}training": json.dumps(self.training),
            f"{_PREFIX}version": self.version or __version__,
        }

    @classmethod
    def from_props(cls, props: dict[str, str], origin: str) -> ModelMetadata:
        """Parse and validate; raises ModelFileError naming ``origin`` and what is wrong."""
        if f"{_PREFIX}contract" not in props:
            raise ModelFileError(f"{origin}: not a handtrack model (no crop contract in its metadata); export it "
                                 "with 'handtrack export'")
        fmt = props.get(f"{_PREFIX}format", "?")
        if fmt != str(METADATA_FORMAT):
            raise ModelFileError(f"{origin}: model metadata format {fmt} is not supported (expected {METADATA_FORMAT})")
        try:
            contract = CropParams.from_dict(json.loads(props[f"{_PREFIX}contract"]))
            model_config = json.loads(props.get(f"{_PREFIX}model_config", "{}"))
            training = json.loads(props.get(f"{_PREFIX}training", "{}"))
        except (ValueError, TypeError) as exc:
            raise ModelFileError(f"{origin}: its crop contract cannot be honoured: {exc}") from exc
        if tuple(contract.joint_names) != JOINT_NAMES:
            raise ModelFileError(f"{origin}: its joint layout differs from this version's 21-joint order")
        return cls(props.get(f"{_PREFIX}model_name", "unnamed"), model_config, contract, training,
                   props.get(f"{_PREFIX}version", ""))
