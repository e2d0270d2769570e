"""Elasticsearch capacity figures for the README's capacity plan (issue 12): ingest, search and index size at scale.

    eval "$(bash .ci/elasticsearch.sh start)"; export STDWATCH_ES_URL   # one node (STDWATCH_ES_HEAP=1g for 1M)
    .venv/bin/python bench/bench_es_capacity.py --n 100000
    eval "$(bash .ci/elasticsearch.sh cluster 2)"      # a two-node loopback cluster (or any cluster you run)
    STDWATCH_ES_SHARDS=2 STDWATCH_ES_REPLICAS=1 .venv/bin/python bench/bench_es_capacity.py --n 100000
    .venv/bin/python bench/bench_es_capacity.py --es-url https://es1:9200,https://es2:9200 --n 1000000
        # an external cluster; credentials and CA file from STDWATCH_ES_* (README, "Elasticsearch cluster")

Generates records as bench/bench_search.py does (same generator, same seed) and times, through the real
IngestFlow with a temporary SQLite store of record:
- INGEST end to end (what `stdwatch load` does): the store step (versioned upsert) then the index sync
  (analyse + bulk + refresh), each timed;
- the index step of a backfill (IngestFlow.rebuild of the whole store: a new index, the alias swapped);
- SEARCH latency after the load: bench_search.py's mixed query set, p50/p99 per kind and overall;
- the index's size on disk: one copy (primaries) and every copy (with replicas), before and after merging to one
  segment (a bulk-loaded index settles near the merged figure), per record and per million records.
Anchors, same run: for ingest, StdWatch's analysis alone of the same stored records (one process, no
Elasticsearch); for search, a bare `_search` (match_all, top 10) sent by the same client after each query, and
Elasticsearch's own time for the query's requests (`took`, summed), so the rest is StdWatch's own overhead
(planning, HTTP round trips, JSON, highlighting). Each step also prints the node(s)' CPU seconds (nodes stats) and
how long the bench's main thread was runnable but waiting for a CPU (/proc schedstat): on a shared machine that
wait is other processes' doing, and wall time minus it is what the step would take on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate, query_set
from elasticsearch import Elasticsearch

from config.settings import Settings
from search.backends.elasticsearch import ElasticsearchBackend
from search.documents import index_document, search_document
from search.factory import analyzer_for, backend_for
from search.ingest import IngestFlow
from search.query import SearchQuery
from stdwatch.store import DocumentRepository, create_engine_for, migrate

MB = 1024 * 1024
T = TypeVar("T")


def sizes(backend: ElasticsearchBackend) -> tuple[int, int, int]:
    """Documents, primary bytes and total bytes (replicas included) of the index behind the alias."""
    time.sleep(11)  # a node caches an index's store size for 10 s (index.store.stats_refresh_interval)
    stats: Any = backend.client.indices.stats(index=backend.alias, metric="docs,store")["_all"]
    return (
        int(stats["primaries"]["docs"]["count"]),
        int(stats["primaries"]["store"]["size_in_bytes"]),
        int(stats["total"]["store"]["size_in_bytes"]),
    )


def line(label: str, docs: int, primary: int, total: int) -> str:
    per_million = primary / max(docs, 1) * 1_000_000 / MB
    return (
        f"{label:<26} primaries {primary / MB:8.1f} MB, all copies {total / MB:8.1f} MB; "
        f"{primary / max(docs, 1):6.0f} B/record = {per_million:7.0f} MB per million (one copy)"
    )


# ------------------------------------------------------------------------------------------ steps, timed
def _queued_seconds() -> float:
    """Seconds this thread has been runnable but waiting for a CPU (0 where /proc has no schedstat)."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _es_cpu(client: Elasticsearch) -> float:
    """CPU seconds used so far by every node of the cluster."""
    nodes = client.nodes.stats(metric="process")["nodes"]
    return float(sum(n["process"]["cpu"]["total_in_millis"] for n in nodes.values())) / 1000


