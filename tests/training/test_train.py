"""Training runs, checkpoints, and resumes exactly where it stopped."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (the train extra)")

from handtrack.models.checkpoint import load_checkpoint  # noqa: E402
from handtrack.training.loop import TrainConfig, learning_rate, train  # noqa: E402


def _config(steps: int) -> TrainConfig:
    return TrainConfig(model="pwr-one-stage", batch_size=2, lr=1e-3, workers=0, threads=1, max_steps=steps,
                       validate_every=2, validation_samples=2, time_budget_min=30.0)


def test_resume_continues_bit_for_bit(tmp_path):
    train(_config(4), tmp_path / "straight")
    train(_config(2), tmp_path / "split")
    with (tmp_path / "split" / "log.jsonl").open("a") as log_file:  # steps logged after the last checkpoint,
        log_file.write(json.dumps({"step": 3, "total": -1.0}) + "\n")  # as when a run is killed
    train(_config(4), tmp_path / "split", resume=True)
    a, _, state_a = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    b, _, state_b = load_checkpoint(tmp_path / "split" / "checkpoint.pt")
    assert state_a["step"] == state_b["step"] == 4 and state_a["samples_seen"] == state_b["samples_seen"] == 8
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), name
    steps = [json.loads(line) for line in (tmp_path / "split" / "log.jsonl").read_text().splitlines()]
    losses_split = [r["total"] for r in steps if "total" in r]
    straight = [json.loads(line) for line in (tmp_path / "straight" / "log.jsonl").read_text().splitlines()]
    losses_straight = [r["total"] for r in straight if "total" in r]
    assert losses_split == losses_straight
    assert any("val_mean_mm" in r for r in steps)
    import cv2

    curve = cv2.imread(str(tmp_path / "split" / "curve.png"))  # drawn at every checkpoint and at the end
    assert curve is not None and curve.shape[1] > curve.shape[0] and curve.std() > 10


def test_training_display_reports_step_loss_validation_and_speed(capsys):
    from handtrack.cli.training_display import TrainingDisplay

    display = TrainingDisplay(budget_s=60.0, print_every_s=0.0)
    display({"step": 1, "samples": 32, "total": 0.5})
    display({"step": 2, "samples": 64, "total": 0.3, "val_mean_mm": 24.25})
    out = capsys.readouterr().out  # no terminal under pytest: a plain line per call
    assert "step 2" in out and "validation 24.2 mm" in out and "samples/s" in out and "min left" in out


def test_learning_rate_schedule_is_a_function_of_the_step():
    config = TrainConfig(lr=1e-3, lr_decay_every=100)
    assert learning_rate(config, 0) == 1e-3 and learning_rate(config, 99) == 1e-3
    assert learning_rate(config, 100) == 5e-4 and learning_rate(config, 250) == 2.5e-4


def test_a_resumed_run_can_lower_its_learning_rate_and_logs_it(tmp_path):
    train(_config(2), tmp_path / "run")
    train(_config(3), tmp_path / "run", resume=True, schedule={"lr": 2e-4, "lr_decay_every": 1000, "model": "pwr"})
    _, _, state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert state["config"]["lr"] == 2e-4 and state["config"]["lr_decay_every"] == 1000
    assert state["config"]["model"] == "pwr-one-stage"  # only the schedule may change
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    schedule = {"lr": 2e-4, "lr_decay_every": 1000, "palm": "anatomical", "batch_size": 2, "view": "front",
                "coord_weight": None, "palm_centred_share": 0.0, "camera": "sr305"}
    assert {"step": 2, "schedule": schedule} in records


def test_a_resumed_run_can_change_its_batch_size_and_continues_the_same_sample_stream(tmp_path):
    train(_config(2), tmp_path / "run")  # batch 2: samples 0-3
    train(_config(4), tmp_path / "run", resume=True, schedule={"batch_size": 3})  # two steps of 3: samples 4-9
    _, _, state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert state["config"]["batch_size"] == 3 and state["step"] == 4 and state["samples_seen"] == 10
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["samples"] for r in records if "total" in r] == [2, 4, 7, 10]
    schedule = {"lr": 1e-3, "lr_decay_every": 20000, "palm": "anatomical", "batch_size": 3, "view": "front",
                "coord_weight": None, "palm_centred_share": 0.0, "camera": "sr305"}
    assert {"step": 2, "schedule": schedule} in records


def test_a_resumed_run_can_weight_the_coordinate_loss_and_saves_the_loss_it_trained_with(tmp_path):
    train(_config(2), tmp_path / "run")
    train(_config(4), tmp_path / "run", resume=True, schedule={"coord_weight": 10.0})
    _, metadata, state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert state["config"]["coord_weight"] == 10.0
    assert metadata.training["loss"]["coord_weight"] == 10.0 and metadata.training["loss"]["heatmap_weight"] == 1.0
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    steps = [r for r in records if "total" in r]
    assert [r["step"] for r in steps] == [1, 2, 3, 4]
    for r in steps:  # pwr-one-stage: the total is its one stage's weighted sum (terms rounded to 6 decimals)
        weight = 1.0 if r["step"] <= 2 else 10.0
        expected = weight * (r["uv"] + r["d"]) + r["H"] + 0.01 * r["D"]
        assert abs(r["total"] - expected) < 1e-4 * (1 + weight), r
    assert {"step": 2, "schedule": {"lr": 1e-3, "lr_decay_every": 20000, "palm": "anatomical", "batch_size": 2,
                                    "view": "front", "coord_weight": 10.0, "palm_centred_share": 0.0,
                                    "camera": "sr305"}} in records


def test_bf16_precision_trains_with_fp32_losses_and_weights(tmp_path):
    from handtrack.models import build_network, registry_entry
    from handtrack.training.loop import forward

    torch.manual_seed(0)
    network = build_network(registry_entry("pwr-one-stage").model)
    crops = torch.rand(2, 1, 128, 128) * 0.8 - 0.4
    exact, half = forward(network, crops, "fp32")[-1], forward(network, crops, "bf16")[-1]
    assert half.uvd.dtype == half.heatmaps.dtype == half.offsets.dtype == torch.float32
    assert 0 < (half.uvd - exact.uvd).abs().max() < 0.05  # computed in bfloat16 (not the fp32 result), and close
    with pytest.raises(ValueError, match="precision"):
        forward(network, crops, "fp8")
    config = TrainConfig(**{**_config(2).__dict__, "precision": "bf16"})
    result = train(config, tmp_path / "run")
    network, _, state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert result["step"] == 2 and all(np.isfinite(r["total"]) for r in records if "total" in r)
    assert state["config"]["precision"] == "bf16"
    assert all(p.dtype == torch.float32 for p in network.parameters())


def test_a_compiled_training_step_gives_the_eager_losses_and_gradients(tmp_path):
    from handtrack.models import build_network, registry_entry
    from handtrack.training.loop import training_step_losses

    entry = registry_entry("pwr-one-stage")
    torch.manual_seed(0)
    network = build_network(entry.model)
    crops = torch.rand(2, 1, 128, 128) * 0.8 - 0.4
    joints = torch.rand(2, 21, 3) * 0.6 - 0.3

    def losses_and_grads(mode):
        network.zero_grad()
        terms = training_step_losses(network, entry.loss, "fp32", mode)(crops, joints)
        terms["total"].backward()
        return ({k: float(v.detach()) for k, v in terms.items()},
                torch.cat([p.grad.flatten() for p in network.parameters() if p.grad is not None]))

    eager_terms, eager_grads = losses_and_grads("off")
    torch._dynamo.reset()
    traced_terms, traced_grads = losses_and_grads("aot_eager")  # traced and run through AOT autograd, unfused
    assert eager_terms.keys() == traced_terms.keys() and eager_terms["total"] > 0
    assert all(abs(eager_terms[k] - traced_terms[k]) <= 1e-5 * max(1.0, abs(eager_terms[k])) for k in eager_terms)
    assert eager_grads.abs().max() > 0 and torch.allclose(eager_grads, traced_grads, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="compile"):
        training_step_losses(network, entry.loss, "fp32", "max")
    config = TrainConfig(**{**_config(2).__dict__, "compile": "aot_eager"})
    assert train(config, tmp_path / "run")["step"] == 2
    assert load_checkpoint(tmp_path / "run" / "checkpoint.pt")[2]["config"]["compile"] == "aot_eager"


def test_a_run_saved_before_the_palm_setting_resumes_on_its_symmetric_palm_and_can_switch(tmp_path):
    train(_config(1), tmp_path / "run")
    path = tmp_path / "run" / "checkpoint.pt"
    payload = torch.load(path, weights_only=False)
    del payload["state"]["config"]["palm"]  # as saved by earlier versions, whose generator had only one palm
    del payload["state"]["config"]["view"]  # and only front views
    del payload["state"]["config"]["palm_centred_share"]  # and every crop around the localiser's centre
    torch.save(payload, path)
    train(_config(2), tmp_path / "run", resume=True)
    saved = load_checkpoint(tmp_path / "run" / "checkpoint.pt")[2]["config"]
    assert saved["palm"] == "symmetric" and saved["view"] == "front"
    train(_config(3), tmp_path / "run", resume=True, schedule={"palm": "anatomical", "view": "mixed",
                                                              "palm_centred_share": 0.5})
    saved = load_checkpoint(tmp_path / "run" / "checkpoint.pt")[2]["config"]
    assert saved["palm"] == "anatomical" and saved["view"] == "mixed" and saved["palm_centred_share"] == 0.5
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    schedule = {"lr": 1e-3, "lr_decay_every": 20000, "palm": "anatomical", "batch_size": 2, "view": "mixed",
                "coord_weight": None, "palm_centred_share": 0.5, "camera": "sr305"}
    assert {"step": 2, "schedule": schedule} in records


def test_training_imports_without_the_camera_and_cli_packages():
    """The lent GPU machines have torch, onnx, onnxruntime and opencv only: scripts/device_train.py must import
    there (pyrealsense2, typer and rich blocked here)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys\nfor m in ('pyrealsense2', 'typer', 'rich', 'websockets', 'scipy'): sys.modules[m] = None\n"
            "import runpy; runpy.run_path('scripts/device_train.py')\n"
            "import handtrack.training.loop, handtrack.models.export, handtrack.synth.generator\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_replay_buffer_keeps_the_last_samples_and_draws_reproducibly():
    from handtrack.training.data import ReplayBuffer

    buffer = ReplayBuffer(capacity=5, seed=3)
    for first in (0, 3, 6):  # samples 0..8; the buffer keeps the last five (4..8)
        ids = torch.arange(first, first + 3, dtype=torch.float32)
        buffer.add(ids.view(3, 1, 1, 1).expand(3, 1, 2, 2).clone(), ids.view(3, 1, 1).expand(3, 21, 3).clone())
    assert len(buffer) == 5
    crops, joints = buffer.draw(64, step=10)
    kept = set(crops[:, 0, 0, 0].tolist())
    assert kept <= {4.0, 5.0, 6.0, 7.0, 8.0} and len(kept) >= 4
    assert torch.equal(crops[:, 0, 0, 0], joints[:, 0, 0])  # crop and joints of the same sample stay together
    assert torch.equal(buffer.draw(64, step=10)[0], crops) and not torch.equal(buffer.draw(64, step=11)[0], crops)


