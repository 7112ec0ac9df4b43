"""The poses JSONL file (``handtrack replay --out poses.jsonl``) and the per-frame message of the network
stream: one JSON object per line. Schema: docs/poses.schema.json (documented in docs/poses-jsonl.md).

Line 1, the header: {"type": "header", "schema": "handtrack.poses", "schema_version": 1, "joint_names": [...],
"intrinsics": {...}, "depth_unit_mm": ..., "source": "...", "model": {"name", "config", "contract",
"training"}}. Then one line per frame: {"type": "frame", "index", "timestamp_ms", "hands": [...], "reason"}
with "hands": [] and the reason when no hand was found.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from handtrack.engines.metadata import ModelMetadata
from handtrack.pose import JOINT_NAMES, HandPose
from handtrack.types import Frame, Intrinsics

SCHEMA_NAME = "handtrack.poses"
SCHEMA_VERSION = 1


def header_record(intrinsics: Intrinsics, depth_unit_mm: float, source: str, model: ModelMetadata,
                  tracker: dict[str, Any] | None = None) -> dict[str, Any]:
    """The poses file's first line; ``tracker``: how the tracker read the frames (``HandTracker.settings()``),
    written as the header's ``tracker`` field when given."""
    record = {
        "type": "header",
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "joint_names": list(JOINT_NAMES),
        "intrinsics": intrinsics.to_dict(),
        "depth_unit_mm": depth_unit_mm,
        "source": source,
        "model": {"name": model.name, "config": model.model_config, "contract": model.contract.to_dict(),
                  "training": model.training},
    }
    if tracker is not None:
        record["tracker"] = tracker
    return record


def frame_record(frame: Frame, hands: list[HandPose], reason: str = "") -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "frame",
        "index": frame.index,
        "timestamp_ms": round(float(frame.timestamp_ms), 3),
        "hands": [hand.to_dict() for hand in hands],
    }
    if not hands:
        record["reason"] = reason
    return record


class PoseWriter:
    """Writes the header, then one line per frame, flushed as it goes (a crash keeps every finished line)."""

    def __init__(self, path: str | Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self._write(header)

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def write(self, frame: Frame, hands: list[HandPose], reason: str = "") -> None:
        self._write(frame_record(frame, hands, reason))

    def write_record(self, record: dict[str, Any]) -> None:
        """One frame's line from its :func:`frame_record` (made once where a stream sends it too)."""
        self._write(record)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> PoseWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
