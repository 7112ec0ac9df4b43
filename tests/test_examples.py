"""The example scripts run as a user would run them, on the bundled demo recording."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "handtrack" / "_data" / "demo-sr305.db3"


def _run(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.splitlines()


@pytest.mark.slow
def test_track_recording_prints_a_fingertip_for_every_frame():
    lines = _run("examples/track_recording.py", str(ROOT / "models" / "pwr-lite.onnx"), str(DEMO))
    assert len(lines) == 140 and all("index tip at" in line for line in lines)


@pytest.mark.slow
def test_pinch_example_reads_the_gestures_of_the_demo_hand():
    lines = _run("examples/pinch.py")  # the bundled demo recording by default
    per_frame = [line for line in lines if "fingers out" in line]
    assert len(per_frame) == 140
    # the demo hand opens (four or five fingers out) and closes into a fist (none out) at some point
    out = [line.split("fingers out: ")[1].split(";")[0] for line in per_frame]
    assert any(len(fingers.split(", ")) >= 4 for fingers in out)
    assert "none" in out
