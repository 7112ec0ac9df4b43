"""Thinning a run's JSONL log, so that run folders kept in the repository stay small.

A training log has one record per step (its losses); a long run's log grows by about 0.7 MB per CPU hour and
travels with the repository to a lent GPU, whose working tree is limited (64 MiB). ``thin_log`` replaces the
per-step records older than the last ``keep_last_steps`` by their averages over blocks of ``every`` steps
(``"steps_averaged": n``); validation, schedule and final records are kept as they are, and the recent steps
(which a resume may truncate back to) stay whole. The curve PNG weighs the averaged records by their steps.

    python -m handtrack.training.runlog runs/pwr-lite-anatomical/log.jsonl --every 10 --keep-last 5000
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: the per-step loss fields a block's record averages
_AVERAGED = ("uv", "d", "H", "D", "total")


def _is_plain_step(record: dict[str, Any]) -> bool:
    """A step's loss record with nothing else in it (no validation figure), not yet averaged."""
    return "total" in record and "val_mean_mm" not in record and "steps_averaged" not in record


def _block_record(block: list[dict[str, Any]]) -> dict[str, Any]:
    """One record for consecutive step records: the last step's counters, the mean of each loss."""
    last = block[-1]
    record: dict[str, Any] = {k: v for k, v in last.items() if k not in _AVERAGED}
    for key in _AVERAGED:
        values = [r[key] for r in block if key in r]
        if values:
            record[key] = round(sum(values) / len(values), 6)
    record["steps_averaged"] = len(block)
    return record


def thin_records(records: list[dict[str, Any]], every: int = 10, keep_last_steps: int = 5000,
                 ) -> list[dict[str, Any]]:
    """The records with plain step records before (last step - ``keep_last_steps``) averaged in blocks of
    ``every``; a block ends early at any other record (validation, schedule change), so order is kept."""
    if every < 2 or not records:
        return list(records)
    last_step = max(r.get("step", 0) for r in records)
    out: list[dict[str, Any]] = []
    block: list[dict[str, Any]] = []
    for record in records:
        if _is_plain_step(record) and record["step"] <= last_step - keep_last_steps:
            block.append(record)
            if len(block) == every:
                out.append(_block_record(block))
                block = []
            continue
        if block:
            out.append(_block_record(block))
            block = []
        out.append(record)
    if block:
        out.append(_block_record(block))
    return out


def thin_log(path: Path, every: int = 10, keep_last_steps: int = 5000) -> tuple[int, int]:
    """Thin the log file at ``path`` in place (written to a temporary file, then renamed); returns the record
    counts before and after."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    thinned = thin_records(records, every, keep_last_steps)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in thinned), encoding="utf-8")
    tmp.replace(path)
    return len(records), len(thinned)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, help="a run's log.jsonl")
    parser.add_argument("--every", type=int, default=10, help="steps averaged into one record")
    parser.add_argument("--keep-last", type=int, default=5000, help="the last N steps stay one record each")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    before, after = thin_log(args.log, args.every, args.keep_last)
    log.info("%s: %d records -> %d (%.1f MB)", args.log, before, after, args.log.stat().st_size / 1e6)


if __name__ == "__main__":
    main()
