"""How fast the search page's HTML arrives: GET / over HTTP from the real server (`stdwatch serve`, uvicorn)
on an index of generated records (bench_search.py's generator), beside GET /api/search for the same queries.

    .venv/bin/python bench/bench_web.py                 # 100,000 records, SQLite backend, 450 queries
    .venv/bin/python bench/bench_web.py --n 20000 --queries 200

Prints p50/p99 of the whole response (request sent -> last byte read, keep-alive connection) for the page and the
JSON API: the page's cost over the API is the rendering (facet links, snippets, Jinja2). Anchors in the same run:
the JSON API on the same queries, and GET /api/ping (the same app and server, no engine).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import _pct, generate, query_set  # noqa: E402

from config.settings import Settings  # noqa: E402
from search.factory import backend_for  # noqa: E402
from search.ingest import IngestFlow  # noqa: E402
from search.params import to_params  # noqa: E402
from search.query import SearchQuery  # noqa: E402
from stdwatch.store import DocumentRepository, create_engine_for, migrate  # noqa: E402


def build(folder: Path, n: int) -> list[SearchQuery]:
    records = generate(n)
    settings = Settings(data_dir=folder)
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    repo, backend = DocumentRepository(engine), backend_for(settings)
    for start in range(0, len(records), 2000):
        repo.upsert_many(records[start : start + 2000])
    IngestFlow(settings, repo, backend).sync()
    backend.close()
    engine.dispose()
    return [q for _, q in query_set(random.Random(11), records, 10_000)]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _query_string(query: SearchQuery) -> str:
    params = [(k, v) for k, values in to_params(query).items() for v in values]
    if query.sort.value != "relevance":
        params.append(("sort", query.sort.value))
    return urlencode(params)


def measure(client: httpx.Client, path: str, queries: list[SearchQuery]) -> list[float]:
    times = []
    for query in queries:
        t0 = time.perf_counter()
        response = client.get(f"{path}?{_query_string(query)}")
        response.read()
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, query, response.text[:300])
    return times


def measure_path(client: httpx.Client, path: str, count: int) -> list[float]:
    """The same request `count` times: the anchor's cost of HTTP, the app and the server without any engine."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=450)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stdwatch-bench-web-"))
    try:
        t0 = time.perf_counter()
        queries = build(folder, args.n)[: args.queries]
        print(f"built an index of {args.n:,} generated records in {time.perf_counter() - t0:.0f} s")
        port = _port()
        env = {**os.environ, "STDWATCH_DATA_DIR": str(folder)}
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as client:
                for _ in range(300):
                    try:
                        if client.get("/api/health").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                measure(client, "/", queries[:30])  # warm-up
                measure(client, "/api/search", queries[:30])
                page = measure(client, "/", queries)
                api = measure(client, "/api/search", queries)
                ping = measure_path(client, "/api/ping", len(queries))
        finally:
            server.terminate()
            server.wait(timeout=15)
        print(f"{len(queries)} mixed queries over HTTP at {args.n:,} records (SQLite backend):")
        print(
            f"  search page HTML  GET /            p50 {_pct(page, 50):7.2f} ms   p99 {_pct(page, 99):7.2f} ms"
        )
        print(
            f"  JSON API          GET /api/search  p50 {_pct(api, 50):7.2f} ms   p99 {_pct(api, 99):7.2f} ms"
        )
        print(
            f"  anchor: no-engine GET /api/ping    p50 {_pct(ping, 50):7.2f} ms   p99 {_pct(ping, 99):7.2f} ms"
        )
        print(
            f"  ratios (p50): page = {_pct(page, 50) / _pct(api, 50):.2f} x JSON API (same queries, same run)"
            f" = {_pct(page, 50) / _pct(ping, 50):.1f} x ping; target: page p50 < 100 ms"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
