"""The real server on loopback: what `stdwatch serve` answers to curl-style raw UTF-8 requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import DEMO_RECORDS, ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raw_get(port: int, target: bytes) -> tuple[int, bytes]:
    """Send the request line exactly as curl does for `curl '127.0.0.1:PORT/api/search?q=锂电池'`."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    env = {**os.environ, "STDWATCH_DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "init"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "load", str(DEMO_RECORDS)], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _raw_get(port, b"/api/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {proc.stdout.read().decode() if proc.stdout else ''}")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.parametrize("query", ["锂电池", "鋰電池"])
def test_raw_utf8_query_gets_highlighted_hits(server: int, query: str) -> None:
    status, body = _raw_get(server, f"/api/search?q={query}".encode())
    result = json.loads(body)
    assert status == 200 and result["total"] >= 3
    assert all("<mark>" in "".join(hit["highlight"].values()) for hit in result["hits"])


def test_raw_utf8_in_the_path_is_a_4xx_not_a_crash(server: int) -> None:
    status, _ = _raw_get(server, "/api/文档".encode())
    assert 400 <= status < 500
    assert _raw_get(server, b"/api/health")[0] == 200
