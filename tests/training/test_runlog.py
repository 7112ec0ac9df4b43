"""Thinning a run's log keeps what the curve, a resume and a reader need."""

import json

import numpy as np

from handtrack.eval.plots import _moving_average_over_steps, training_curve_png
from handtrack.training.runlog import thin_log, thin_records


def _log(steps: int) -> list[dict]:
    records = []
    for step in range(1, steps + 1):
        record = {"step": step, "samples": 32 * step, "elapsed_s": 0.5 * step, "uv": 0.01, "d": 0.02, "H": 0.03,
                  "D": 1.0, "total": float(step % 7)}
        if step % 50 == 0:
            record["val_mean_mm"] = 20.0 - step / 100
        records.append(record)
        if step == 120:
            records.append({"step": 120, "schedule": {"lr": 1e-4}})
    return records + [{"step": steps, "final_val_mean_mm": 17.5}]


def test_old_steps_are_averaged_in_blocks_and_everything_else_is_kept():
    records = _log(300)
    thinned = thin_records(records, every=10, keep_last_steps=100)
    assert [r for r in thinned if "total" not in r] == [r for r in records if "total" not in r]
    assert [r for r in thinned if "val_mean_mm" in r] == [r for r in records if "val_mean_mm" in r]
    assert [r for r in thinned if r["step"] > 200] == [r for r in records if r["step"] > 200]  # recent: whole
    blocks = [r for r in thinned if "steps_averaged" in r]
    assert blocks and all(r["step"] <= 200 for r in blocks) and len(thinned) < len(records) / 2
    # every step of the thinned part is counted once, and each block holds the mean of its steps
    assert sum(r["steps_averaged"] for r in blocks) + sum(
        1 for r in thinned if "total" in r and "steps_averaged" not in r and r["step"] <= 200) == 200
    first = blocks[0]
    assert first["step"] == 10 and first["samples"] == 320 and first["steps_averaged"] == 10
    assert np.isclose(first["total"], np.mean([s % 7 for s in range(1, 11)]), atol=1e-6)
    assert [r["step"] for r in thinned] == sorted(r["step"] for r in thinned)


def test_a_thinned_log_draws_the_same_curve_and_thins_again_to_the_same(tmp_path):
    records = _log(600)
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    before, after = thin_log(path, every=10, keep_last_steps=200)
    thinned = [json.loads(line) for line in path.read_text().splitlines()]
    assert before == len(records) and after == len(thinned) < before
    assert thin_records(thinned, every=10, keep_last_steps=200) == thinned  # already thin: unchanged

    def smooth(rs):
        steps = np.array([r["step"] for r in rs if "total" in r], float)
        values = np.array([r["total"] for r in rs if "total" in r], float)
        weight = np.array([r.get("steps_averaged", 1) for r in rs if "total" in r], float)
        return steps, _moving_average_over_steps(steps, values, weight, 200)

    steps, full = smooth(records)
    assert np.allclose(full, np.convolve([r["total"] for r in records if "total" in r], np.ones(200) / 200, "valid"))
    thin_steps, thin = smooth(thinned)
    # where a window starts and ends on block boundaries it holds whole blocks: the thinned curve is the full one
    at = {s: v for s, v in zip(steps[len(steps) - len(full):], full)}
    ends = [(s, v) for s, v in zip(thin_steps[len(thin_steps) - len(thin):], thin) if s % 10 == 0]
    assert len(ends) > 30 and all(np.isclose(v, at[s], atol=1e-5) for s, v in ends)
    training_curve_png(thinned, tmp_path / "curve.png", "test")
    assert (tmp_path / "curve.png").stat().st_size > 1000