@dataclass(frozen=True)
class Step:
    count: int
    wall: float
    cpu: float  # this process
    queued: float  # the main thread, waiting for a CPU (other processes' doing on a shared machine)
    es_cpu: float

    @property
    def rate(self) -> float:
        return self.count / self.wall

    def describe(self) -> str:
        unloaded = self.count / max(self.wall - self.queued, 1e-9)
        return (
            f"{self.rate:8,.0f} rec/s ({self.wall:6.1f} s); this process {self.cpu / self.count * 1e6:4.0f} us CPU"
            f"/rec, Elasticsearch {self.es_cpu / self.count * 1e6:4.0f} us CPU/rec; waited {self.queued:5.1f} s "
            f"for a CPU (without that wait: {unloaded:,.0f} rec/s)"
        )


def timed(client: Elasticsearch, count: int, work: Callable[[], T]) -> tuple[T, Step]:
    wall, cpu, queued, es = time.perf_counter(), time.process_time(), _queued_seconds(), _es_cpu(client)
    result = work()
    step = Step(
        count,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        _queued_seconds() - queued,
        _es_cpu(client) - es,
    )
    return result, step


# ------------------------------------------------------------------------------------------ search
class TookClient:
    """The backend's client, adding up Elasticsearch's own time (`took`) of the search requests it sends."""

    def __init__(self, client: Elasticsearch) -> None:
        self._client = client
        self.took_ms = 0
        self.requests = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def search(self, **kwargs: Any) -> Any:
        response = self._client.search(**kwargs)
        self.took_ms += int(response["took"])
        self.requests += 1
        return response

    def msearch(self, **kwargs: Any) -> Any:
        response = self._client.msearch(**kwargs)
        self.took_ms += int(response["took"])
        self.requests += 1
        return response

    def mget(self, **kwargs: Any) -> Any:
        self.requests += 1  # no `took` in an mget answer
        return self._client.mget(**kwargs)


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _bare_search_ms(client: Elasticsearch, alias: str) -> float:
    started = time.perf_counter()
    client.search(index=alias, query={"match_all": {}}, size=10)
    return (time.perf_counter() - started) * 1000


def search_latency(backend: ElasticsearchBackend, queries: list[tuple[str, SearchQuery]]) -> None:
    """Each query through the backend, then the bare anchor request, alternately: both see the same load."""
    plain = backend.client
    took = TookClient(plain)
    backend.client = cast(Elasticsearch, took)
    try:
        for _, query in queries[:30]:  # warm-up: caches, global ordinals of the facet fields
            backend.search(query)
        latency: dict[str, list[float]] = defaultdict(list)
        es_time: dict[str, list[float]] = defaultdict(list)
        hits: dict[str, list[int]] = defaultdict(list)
        requests: dict[str, list[int]] = defaultdict(list)
        partial = 0
        bare: list[float] = []
        for name, query in queries:
            took.took_ms, took.requests = 0, 0
            started = time.perf_counter()
            result = backend.search(query)
            latency[name].append((time.perf_counter() - started) * 1000)
            es_time[name].append(took.took_ms)
            hits[name].append(result.total)
            requests[name].append(took.requests)
            partial += result.partial
            bare.append(_bare_search_ms(plain, backend.alias))
    finally:
        backend.client = plain
    print(f"search latency over {len(queries)} queries after the load (partial answers: {partial}):")
    print(
        f"{'query kind':<16}{'p50 ms':>9}{'p99 ms':>9}{'ES took p50':>13}{'ES took p99':>13}"
        f"{'requests':>10}{'median hits':>13}"
    )
    for name, values in latency.items():
        print(
            f"{name:<16}{_pct(values, 50):>9.2f}{_pct(values, 99):>9.2f}{_pct(es_time[name], 50):>13.0f}"
            f"{_pct(es_time[name], 99):>13.0f}{statistics.mean(requests[name]):>10.1f}"
            f"{statistics.median(hits[name]):>13,.0f}"
        )
    every = [v for values in latency.values() for v in values]
    took_all = [v for values in es_time.values() for v in values]
    p50, p99 = _pct(every, 50), _pct(every, 99)
    b50, b99 = _pct(bare, 50), _pct(bare, 99)
    print(
        f"anchor: bare _search (match_all, top 10), same client, after each query: p50 {b50:.2f} ms, "
        f"p99 {b99:.2f} ms"
    )
    print(
        f"SEARCH all queries: p50 {p50:.2f} ms = {p50 / b50:.1f} x the bare search, p99 {p99:.2f} ms = "
        f"{p99 / b99:.1f} x; Elasticsearch's own time (took, summed per query) p50 {_pct(took_all, 50):.0f} ms, "
        f"p99 {_pct(took_all, 99):.0f} ms, {sum(took_all) / sum(every):.0%} of the total"
    )


