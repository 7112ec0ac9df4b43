"""Streaming poses to other programs: one JSON message per frame (the poses-JSONL frame object, see
docs/poses-jsonl.md), over WebSocket (``ws://HOST:PORT``, every connected client) and/or UDP (``HOST:PORT``).

The WebSocket server runs on its own thread (the ``websockets`` package's threaded server); a client that
connects receives the header object first, then every frame from then on. UDP datagrams carry one frame each.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlparse

from handtrack.errors import HandtrackError

log = logging.getLogger(__name__)


def parse_host_port(text: str, what: str) -> tuple[str, int]:
    parsed = urlparse(text if "://" in text else f"udp://{text}")
    if not parsed.hostname or not parsed.port:
        raise HandtrackError(f"{what} {text!r}: expected HOST:PORT (for example 127.0.0.1:9000)")
    return parsed.hostname, parsed.port


class PoseStreamer:
    """Sends header and frame records to WebSocket clients and a UDP address; ``send_ms`` sums the time spent."""

    def __init__(self, websocket_url: str | None = None, udp: str | None = None) -> None:
        self.header: dict[str, Any] | None = None
        self.send_ms = 0.0
        self.messages = 0
        self._clients: set[Any] = set()
        self._lock = threading.Lock()
        self._server = None
        self._udp: socket.socket | None = None
        self._udp_target: tuple[str, int] | None = None
        if websocket_url:
            if not websocket_url.startswith("ws://"):
                raise HandtrackError(f"--serve {websocket_url!r}: expected ws://HOST:PORT")
            host, port = parse_host_port(websocket_url, "--serve")
            try:
                from websockets.sync.server import serve
            except ImportError as exc:
                raise HandtrackError("--serve needs the websockets package: pip install 'handtrack[stream]'") from exc
            try:
                self._server = serve(self._handle, host, port)
            except OSError as exc:
                raise HandtrackError(f"--serve {websocket_url}: cannot listen ({exc.strerror})") from exc
            threading.Thread(target=self._server.serve_forever, name="handtrack-ws", daemon=True).start()
            log.info("serving poses on %s", websocket_url)
        if udp:
            self._udp_target = parse_host_port(udp, "--udp")
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def _handle(self, connection: Any) -> None:
        with self._lock:
            if self.header is not None:
                connection.send(json.dumps(self.header))
            self._clients.add(connection)
        try:
            for _ in connection:  # clients need not send anything; this returns when they close
                pass
        finally:
            with self._lock:
                self._clients.discard(connection)

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def wait_for_client(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.clients:
                return True
            time.sleep(0.02)
        return False

    def send_header(self, header: dict[str, Any]) -> None:
        with self._lock:
            self.header = header

    def send(self, record: dict[str, Any]) -> None:
        start = time.perf_counter()
        text = json.dumps(record, separators=(",", ":"))
        with self._lock:
            clients = list(self._clients)
        for connection in clients:
            try:
                connection.send(text)
            except Exception:  # noqa: BLE001 - a client that went away is dropped, the stream goes on
                with self._lock:
                    self._clients.discard(connection)
        if self._udp is not None and self._udp_target is not None:
            self._udp.sendto(text.encode(), self._udp_target)
        self.send_ms += (time.perf_counter() - start) * 1e3
        self.messages += 1

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._udp is not None:
            self._udp.close()
