"""A test client receives every frame's message over WebSocket and over UDP from a replay."""

import json
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_replay_streams_every_frame_over_websocket_and_udp(sr305_dir):
    client_mod = pytest.importorskip("websockets.sync.client", reason="WebSocket streaming needs websockets")
    ws_port, udp_port = _free_port(socket.SOCK_STREAM), _free_port(socket.SOCK_DGRAM)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", udp_port))
    udp.settimeout(30)
    proc = subprocess.Popen(
        [sys.executable, "-m", "handtrack", "replay", str(sr305_dir), "--camera-profile", "sr305", "--serve",
         f"ws://127.0.0.1:{ws_port}", "--serve-wait", "60", "--udp",
         f"127.0.0.1:{udp_port}"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = client_mod.connect(f"ws://127.0.0.1:{ws_port}", open_timeout=2)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        ws_messages = []
        with connection:
            try:
                for message in connection:
                    ws_messages.append(json.loads(message))
            except Exception:  # noqa: BLE001 - the server closing the connection ends the stream
                pass
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        udp_messages = [json.loads(udp.recv(65536)) for _ in range(19)]
    finally:
        proc.kill()
        udp.close()
    assert ws_messages[0]["type"] == "header" and ws_messages[0]["schema"] == "handtrack.poses"
    frames = [m for m in ws_messages if m["type"] == "frame"]
    assert [m["index"] for m in frames] == list(range(19))
    assert [m["index"] for m in udp_messages] == list(range(19))
    assert all(len(m["hands"]) == 1 for m in frames)
    assert "ms added per frame" in stdout
