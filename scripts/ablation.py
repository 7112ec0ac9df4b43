"""The paper's ablation at a small, equal budget: each registry entry trained for the same minutes on the same
synthetic data, then scored on the same validation samples. Writes a Markdown table.

    python scripts/ablation.py --minutes 20 --out runs/ablation [--workers 1] [--validation 500]

Entries: pwr-lite (the full method), pwr-direct (direct regression), pwr-one-stage, pwr-repr-unsup (coordinate
losses only), pwr-coord-unsup (representation losses only). Runs resume: a second call with more minutes
continues every run, so the budget can be spread over sessions (or a lent GPU: it needs only torch).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ENTRIES = ("pwr-lite", "pwr-direct", "pwr-one-stage", "pwr-repr-unsup", "pwr-coord-unsup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="training minutes per entry (this call)")
    parser.add_argument("--out", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--validation", type=int, default=500, help="validation samples scored per entry")
    parser.add_argument("--entries", nargs="*", default=list(ENTRIES))
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    import json

    from handtrack.models.checkpoint import load_checkpoint
    from handtrack.synth.generator import validation_sampler
    from handtrack.training.loop import TrainConfig, train, validation_error_mm

    for name in args.entries:
        run = args.out / name
        config = TrainConfig(model=name, lr=args.lr, time_budget_min=args.minutes, workers=args.workers,
                             threads=args.threads, validation_samples=64)
        train(config, run, resume=(run / "checkpoint.pt").is_file())
    sampler = validation_sampler()
    samples = [(s.crop, s.joints_xyz_mm, s.transform) for s in (sampler.sample(i) for i in range(args.validation))]
    rows = []
    for name in args.entries:
        network, _, state = load_checkpoint(args.out / name / "checkpoint.pt")
        rows.append((name, state["step"], state["samples_seen"], round(state["elapsed_s"] / 60, 1),
                     validation_error_mm(network, samples)))
    lines = [f"| entry | steps | samples | minutes | mean error on {args.validation} validation samples, mm |",
             "|---|---|---|---|---|"]
    lines += [f"| `{n}` | {s} | {k} | {m} | {e:.2f} |" for n, s, k, m, e in rows]
    table = "\n".join(lines)
    (args.out / "table.md").write_text(table + "\n")
    (args.out / "table.json").write_text(json.dumps(rows))
    print(table)


if __name__ == "__main__":
    main()