def test_reuse_takes_extra_steps_on_replayed_samples_reproducibly(tmp_path):
    from dataclasses import replace

    config = replace(_config(6), reuse=3)
    for name in ("a", "b"):
        train(config, tmp_path / name)
    a, _, state_a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")
    b, _, state_b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    assert state_a["step"] == 6 and state_a["samples_seen"] == 4  # two fresh batches of two, three steps each
    for x, y in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(x, y)
    steps = [json.loads(line) for line in (tmp_path / "a" / "log.jsonl").read_text().splitlines()]
    assert [r["samples"] for r in steps if "total" in r] == [2, 2, 2, 4, 4, 4]


def test_training_on_crops_rendered_in_batches_by_the_training_device(tmp_path):
    from dataclasses import replace

    from handtrack.training.data import SyntheticJobs

    jobs = SyntheticJobs(seed=1, crops_per_scene=2)
    first, second, third = jobs[0], jobs[1], jobs[2]
    assert torch.equal(first["a"], second["a"]) and not torch.equal(first["crop_to_image"], second["crop_to_image"])
    assert not torch.equal(first["a"], third["a"])  # item 2 is the next scene
    assert torch.equal(SyntheticJobs(seed=1, crops_per_scene=2)[1]["joints"], second["joints"])  # deterministic
    config = replace(_config(3), render_on_device=True, crops_per_scene=2, render_group=2)
    result = train(config, tmp_path / "run")  # batches of 2, rendered 4 at a time
    _, _, state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert state["step"] == 3 and state["samples_seen"] == 6 and np.isfinite(result["val_mean_mm"])
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["samples"] for r in records if "total" in r] == [2, 4, 6]


