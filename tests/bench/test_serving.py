"""The load generator of the API benches (bench/serving.py) against a real HTTP server on loopback: every
answer read in full, and each client replaces its keep-alive connection as it ages, so that a server's worker
processes share the clients within one run. No timing is asserted."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import serving


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn answers
    connections = 0
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with _Counting.lock:
            _Counting.connections += 1

    def do_GET(self) -> None:
        body = b"ok" if self.path == "/ok" else b"missing"
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.connections = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_clients_reconnect_as_their_connections_age(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "RECONNECT_AFTER", 0.1)
    load = serving.drive(server, ["/ok"], connections=2, seconds=0.6)
    assert load.latencies and load.error_count == 0
    assert _Counting.connections >= 2 * 4  # each client opened a new connection every 0.1 s of 0.6 s


def test_a_client_keeps_its_connection_while_it_is_young(server: str) -> None:
    load = serving.drive(server, ["/ok"], connections=2, seconds=0.3)
    assert len(load.latencies) > 2 and _Counting.connections == 2


def test_answers_other_than_200_are_counted_as_errors(server: str) -> None:
    load = serving.drive(server, ["/ok", "/missing"], connections=1, seconds=0.2)
    assert load.latencies and load.errors.get("HTTP 404", 0) > 0
