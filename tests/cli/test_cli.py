"""The CLI as users run it: a subprocess, its output and its exit code."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from tests.conftest import REPO, pattern_frame


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "handtrack", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def assert_user_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and message in lines[0], lines[0]


def test_info_reports_the_real_d435_recording(d435_bag):
    proc = run_cli("info", d435_bag)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Intel RealSense D435" in out
    assert "z16 640x480" in out and "fx 390.43" in out
    assert "1 mm per unit" in out
    assert "depth frames" in out


def test_record_from_png_folder_then_info_and_replay(sr305_dir, tmp_path, untrained_onnx):
    out = tmp_path / "sr305.db3"
    proc = run_cli("record", out, "--from", sr305_dir, "--camera-profile", "sr305")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 19 frames" in proc.stdout
    info = run_cli("info", out)
    assert "0.125 mm per unit" in info.stdout and "fx 476.01" in info.stdout
    assert [line for line in info.stdout.splitlines() if "depth frames" in line][0].split()[-2] == "19"
    poses = tmp_path / "poses.jsonl"
    replay = run_cli("replay", out, "--model", untrained_onnx, "--out", poses)
    assert replay.returncode == 0, replay.stderr
    assert len(poses.read_text().splitlines()) == 1 + 19  # header + every frame


def test_ctrl_c_keeps_every_frame_recorded_so_far(tmp_path):
    profile = tmp_path / "small.json"
    frame = pattern_frame(0)
    profile.write_text(json.dumps({
        "name": "small", "description": "test camera", "source": "made by the test",
        "intrinsics": frame.intrinsics.to_dict(), "depth_unit_mm": 0.125,
    }))
    # 60 s at 10 fps: long enough that the interrupt lands mid-recording even on a loaded machine (it came after
    # the end of a 10 s source once, with training running beside the tests).
    stack = np.stack([pattern_frame(i).depth for i in range(600)])
    np.savez(tmp_path / "s.npz", depth=stack, timestamps_ms=np.arange(600) * 100.0)
    out = tmp_path / "interrupted.db3"
    # SIGINT at its default in the child: a test run started in the background by a non-interactive shell
    # inherits it ignored, and the interrupt would never arrive (seen on a nohup'd CI run).
    proc = subprocess.Popen([sys.executable, "-m", "handtrack", "record", str(out), "--from", str(tmp_path / "s.npz"),
                             "--camera-profile", str(profile), "--realtime"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    written = int(stdout.split("wrote ")[1].split()[0])
    assert "(Ctrl-C)" in stdout and 0 < written < 600
    from handtrack.sources import open_source

    with open_source(out) as source:
        frames = list(source)
    assert [f.index for f in frames] == list(range(written))
    np.testing.assert_array_equal(frames[-1].depth, pattern_frame(written - 1).depth)


# -- bad input: one line on stderr, exit code 2, no traceback ----------------------------------------------------


def test_missing_file():
    assert_user_error(run_cli("info", "no/such/file.bag"), "recording not found: no/such/file.bag")


def test_unsupported_extension(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"\x00" * 100)
    assert_user_error(run_cli("info", tmp_path / "clip.mp4"), "unsupported recording type '.mp4'")
    assert_user_error(run_cli("replay", tmp_path / "clip.mp4", "--camera-profile", "sr305"),
                      "unsupported source type '.mp4'")


def test_truncated_bag(d435_bag, tmp_path):
    cut = tmp_path / "cut.bag"
    cut.write_bytes(d435_bag.read_bytes()[:400_000])
    assert_user_error(run_cli("info", cut), "cut.bag: corrupt or truncated recording")


def test_truncated_db3(pattern_recording, tmp_path):
    cut = tmp_path / "cut.db3"
    cut.write_bytes(pattern_recording.read_bytes()[: pattern_recording.stat().st_size // 2])
    assert_user_error(run_cli("replay", cut), "cut.db3: corrupt or truncated .db3 recording")


def test_recording_without_depth(pattern_recording, tmp_path):
    import shutil
    import sqlite3

    path = tmp_path / "nodepth.db3"
    shutil.copy(pattern_recording, path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE topics SET name = replace(name, 'Depth_0', 'Color_0')")
    assert_user_error(run_cli("info", path), "the recording holds no depth stream")


def test_eight_bit_png(tmp_path):
    cv2.imwrite(str(tmp_path / "frame.png"), np.zeros((480, 640), np.uint8))
    proc = run_cli("record", tmp_path / "o.db3", "--from", tmp_path, "--camera-profile", "sr305")
    assert_user_error(proc, "frame.png: 8-bit uint8 image; a depth image must be 16-bit")


def test_wrongly_sized_png(tmp_path):
    cv2.imwrite(str(tmp_path / "frame.png"), np.zeros((240, 320), np.uint16))
    proc = run_cli("replay", tmp_path, "--camera-profile", "sr305")
    assert_user_error(proc, "image is 320x240 but the camera profile is 640x480")


def test_unknown_camera_profile(tmp_path):
    proc = run_cli("replay", tmp_path, "--camera-profile", "kinect2")
    assert_user_error(proc, "unknown camera profile 'kinect2'")


def test_no_camera_connected(tmp_path):
    import pyrealsense2 as rs

    if len(rs.context().query_devices()) > 0:
        pytest.skip("a RealSense camera is connected, so 'no camera' cannot be shown")
    assert_user_error(run_cli("record", tmp_path / "live.db3"), "no RealSense camera connected")


def test_debug_shows_the_traceback():
    proc = run_cli("--debug", "info", "no/such/file.bag")
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "RecordingError" in proc.stderr


def test_usage_errors_exit_2():
    proc = run_cli("record", "o.db3", "--resolution", "big")
    assert proc.returncode == 2 and "WIDTHxHEIGHT" in proc.stderr


def test_doctor_lists_versions_and_cameras():
    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stderr
    assert "pyrealsense2" in proc.stdout and "onnxruntime providers" in proc.stdout
    assert "RealSense cameras" in proc.stdout
    text = re.sub(r"[│┃\s]+", " ", proc.stdout)  # the table's cells as one line, however the terminal wraps them
    assert "--hand auto (handedness-pwr" in text  # the bundled model and the classifier fitted to it
    assert "--head-mounted: model, --hand pwr-lite-hm" in text and "auto (handedness-pwr-lite-hm.onnx" in text


def test_version_prints_the_package_version():
    import handtrack

    proc = run_cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"handtrack {handtrack.__version__}"


# -- tracking commands -----------------------------------------------------------------------------------------


def test_replay_writes_jsonl_that_validates_against_the_schema(untrained_onnx, sr305_dir, d435_bag, tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="schema validation needs jsonschema (test extra)")
    schema = json.loads((REPO / "docs" / "poses.schema.json").read_text())
    for source, extra, expect_hands in ((sr305_dir, ["--camera-profile", "sr305"], True), (d435_bag, [], False)):
        out = tmp_path / "poses.jsonl"
        proc = run_cli("replay", source, *extra, "--out", out)  # the bundled model
        assert proc.returncode == 0, proc.stderr
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        for record in lines:
            jsonschema.validate(record, schema)
        header, frames = lines[0], lines[1:]
        assert header["type"] == "header" and header["model"]["name"] == "pwr-lite"
        assert header["tracker"] == {"hand": "auto", "max_hands": 1, "refine": True, "follow": True, "presence": True,
                                     "head_mounted": False, "rotations_deg": [], "smoothing": False}
        assert len(header["joint_names"]) == 21
        assert [f["index"] for f in frames] == list(range(len(frames)))
        assert all(bool(f["hands"]) == expect_hands for f in frames)
        if not expect_hands:
            assert all("wall or a body" in f["reason"] for f in frames)
            # the summary says why, by kind: "surface too wide for a hand: 2 frames"
            assert "no hand, why" in proc.stdout and "surface too" in proc.stdout and "2 frames" in proc.stdout
    assert len(frames) == 2  # the D435 recording's two depth frames
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--hand", "left", "--no-presence", "--out", out)
    assert proc.returncode == 0, proc.stderr
    hands = [h for line in out.read_text().splitlines()[1:] for h in json.loads(line)["hands"]]
    assert hands and all(h["handedness"] == "left" and h["handedness_score"] == 1.0 for h in hands)
    assert_user_error(run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--model", untrained_onnx,
                              "--hand", "both"), "choose one of right, left, auto")
    # auto with an untrained model named pwr-lite: the bundled classifier is not for these weights, said in one line
    assert_user_error(run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--model", untrained_onnx,
                              "--hand", "auto"), "reads its probe crop differently")


def test_replay_decides_the_side_with_the_bundled_classifier_and_runs_head_mounted(sr305_dir, tmp_path):
    out = tmp_path / "auto.jsonl"
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--hand", "auto", "--out", out)
    assert proc.returncode == 0, proc.stderr
    hands = [h for line in out.read_text().splitlines()[1:] for h in json.loads(line)["hands"]]
    assert len(hands) >= 15
    assert all(h["handedness"] in ("left", "right") and 0.5 <= h["handedness_score"] <= 1.0 for h in hands)
    # head-mounted: the model trained on a headset's views, with its own classifier: auto by default there too
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--head-mounted", "--out", out)
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().splitlines()
    assert json.loads(lines[0])["model"]["name"] == "pwr-lite-hm"
    hands = [h for line in lines[1:] for h in json.loads(line)["hands"]]
    assert len(hands) >= 10  # front views through the head-mounted search: it still finds a hand in most
    assert all(h["handedness"] in ("left", "right") and 0.5 <= h["handedness_score"] <= 1.0 for h in hands)
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--head-mounted", "--hand", "right", "--out", out)
    hands = [h for line in out.read_text().splitlines()[1:] for h in json.loads(line)["hands"]]
    assert proc.returncode == 0 and all(h["handedness"] == "right" and h["handedness_score"] == 1.0 for h in hands)


def test_the_poses_header_records_how_the_tracker_read_the_frames(sr305_dir, tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="schema validation needs jsonschema (test extra)")
    schema = json.loads((REPO / "docs" / "poses.schema.json").read_text())
    out = tmp_path / "poses.jsonl"
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--hand", "left", "--no-follow", "--no-presence",
                   "--rotations", "30", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "turned 30 degrees both ways" in re.sub(r"[│┃\s]+", " ", proc.stdout)
    header = json.loads(out.read_text().splitlines()[0])
    jsonschema.validate(header, schema)
    assert header["tracker"] == {"hand": "left", "max_hands": 1, "refine": True, "follow": False, "presence": False,
                                 "head_mounted": False, "rotations_deg": [-30.0, 30.0], "smoothing": False}


def test_schema_rejects_a_broken_record():
    jsonschema = pytest.importorskip("jsonschema", reason="schema validation needs jsonschema (test extra)")
    schema = json.loads((REPO / "docs" / "poses.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "frame", "index": 0, "timestamp_ms": 0.0, "hands": []}, schema)  # no reason


def test_bench_json_reports_stages(sr305_dir):
    proc = run_cli("bench", "--source", sr305_dir, "--camera-profile", "sr305", "--hand", "right",
                   "--frames", "5", "--repeats", "10", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["engine"]["median_ms"] > 0 and result["pipeline"]["fps"] > 0
    assert {"localise", "crop", "engine", "uncrop"} <= set(result["pipeline"])
    assert result["machine"]["cores"] >= 1 and result["peak_rss_mb"] > 0
    # the bundled model's hand is found in these frames; afresh it costs two crops a frame, followed fewer
    assert result["follow"] and 1.0 <= result["pipeline"]["crops_per_frame"] <= 2.0
    afresh = json.loads(run_cli("bench", "--source", sr305_dir, "--camera-profile", "sr305", "--hand", "right",
                                "--frames", "5", "--repeats", "10", "--json", "--no-follow").stdout)
    assert afresh["pipeline"]["crops_per_frame"] == 2.0 and not afresh["follow"]
    turned = json.loads(run_cli("bench", "--source", sr305_dir, "--camera-profile", "sr305", "--hand", "right",
                                "--frames", "5", "--repeats", "10", "--json", "--no-follow",
                                "--rotations", "30").stdout)
    assert turned["pipeline"]["crops_per_frame"] == 4.0 and turned["rotations_deg"] == 30.0  # two passes, two turned


def test_a_turn_past_a_quarter_is_a_usage_error(sr305_dir):
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--rotations", "120")
    assert proc.returncode == 2 and "--rotations" in proc.stderr and "Traceback" not in proc.stderr


def test_model_errors_are_one_line(tmp_path, sr305_dir):
    (tmp_path / "junk.onnx").write_bytes(b"junk")
    assert_user_error(run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--model", tmp_path / "junk.onnx"),
                      "onnxruntime cannot load it")
    assert_user_error(run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--model", tmp_path / "none.onnx"),
                      "model file not found")
    assert_user_error(run_cli("export", tmp_path / "missing.pt"), "checkpoint not found")


def test_replay_and_bench_with_two_hands_say_how_often_both_were_found(tmp_path):
    from tests.preprocess.scenes import two_hands_scene

    frame, _ = two_hands_scene()
    np.save(tmp_path / "two.npy", np.stack([frame.depth * 8] * 3).astype(np.uint16))  # the SR305's 0.125 mm units
    # the bundled model: a second hand is taken when the pose network confirms it (an untrained one never does)
    proc = run_cli("replay", tmp_path / "two.npy", "--camera-profile", "sr305", "--hand", "right", "--hands", "2")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"two hands found\s*│\s*100\.0 % of frames", proc.stdout), proc.stdout
    bench = run_cli("bench", "--source", tmp_path / "two.npy", "--camera-profile", "sr305", "--hand", "right",
                    "--hands", "2", "--frames", "3", "--repeats", "5", "--json")
    assert bench.returncode == 0, bench.stderr
    assert json.loads(bench.stdout)["pipeline"]["two_hands_fraction"] == 1.0
    one = run_cli("replay", tmp_path / "two.npy", "--camera-profile", "sr305", "--hand", "right")
    assert one.returncode == 0 and "two hands found" not in one.stdout


def test_replay_writes_an_annotated_video(untrained_onnx, sr305_dir, tmp_path):
    video = tmp_path / "replay.mp4"
    proc = run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--model", untrained_onnx, "--video", video)
    assert proc.returncode == 0, proc.stderr
    capture = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    assert len(frames) == 19 and frames[0].shape == (480, 640, 3)
    assert frames[0].std() > 10  # coloured depth and drawing, not a blank picture
    assert_user_error(run_cli("replay", sr305_dir, "--camera-profile", "sr305", "--model", untrained_onnx,
                              "--video", tmp_path / "x.gif"), "videos are written as .mp4 or .avi")


def test_demo_headless_writes_video_poses_and_screenshot(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("demo", "--out", out, "--no-window")  # the README's quick start: the bundled model
    assert proc.returncode == 0, proc.stderr
    assert "no display: wrote" in proc.stdout
    lines = (out / "poses.jsonl").read_text().splitlines()
    assert len(lines) == 1 + 140
    assert sum(bool(json.loads(line)["hands"]) for line in lines[1:]) >= 130  # the hand is found in the frames
    assert (out / "demo.mp4").stat().st_size > 100_000
    shot = cv2.imread(str(out / "screenshot.png"))
    assert shot.shape == (480, 640, 3) and shot.std() > 5


def test_live_from_a_recording_drops_old_frames_and_reports(untrained_onnx):
    demo = REPO / "handtrack" / "_data" / "demo-sr305.db3"
    proc = run_cli("live", "--camera", demo, "--viewer", "none", "--model", untrained_onnx, "--max-frames", "40")
    assert proc.returncode == 0, proc.stderr
    assert "40 frames tracked" in proc.stdout and "dropped by the capture thread" in proc.stdout


def test_live_records_every_frame_the_camera_delivers_also_those_the_tracker_skips(tmp_path):
    from handtrack.sources import open_source

    demo = REPO / "handtrack" / "_data" / "demo-sr305.db3"
    out = tmp_path / "live.db3"
    # the paper-size model read both ways in two passes a frame: far slower than the recording's 30 frames/s
    proc = run_cli("live", "--camera", demo, "--viewer", "none", "--model", REPO / "models" / "pwr.onnx", "--hand",
                   "auto", "--no-follow", "--record", out)
    assert proc.returncode == 0, proc.stderr
    tracked, dropped = map(int, re.search(r"(\d+) frames tracked, (\d+) dropped", proc.stdout).groups())
    recorded = int(re.search(r"wrote (\d+) frames to", proc.stdout).group(1))
    # the tracker skipped frames (how many depends on the machine: on session 22's Xeon it took exactly half)
    assert dropped > 0 and tracked > 0
    assert recorded == tracked + dropped  # every frame the capture thread received, not only those tracked
    with open_source(out) as played:
        assert sum(1 for _ in played) == recorded


def test_live_writes_the_poses_of_every_tracked_frame(tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="schema validation needs jsonschema (test extra)")
    schema = json.loads((REPO / "docs" / "poses.schema.json").read_text())
    demo = REPO / "handtrack" / "_data" / "demo-sr305.db3"
    out = tmp_path / "live.jsonl"
    proc = run_cli("live", "--camera", demo, "--viewer", "none", "--max-frames", "25", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote the poses of 25 frames to {out}" in " ".join(proc.stdout.split())
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["type"] == "header" and len(records) == 1 + 25
    for record in records:
        jsonschema.validate(record, schema)
    indices = [r["index"] for r in records[1:]]
    assert indices == sorted(set(indices))  # the camera's frame indices, in order; skipped frames are gaps
    assert sum(bool(r["hands"]) for r in records[1:]) >= 20  # the bundled model finds the demo hand


def test_live_without_a_display_prints_status_lines_instead_of_a_window(untrained_onnx):
    demo = REPO / "handtrack" / "_data" / "demo-sr305.db3"
    no_display = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "handtrack", "live", "--camera", str(demo), "--model",
                           str(untrained_onnx), "--max-frames", "10"], capture_output=True, text=True, cwd=REPO,
                          timeout=120, env=no_display)
    assert proc.returncode == 0, proc.stderr
    assert "no display: status lines" in proc.stdout and "10 frames tracked" in proc.stdout


def test_live_errors_are_one_line(untrained_onnx):
    import pyrealsense2 as rs

    if len(rs.context().query_devices()) == 0:
        assert_user_error(run_cli("live", "--viewer", "none", "--model", untrained_onnx),
                          "no RealSense camera connected")
    no_display = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    for viewer, message in (("2d", "no display for the 2D viewer"), ("3d", "no display for the 3D viewer")):
        proc = subprocess.run([sys.executable, "-m", "handtrack", "live", "--viewer", viewer, "--model",
                               str(untrained_onnx)], capture_output=True, text=True, cwd=REPO, timeout=120,
                              env=no_display)
        assert_user_error(proc, message)
    assert_user_error(run_cli("live", "--viewer", "4d", "--model", untrained_onnx), "choose one of 2d, 3d, none")
    # a source that does not open: its error alone, no word about the viewer it would have had
    proc = subprocess.run([sys.executable, "-m", "handtrack", "live", "--camera", "no-such-source", "--model",
                           str(untrained_onnx)], capture_output=True, text=True, cwd=REPO, timeout=120, env=no_display)
    assert_user_error(proc, "not found: no-such-source (a source is 'realsense'")
    assert proc.stdout == ""


def test_outputs_that_cannot_be_written_are_one_line_errors(untrained_onnx, tmp_path):
    """An output under a file (not a folder), or a folder where a file is wanted: one line naming it, exit 2."""
    demo = REPO / "handtrack" / "_data" / "demo-sr305.db3"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_user_error(run_cli("replay", demo, "--model", untrained_onnx, "--hand", "right", "--out",
                              blocker / "poses.jsonl"),
                      f"{blocker / 'poses.jsonl'}: Not a directory")
    assert_user_error(run_cli("replay", demo, "--model", untrained_onnx, "--hand", "right", "--out", tmp_path),
                      "Is a directory")
    assert_user_error(run_cli("demo", "--out", blocker / "demo", "--no-window"), "Not a directory")
    assert_user_error(run_cli("eval", "--model", untrained_onnx, "--count", "2", "--out", blocker / "eval"),
                      "Not a directory")


def test_replay_shows_the_3d_viewer_on_a_virtual_display(sr305_dir, untrained_onnx):
    pytest.importorskip("open3d", reason="the 3D viewer needs Open3D (the viewer3d extra)")
    if shutil.which("Xvfb") is None:
        if os.environ.get("HANDTRACK_REQUIRE_SHARED_DATA") == "1":
            pytest.fail("Xvfb is missing (CI installs xvfb)")
        pytest.skip("Xvfb not installed")
    server = subprocess.Popen(["Xvfb", ":96", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        proc = subprocess.run([sys.executable, "-m", "handtrack", "replay", str(sr305_dir), "--camera-profile",
                               "sr305", "--model", str(untrained_onnx), "--viewer", "3d"], capture_output=True,
                              text=True, cwd=REPO, timeout=180, env={**os.environ, "DISPLAY": ":96"})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "hands found" in proc.stdout
    finally:
        server.terminate()
        server.wait(10)


def test_train_errors_are_one_line(tmp_path):
    pytest.importorskip("torch", reason="training needs PyTorch (the train extra)")
    assert_user_error(run_cli("train", "--data", "icvl:/nowhere", "--out", tmp_path), "16-joint labels")
    assert_user_error(run_cli("train", "--data", f"msra:{tmp_path / 'missing'}", "--out", tmp_path),
                      "dataset folder not found")
    assert_user_error(run_cli("train", "--model", "pwr-huge", "--out", tmp_path), "unknown model")
    assert_user_error(run_cli("train", "--resume", "--out", tmp_path), "no checkpoint")
    assert_user_error(run_cli("train", "--precision", "fp8", "--out", tmp_path), "unknown precision 'fp8'")
    assert_user_error(run_cli("train", "--compile", "max", "--out", tmp_path), "--compile: unknown mode 'max'")
    assert_user_error(run_cli("train", "--camera", "kinect", "--out", tmp_path), "--camera: unknown camera 'kinect'")
    assert_user_error(run_cli("train", "--view", "overhead", "--out", tmp_path), "unknown view 'overhead'")
    assert_user_error(run_cli("eval", "--model", REPO / "models" / "pwr-lite.onnx", "--view", "overhead"),
                      "--view: one of front, head-mounted")
