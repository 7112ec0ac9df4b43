"""``handtrack eval``: score a results file against ground truth, or run a model on the fixed synthetic
validation set and score it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np
import typer
from rich.table import Table

from handtrack.cli.common import console, frame_progress
from handtrack.errors import HandtrackError
from handtrack.eval.metrics import DATASET_JOINTS, Evaluation, evaluate, load_uvd_file, write_uvd_file
from handtrack.eval.plots import per_joint_png, success_curve_png
from handtrack.pose import JOINT_NAMES

if TYPE_CHECKING:
    from handtrack.eval.breakdown import SceneLabels


def _run_validation(model: Path, count: int, out_dir: Path, palm: str = "symmetric", view: str = "front",
                    passes: int = 1, breakdown: bool = False,
                    ) -> tuple[np.ndarray, np.ndarray, SceneLabels | None]:
    """Run ``model`` on the first ``count`` validation samples; write results.txt and ground_truth.txt to
    ``out_dir``. Returns the predicted and true uvd, (count, 21, 3) each (scored as they are, not read back from the
    files, which another run into the same folder may overwrite), and with ``breakdown`` each sample's labels for
    :func:`_report_breakdown`."""
    from handtrack.engines import load_engine
    from handtrack.eval.breakdown import SceneLabels
    from handtrack.geometry import deproject_pixels_to_points, project_points_to_pixels
    from handtrack.preprocess import crop_to_image_uvd, crop_to_xyz_mm
    from handtrack.preprocess.refine import palm_centre_mm, second_pass_centre_mm
    from handtrack.synth.generator import validation_sampler

    engine = load_engine(model)
    sampler = validation_sampler()
    sampler.palm = palm  # "symmetric": the fixed set; "anatomical"(-wrist): its scenes with today's palm (and wrist)
    sampler.view = view  # "front": the fixed set; "head-mounted": scenes of a headset's view from the same seeds
    pred, gt = [], []
    labels = SceneLabels() if breakdown else None
    with frame_progress() as progress:
        task = progress.add_task("validation set", total=count, rate="")
        for start in range(0, count, 32):
            indices = range(start, min(start + 32, count))
            jobs = [sampler.job(i) for i in indices]
            samples = [sampler.render(job) for job in jobs]
            joints, _ = engine.infer(np.stack([s.crop for s in samples])[:, None])
            if passes == 2:  # HandTracker's refinement: each crop again, around the first pass's palm
                intr = sampler.profile.intrinsics
                firsts = [deproject_pixels_to_points(np.array([s.transform.centre_uvz[:2]]),
                                                     np.array([s.transform.centre_uvz[2]]), intr)[0] for s in samples]
                centres = [second_pass_centre_mm(palm_centre_mm(crop_to_xyz_mm(j, s.transform, intr)), first,
                                                 sampler.params.cube_half_mm)
                           for j, s, first in zip(joints, samples, firsts)]
                samples = [sampler.render(sampler.recentred_job(job, c, i))
                           for job, c, i in zip(jobs, centres, indices)]
                joints, _ = engine.infer(np.stack([s.crop for s in samples])[:, None])
            for s, j, job in zip(samples, joints, jobs):
                if labels is not None:
                    labels.add(job.scene, s, sampler.params.cube_half_mm, sampler.profile.intrinsics)
                pred.append(crop_to_image_uvd(j, s.transform))
                uv = project_points_to_pixels(s.joints_xyz_mm.astype(np.float64), sampler.profile.intrinsics)
                gt.append(np.column_stack([uv, s.joints_xyz_mm[:, 2]]))
            progress.update(task, advance=len(samples))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_uvd_file(out_dir / "results.txt", np.stack(pred))
    write_uvd_file(out_dir / "ground_truth.txt", np.stack(gt))
    return np.stack(pred), np.stack(gt), labels


def _report_breakdown(errors_mm: np.ndarray, labels: SceneLabels, out_dir: Path) -> None:
    """Tables of the mean joint error by each scene label and by joint visibility; breakdown.json in out_dir."""
    from handtrack.eval.breakdown import FACINGS, group_means, joint_group_means

    orders = {"facing the camera": FACINGS, "crop centre from": ("localiser", "truth")}
    report: dict[str, list[dict[str, object]]] = {}
    groups = {name: group_means(errors_mm, values, orders.get(name, ())) for name, values in labels.columns.items()}
    groups["joint's pixel shows"] = joint_group_means(errors_mm, np.stack(labels.visibility))
    for name, rows in groups.items():
        table = Table(title=f"mean joint error by {name}")
        for column in (name, "count", "mm"):
            table.add_column(column)
        for label, n, mean in rows:
            table.add_row(label, str(n), f"{mean:.3f}")
        console.print(table)
        report[name] = [{"label": label, "count": n, "mean_mm": round(mean, 3)} for label, n, mean in rows]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "breakdown.json").write_text(json.dumps(report, indent=1) + "\n")
    console.print(f"breakdown: {out_dir / 'breakdown.json'} (joint counts in the last table; frames elsewhere)")


def _report(result: Evaluation, dataset: str, out_dir: Path | None) -> None:
    console.print(f"mean 3D joint error: {result.mean_mm:.3f} mm over {len(result.errors_mm)} frames ({dataset})")
    names = list(JOINT_NAMES) if result.errors_mm.shape[1] == 21 and dataset == "synthetic" else [
        f"joint {j}" for j in range(result.errors_mm.shape[1])]
    table = Table(title="per-joint mean error (mm)")
    table.add_column("joint")
    table.add_column("mm")
    for name, value in zip(names, result.per_joint_mm):
        table.add_row(name, f"{value:.3f}")
    console.print(table)
    for t in (10, 20, 30, 40, 50, 80):
        console.print(f"frames with every joint within {t} mm: {100 * result.success[t]:.1f} %")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        success_curve_png(result, out_dir / "success_curve.png", dataset)
        per_joint_png(result, out_dir / "per_joint_error.png", names, dataset)
        console.print(f"plots: {out_dir / 'success_curve.png'}, {out_dir / 'per_joint_error.png'}")


def eval_command(
    dataset: str = typer.Option("synthetic", "--dataset", help=f"Layout: {', '.join(DATASET_JOINTS)}."),
    gt: Optional[Path] = typer.Option(None, "--gt", help="Ground-truth file (one line per frame, J x u v d)."),
    pred: Optional[Path] = typer.Option(None, "--pred", help="Results file in the same layout."),
    model: Optional[Path] = typer.Option(None, "--model", help="Run this model on the fixed synthetic validation "
                                         "set (writes results.txt and ground_truth.txt to --out)."),
    count: int = typer.Option(2000, "--count", min=1, help="Validation samples to use (the set has 2,000)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for plots (and files written by --model)."),
    palm: str = typer.Option("symmetric", "--palm", help="With --model: symmetric (the fixed validation set), "
                             "anatomical (the same scenes with the palm the generator now trains on) or "
                             "anatomical-wrist (those with the wrist bent as well) or anatomical-arm (those with "
                             "forearms as wide as real ones)."),
    view: str = typer.Option("front", "--view", help="With --model: front (the fixed validation set) or "
                             "head-mounted (a headset's views from the same seeds)."),
    passes: int = typer.Option(1, "--passes", min=1, max=2, help="With --model: 1 (the network on the "
                               "localiser's crop: the project's accuracy figures) or 2 (as HandTracker tracks: "
                               "the crop again around the first pass's predicted palm)."),
    breakdown: bool = typer.Option(False, "--breakdown", help="With --model: the error by pose, the side of the "
                                   "hand facing the camera, distance, and what each joint's pixel shows "
                                   "(writes breakdown.json)."),
) -> None:
    """Mean 3D error (3 decimals), per-joint error and the success curve (table and PNG plots)."""
    if dataset not in DATASET_JOINTS:
        raise HandtrackError(f"unknown dataset layout {dataset!r}; known: {', '.join(DATASET_JOINTS)}")
    labels = None
    joints = DATASET_JOINTS[dataset]
    if model is not None:
        if dataset != "synthetic":
            raise HandtrackError("--model runs the synthetic validation set; use --dataset synthetic")
        from handtrack.synth.scene import PALM_MODELS, VIEWS

        if palm not in PALM_MODELS:
            raise HandtrackError(f"--palm: one of {', '.join(PALM_MODELS)}, not {palm!r}")
        if view not in VIEWS:
            raise HandtrackError(f"--view: one of {', '.join(VIEWS)}, not {view!r}")
        out = out or Path("handtrack-eval")
        pred_uvd, gt_uvd, labels = _run_validation(model, count, out, palm, view, passes, breakdown)
    elif breakdown:
        raise HandtrackError("--breakdown needs --model (it labels the validation scenes while it runs them)")
    elif gt is None or pred is None:
        raise HandtrackError("give --gt and --pred (results files), or --model to run the validation set")
    else:
        pred_uvd, gt_uvd = load_uvd_file(pred, joints), load_uvd_file(gt, joints)
    result = evaluate(pred_uvd, gt_uvd, dataset)
    _report(result, dataset, out)
    if labels is not None and out is not None:
        _report_breakdown(result.errors_mm, labels, out)
