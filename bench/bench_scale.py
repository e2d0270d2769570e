"""The embedded backend at scale (issue 12): 1,000,000 generated records through the real ingest flow, then search.

    .venv/bin/python bench/bench_scale.py                        # 1,000,000 records in a temporary folder
    .venv/bin/python bench/bench_scale.py --n 200000 --data /tmp/scale   # keep the folder; rerun skips the build

Prints, each beside its same-run anchor and as a ratio to it:
- INGEST end to end (IngestFlow.ingest: versioned store of record, analyse, FTS5 index) in records/s, against
  A3 rjieba's raw segmentation of the same texts and A4 a bare FTS5 insert of the same token rows (measured on
  a sample of the records, as rates; analysing all of them twice would double the run);
- mixed-set search p50/p99 (bench_search's query set) and broad-term p50 through the backend, against A5 a bare
  FTS5 rowid scan of the same broad-term expression on the very index the backend searched;
- the RSS of a real `stdwatch serve` over the folder after a query mix over HTTP (target < 1 GB).
The records are bench_search's generator (same seed, same records), streamed in chunks so 1,000,000 of them
never sit in memory at once.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchors
import bench_search
import serving
from anchors import Figure

from config.settings import Settings
from search.base import SearchBackend
from search.documents import search_document
from search.factory import backend_for
from search.ingest import IngestFlow
from search.params import to_params
from search.query import SearchQuery
from stdwatch.records import Record, record_from_json, to_json
from stdwatch.store import DocumentRepository, create_engine_for, migrate

CHUNK = 20_000
ANCHOR_SAMPLE = 50_000
TARGETS = {"search p99": 150.0, "broad p50": 60.0, "ingest": 4000.0, "rss": 1024.0}


def records(n: int, seed: int = 7) -> Iterator[list[Record]]:
    """bench_search.generate(n, seed)'s records, in chunks (the same random stream, so the same records)."""
    rng = random.Random(seed)
    chunk: list[Record] = []
    for i in range(n):
        make = bench_search._notification if rng.random() < 0.15 else bench_search._standard
        chunk.append(record_from_json(make(rng, i)))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, search_backend="sqlite")


def build(n: int, data_dir: Path) -> tuple[Figure, float, float]:
    """Ingest n records chunk by chunk as a crawl or `stdwatch load` does (store, then index); returns the
    figure, the seconds spent generating records (not counted) and the CPU seconds of the analysis worker
    processes (search.parallel; counted once they have exited, at flow.close)."""
    children = os.times().children_user + os.times().children_system
    settings = settings_for(data_dir)
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    backend = backend_for(settings)
    flow = IngestFlow(settings, DocumentRepository(engine), backend)
    spent, cpu, generating, done = 0.0, 0.0, 0.0, 0
    chunks = records(n)
    while True:
        started = time.perf_counter()
        chunk = next(chunks, None)
        generating += time.perf_counter() - started
        if chunk is None:
            break
        wall, cpu0 = time.perf_counter(), time.process_time()
        report = flow.ingest(chunk)
        spent += time.perf_counter() - wall
        cpu += time.process_time() - cpu0
        done += report.indexed
        print(f"  {done:>9,} indexed, {done / spent:,.0f} rec/s so far", flush=True)
    flow.close()
    backend.close()
    engine.dispose()
    workers = os.times().children_user + os.times().children_system - children
    return Figure(spent, done, cpu=cpu), generating, workers


def ingest_anchors(sample: list[Record], settings: Settings, folder: Path) -> tuple[Figure, Figure]:
    """A3 segmentation and A4 bare FTS5 insert of a sample's texts / token rows (rates)."""
    folder.mkdir(parents=True, exist_ok=True)
    _, texts, rows = bench_search.analyse(sample, settings)
    segmentation = anchors.segmentation(texts, len(sample))
    path = folder / "fts-anchor.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)  # a kept folder holds the last run's anchor table
    insert = anchors.fts_insert(path, rows)
    return segmentation, insert


