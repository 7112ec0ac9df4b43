"""Print the index fingertip from a handtrack stream.

  handtrack live --serve ws://127.0.0.1:8765        then   python examples/stream_client.py ws://127.0.0.1:8765
  handtrack live --udp 127.0.0.1:9000               then   python examples/stream_client.py udp://127.0.0.1:9000
"""

import json
import socket
import sys

INDEX_TIP = 8  # joint order: see the header's "joint_names"


def show(message: str) -> None:
    record = json.loads(message)
    if record["type"] == "header":
        print("model:", record["model"]["name"], "joints:", len(record["joint_names"]))
    for hand in record.get("hands", []):
        x, y, z = hand["joints_xyz_mm"][INDEX_TIP]
        print(f"frame {record['index']}: index tip ({x:.0f}, {y:.0f}, {z:.0f}) mm")


url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8765"
if url.startswith("udp://"):
    host, port = url[len("udp://"):].rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, int(port)))
    while True:
        show(sock.recv(65536).decode())
else:
    from websockets.sync.client import connect

    with connect(url) as connection:
        for message in connection:
            show(message)