# ------------------------------------------------------------------------------------------ the run
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=900)
    parser.add_argument("--es-url", help="node URL(s), comma-separated (default: STDWATCH_ES_URL)")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the backfill (IngestFlow.rebuild)")
    parser.add_argument("--no-merge", action="store_true", help="skip the merge to one segment")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="stdwatch-capacity-"))
    settings = Settings(
        data_dir=data_dir, search_backend="elasticsearch", es_index=f"capacity-{int(time.time())}"
    )
    if args.es_url:
        settings = settings.model_copy(update={"es_url": args.es_url})
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t0 = time.perf_counter()
    records = generate(args.n)
    queries = query_set(random.Random(11), records, args.queries)
    print(f"generated {len(records):,} records in {time.perf_counter() - t0:.1f}s (not counted)")
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    repo = DocumentRepository(engine)
    backend = backend_for(settings)
    assert isinstance(backend, ElasticsearchBackend)
    client = backend.client
    n = len(records)
    try:
        nodes = cast(list[dict[str, str]], client.cat.nodes(h="name,heap.max", format="json").body)
        described = ", ".join(f"{node['name']} heap {node['heap.max']}" for node in nodes)
        print(
            f"cluster: {len(nodes)} node(s) ({described}); "
            f"index: {settings.es_shards} primaries, {settings.es_replicas} replica(s)"
        )
        flow = IngestFlow(settings, repo, backend)
        _, store = timed(client, n, lambda: flow.store(records))
        analyzer = analyzer_for(settings)

        def analyse() -> None:
            for batch in repo.iter_documents():
                for doc in batch:
                    index_document(search_document(doc.data), analyzer)

        _, analysed = timed(client, n, analyse)
        indexed, sync = timed(client, n, flow.sync)
        assert indexed == n, f"the sync indexed {indexed:,} of {n:,}"
        print(f"anchor: StdWatch analysis alone (read + analyse): {analysed.describe()}")
        print(f"store of record (versioned upsert, IngestFlow.store): {store.describe()}")
        print(
            f"index sync (analyse + bulk + refresh, IngestFlow.sync): {sync.describe()}; "
            f"= {analysed.wall / sync.wall:.2f} x the analysis anchor's rate"
        )
        total = Step(n, store.wall + sync.wall, store.cpu + sync.cpu, store.queued + sync.queued, 0.0)
        print(
            f"INGEST end to end (store + index, as `stdwatch load`): {total.rate:8,.0f} rec/s "
            f"({total.wall:.1f} s; without the wait for a CPU: {n / (total.wall - total.queued):,.0f} rec/s)"
        )
        search_latency(backend, queries)
        print(line("after the load", *sizes(backend)))
        if not args.no_rebuild:
            rebuilt, rebuild = timed(client, n, flow.rebuild)
            print(
                f"INDEX backfill (analyse + bulk + refresh, IngestFlow.rebuild): {rebuild.describe()}; "
                f"= {analysed.wall / rebuild.wall:.2f} x the analysis anchor's rate; {rebuilt:,} records"
            )
            print(line("after the backfill", *sizes(backend)))
        if not args.no_merge:
            [index] = backend.indices()
            merging = client.options(request_timeout=3600)
            merging.indices.forcemerge(index=index, max_num_segments=1)
            client.indices.refresh(index=index)
            print(line("merged to one segment", *sizes(backend)))
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        backend.drop()
        backend.close()
        engine.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