def test_a_schedule_change_that_died_before_a_checkpoint_leaves_no_record(tmp_path):
    train(_config(2), tmp_path / "run")
    with (tmp_path / "run" / "log.jsonl").open("a") as log_file:  # a resume with a new rate, killed at once
        log_file.write(json.dumps({"step": 2, "schedule": {"lr": 5e-4, "lr_decay_every": 20000,
                                                           "palm": "anatomical"}}) + "\n")
        log_file.write(json.dumps({"step": 3, "total": 1.0}) + "\n")
    train(_config(3), tmp_path / "run", resume=True, schedule={"lr": 5e-4})
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert sum(1 for r in records if "schedule" in r) == 1  # the second resume's own record only
    assert [r["step"] for r in records if "total" in r] == [1, 2, 3]


def test_a_mixed_camera_run_renders_each_scene_with_its_own_camera_in_both_data_paths(tmp_path):
    from dataclasses import replace

    from handtrack.synth.batched import BatchedCropRenderer
    from handtrack.synth.generator import CropSampler
    from handtrack.training.data import MIXED_CAMERAS, SyntheticCrops, SyntheticJobs, run_cameras, scene_camera
    from handtrack.training.loop import render_jobs

    with pytest.raises(ValueError, match="camera"):
        run_cameras("kinect")
    assert run_cameras("d435") == ("d435",) and run_cameras("mixed") == MIXED_CAMERAS
    picks = [scene_camera(1, i, "mixed") for i in range(200)]
    assert 0.15 < np.mean(picks) < 0.45 and picks == [scene_camera(1, i, "mixed") for i in range(200)]
    d435, sr305 = picks.index(1), picks.index(0)
    # the CPU path: a mixed item is exactly that camera's own sample
    mixed = SyntheticCrops(1, camera="mixed")
    for index, profile in ((d435, "d435"), (sr305, "sr305")):
        own = CropSampler(1, profile=profile).sample(index)
        crop, joints = mixed[index]
        assert torch.equal(crop[0], torch.from_numpy(own.crop)) and np.allclose(joints.numpy(), own.joints_crop)
    # the GPU path: jobs carry their camera and each is rendered by that camera's renderer, in batch order
    jobs = SyntheticJobs(1, camera="mixed")
    batch = torch.utils.data.default_collate([jobs[sr305], jobs[d435]])
    assert batch["camera"].tolist() == [0, 1]
    renderers = [BatchedCropRenderer.for_sampler(CropSampler(1, profile=name), torch.device("cpu"))
                 for name in MIXED_CAMERAS]
    crops = render_jobs(renderers, batch)
    alone = [render_jobs([renderers[c]], {k: v[i:i + 1] for k, v in batch.items()}) for i, c in enumerate([0, 1])]
    assert crops.shape == (2, 1, 128, 128) and torch.equal(crops[0], alone[0][0]) and torch.equal(crops[1], alone[1][0])
    d435_job = {k: v[1:] for k, v in batch.items()}
    depth = [r.depth_mm(d435_job) for r in renderers]  # without noise: another camera's rays see other depths
    assert (depth[0] - depth[1]).abs().nan_to_num(posinf=0.0).max() > 5.0
    # and a run trains on it, resumably, recording the camera in its schedule
    config = replace(_config(2), camera="mixed", render_on_device=True, render_group=1)
    assert train(config, tmp_path / "run")["step"] == 2
    assert load_checkpoint(tmp_path / "run" / "checkpoint.pt")[2]["config"]["camera"] == "mixed"
