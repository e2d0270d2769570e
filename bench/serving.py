"""The real server for the API benches: `stdwatch serve` in its own process group, and a closed-loop load
generator (N asyncio connections, each sending its next request when the last one was answered).

Shared by bench_api.py (req/s at 100,000 records) and bench_scale.py (server RSS at 1,000,000).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
STDWATCH = Path(sys.executable).parent / "stdwatch"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `stdwatch serve` over a data folder; its pid and its workers' pids for RSS."""

    process: subprocess.Popen[bytes]
    url: str

    def pids(self) -> list[int]:
        """The server process and its children (uvicorn's worker processes)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        return pids

    def rss_mb(self) -> float:
        """Resident set size of the server and its workers, MB (from /proc: what the kernel charges)."""
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server and its workers have used so far: what a request costs the
        server, whatever share of the shared cores it got."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_server(data_dir: Path, workers: int = 1, timeout: float = 300) -> Server:
    """`stdwatch serve --workers N` over `data_dir` (SQLite backend), started in a new process group (so stop()
    ends it and its workers, and nothing else); returns once /api/ping answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STDWATCH_")}
    env.update(
        STDWATCH_DATA_DIR=str(data_dir), STDWATCH_SEARCH_BACKEND="sqlite", STDWATCH_LOG_LEVEL="WARNING"
    )
    command = [str(STDWATCH), "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`{' '.join(command)}` exited with status {process.returncode}")
        try:
            if httpx.get(f"{server.url}/api/ping", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not answer within {timeout:.0f}s")


@dataclass
class Load:
    """What a fixed-time closed-loop run got: latencies of good answers (ms), errors by reason."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    client_cpu: float = 0.0  # CPU seconds this load generator spent: its share of the cores the server lacked

    @property
    def client_ms_per_request(self) -> float:
        return self.client_cpu * 1000 / max(1, len(self.latencies) + self.error_count)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def pct(self, pct: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# A client reconnects once its connection is this old (seconds). uvicorn's workers accept from one shared socket,
# and an event loop accepts every pending connection when it wakes, so connections opened at once can all land on
# one worker (measured: 592 code look-ups/s with 2 workers in one run, 1,486 in the next). Reconnecting, as real
# clients do, lets the less busy worker (the first to wake) take the next ones, so the load evens out within a
# run. By time, not by count: a broad-term client sends only ~15 requests a second.
RECONNECT_AFTER = 1.0


async def _connection(
    host: str, port: int, requests: list[bytes], offset: int, step: int, stop: float, load: Load
) -> None:
    """One client sending its next request as soon as the last answer is read in full, over a keep-alive
    connection it replaces every RECONNECT_AFTER seconds.

    Raw asyncio streams rather than httpx: an HTTP client library costs several times the server's own time
    per request, and it runs on the same 2 cores, so it would measure itself."""
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    opened = time.perf_counter()
    try:
        while time.perf_counter() < stop:
            if time.perf_counter() - opened > RECONNECT_AFTER:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                opened = time.perf_counter()
            started = time.perf_counter()
            writer.write(requests[i % len(requests)])
            i += step
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = next(
                (
                    int(line[15:])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is None:
                load.errors["no Content-Length"] = load.errors.get("no Content-Length", 0) + 1
                return
            await reader.readexactly(length)
            if status == 200:
                load.latencies.append((time.perf_counter() - started) * 1000)
            else:
                load.errors[f"HTTP {status}"] = load.errors.get(f"HTTP {status}", 0) + 1
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        load.errors[type(exc).__name__] = load.errors.get(type(exc).__name__, 0) + 1
    finally:
        writer.close()


async def _drive(url: str, paths: Sequence[str], connections: int, seconds: float) -> Load:
    host, port = url.removeprefix("http://").split(":")
    requests = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode() for p in paths]
    load = Load(seconds)
    begun = time.perf_counter()
    stop = begun + seconds
    await asyncio.gather(
        *(_connection(host, int(port), requests, i, connections, stop, load) for i in range(connections))
    )
    load.seconds = time.perf_counter() - begun
    return load


def drive(url: str, paths: Sequence[str], connections: int, seconds: float) -> Load:
    """GET `paths` (ASCII, percent-encoded) in turn over `connections` keep-alive connections for `seconds`."""
    started = time.process_time()
    load = asyncio.run(_drive(url, paths, connections, seconds))
    load.client_cpu = time.process_time() - started
    return load