def rate_ratio(figure: Figure, anchor_rate: float) -> float:
    """Time per record of the figure over the anchor's time per record."""
    return anchor_rate / figure.per_second if figure.per_second else float("inf")


def search_figures(settings: Settings, sample: list[Record], query_count: int) -> list[SearchQuery]:
    backend = backend_for(settings)
    queries = bench_search.query_set(random.Random(11), sample, query_count)
    started = time.perf_counter()
    backend.search(SearchQuery(text="预热"))  # facet columns load once per process: timed apart
    print(f"first search (loads the facet columns): {(time.perf_counter() - started) * 1000:,.0f} ms")
    for _, query in queries[:30]:
        backend.search(query)
    latencies: dict[str, list[float]] = {}
    # This process's CPU time too: what a search costs whatever the shared machine's load.
    cpu: dict[str, list[float]] = {}
    for name, query in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        backend.search(query)
        latencies.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        cpu.setdefault(name, []).append((time.process_time() - c0) * 1000)
    every = [v for values in latencies.values() for v in values]
    every_cpu = [v for values in cpu.values() for v in values]
    pct = bench_search._pct
    print(f"search latency over {len(queries)} queries ({backend.count():,} records), wall and CPU:")
    for name, values in latencies.items():
        print(
            f"  {name:<16} p50 {pct(values, 50):8.2f} ms   p99 {pct(values, 99):8.2f} ms   "
            f"(CPU p50 {pct(cpu[name], 50):7.2f}, p99 {pct(cpu[name], 99):7.2f})"
        )
    p99 = pct(every, 99)
    print(
        f"SEARCH mixed set: p50 {pct(every, 50):.2f} ms, p99 {p99:.2f} ms "
        f"(CPU p50 {pct(every_cpu, 50):.2f}, p99 {pct(every_cpu, 99):.2f}) "
        f"(target p99 < {TARGETS['search p99']:.0f} ms)"
    )
    broad(backend, settings, max(10, query_count // 30))
    after_write(backend)
    backend.close()
    return [q for _, q in queries]


def after_write(backend: SearchBackend, count: int = 1000) -> None:
    """The first search after a write brings the facet columns up to date (a full reload took 6-10 s at 1M):
    `count` new documents written, searched, then deleted again (so a kept build stays at --n), searched."""
    rng = random.Random(5)
    docs = [
        search_document(to_json(record_from_json(bench_search._standard(rng, 50_000_000 + i))))
        for i in range(count)
    ]
    query = SearchQuery(text="锂离子电池", filters={"status": ("current",)})
    for what in (f"{count:,} documents written", "the same deleted"):
        if what == "the same deleted":
            backend.delete([d.id for d in docs])
        else:
            backend.index(docs)
        t0, c0 = time.perf_counter(), time.process_time()
        backend.search(query)
        print(
            f"AFTER WRITE ({what}): first search {(time.perf_counter() - t0) * 1000:,.0f} ms "
            f"(CPU {(time.process_time() - c0) * 1000:,.0f} ms)"
        )


def broad(backend: object, settings: Settings, repeat: int) -> None:
    """Broad terms through the backend vs A5: the bare FTS5 rowid scan of the same expression on the same
    index file (every matching rowid fetched)."""
    assert hasattr(backend, "search") and hasattr(backend, "path")
    for text, expression in bench_search.BROAD_TERMS:
        latencies, result = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = backend.search(SearchQuery(text=text))
            latencies.append((time.perf_counter() - t0) * 1000)
        bare, found = anchors.fts_scan(backend.path, expression, repeat)
        p50, a50 = anchors.median(latencies), anchors.median(bare)
        assert result is not None
        shown = f"{result.total:,}{'+' if result.total_is_lower_bound else ''}"
        print(
            f"BROAD {text:<8} p50 {p50:7.2f} ms ({shown} hits)   A5 bare rowid scan p50 {a50:7.2f} ms "
            f"({found:,} rows)   = {p50 / a50:5.2f} x A5 (target p50 < {TARGETS['broad p50']:.0f} ms)"
        )


def server_rss(data_dir: Path, queries: list[SearchQuery], seconds: float, workers: int) -> None:
    """A real `stdwatch serve` over the folder; RSS before and after a query mix over HTTP."""
    server = serving.start_server(data_dir, workers)
    try:
        idle = server.rss_mb()
        paths = [f"/api/search?{urlencode(to_params(q), doseq=True)}" for q in queries]
        load = serving.drive(server.url, paths, connections=4, seconds=seconds)
        rss = server.rss_mb()
    finally:
        server.stop()
    print(
        f"SERVER RSS ({workers} worker{'s' if workers > 1 else ''}): {idle:,.0f} MB started, {rss:,.0f} MB after "
        f"{len(load.latencies):,} mixed queries ({load.error_count} errors) (target < {TARGETS['rss']:,.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, help="data folder to keep; an existing build of --n is reused")
    parser.add_argument("--queries", type=int, default=900)
    parser.add_argument("--seconds", type=float, default=20, help="query mix over HTTP before reading RSS")
    parser.add_argument("--workers", type=int, default=1, help="server workers for the RSS figure")
    parser.add_argument("--build-only", action="store_true", help="stop after the ingest figure")
    args = parser.parse_args()
    data_dir = args.data or Path(tempfile.mkdtemp(prefix="stdwatch-scale-"))
    settings = settings_for(data_dir)
    print(f"== embedded backend at {args.n:,} records, data folder {data_dir} ==")
    sample = [r for chunk in records(min(args.n, ANCHOR_SAMPLE)) for r in chunk]
    segmentation, insert = ingest_anchors(sample, settings, data_dir / "anchors")
    print(f"anchors on the first {len(sample):,} records (rates):")
    print(anchors.line("  A3 analyse: rjieba cut_for_search, same texts", segmentation))
    print(anchors.line("  A4 index: sqlite3 FTS5 insert, same token rows", insert))
    built = (data_dir / "index.sqlite3").exists() and backend_for(settings).count() == args.n
    if built:
        print(f"reusing the build in {data_dir} (ingest not measured this run)")
    else:
        figure, generating, workers = build(args.n, data_dir)
        bare = 1 / (1 / segmentation.per_second + 1 / insert.per_second)
        bare_cpu = 1 / (segmentation.cpu / segmentation.count + insert.cpu / insert.count)
        print(f"(generating the records took {generating:.0f}s, not counted)")
        print(
            anchors.line("INGEST end-to-end (IngestFlow.ingest)", figure)
            + f"   = {rate_ratio(figure, bare):5.2f} x (A3+A4)   (target >= {TARGETS['ingest']:,.0f} rec/s)"
        )
        # The machine is shared: CPU seconds say what the work costs whatever share of the cores it got (the
        # ingest process's own CPU; the analysis worker processes' CPU on top, STDWATCH_INGEST_WORKERS).
        print(
            f"  by CPU: {figure.count / figure.cpu:,.0f} rec per CPU-second of the ingest process "
            f"({figure.cpu:,.0f} CPU-s in {figure.seconds:,.0f} s) = "
            f"{bare_cpu / (figure.count / figure.cpu):5.2f} x (A3+A4) by CPU; analysis workers "
            f"{workers:,.0f} CPU-s more ({figure.count / (figure.cpu + workers):,.0f} rec per CPU-second "
            f"in all, {(figure.cpu + workers) / figure.seconds:.2f} cores busy on average)"
        )
    if args.build_only:
        return
    queries = search_figures(settings, sample, args.queries)
    server_rss(data_dir, queries, args.seconds, args.workers)
    if not args.data:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
