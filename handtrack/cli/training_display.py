"""What ``handtrack train`` shows while it trains: a rich progress bar over the time budget with the step,
smoothed loss, last validation error and speed; without a terminal, the same as a line every minute."""

from __future__ import annotations

import time
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from handtrack.cli.common import console


class TrainingDisplay:
    """Call with each step's log record (``train(..., on_step=display)``)."""

    def __init__(self, budget_s: float, print_every_s: float = 60.0) -> None:
        self.budget_s = budget_s
        self.print_every_s = print_every_s
        self.progress = Progress(
            TextColumn("training"), BarColumn(), TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
            TimeRemainingColumn(), console=console, transient=False, disable=not console.is_terminal,
        )
        self.task = self.progress.add_task("training", total=budget_s, status="starting")
        self.start = time.monotonic()
        self.last_print = self.start
        self.first_samples: int | None = None
        self.loss: float | None = None
        self.validation = "-"

    def status(self, record: dict[str, Any], now: float) -> str:
        if self.first_samples is None:
            self.first_samples = int(record["samples"])
        total = float(record.get("total", 0.0))
        self.loss = total if self.loss is None else 0.98 * self.loss + 0.02 * total
        if "val_mean_mm" in record:
            self.validation = f"{record['val_mean_mm']:.1f} mm"
        rate = (int(record["samples"]) - self.first_samples) / max(now - self.start, 1e-9)
        return (f"step {record['step']}  loss {self.loss:.4f}  validation {self.validation}  "
                f"{rate:.0f} samples/s")

    def __call__(self, record: dict[str, Any]) -> None:
        now = time.monotonic()
        text = self.status(record, now)
        self.progress.update(self.task, completed=min(now - self.start, self.budget_s), status=text)
        if not console.is_terminal and now - self.last_print >= self.print_every_s:
            self.last_print = now
            left = max(self.budget_s - (now - self.start), 0.0) / 60.0
            console.print(f"{text}, {left:.0f} min left")
