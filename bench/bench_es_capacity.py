"""Elasticsearch capacity figures for the README's capacity plan: ingest rate and index size per million records.

    eval "$(bash .ci/elasticsearch.sh cluster 2)"      # a two-node cluster on loopback (or any cluster you run)
    STDWATCH_ES_SHARDS=2 STDWATCH_ES_REPLICAS=1 .venv/bin/python bench/bench_es_capacity.py --n 100000
    .venv/bin/python bench/bench_es_capacity.py --es-url https://es1:9200,https://es2:9200 --n 1000000
        # an external cluster; credentials and CA file from STDWATCH_ES_* (README, "Elasticsearch cluster")

Generates records as bench/bench_search.py does (same generator, same seed), stores them in a temporary SQLite store
of record, then times the index step alone (IngestFlow.rebuild: what a backfill of an existing store does) and
prints the index's size on disk: one copy of the data (primaries) and every copy (with replicas), before and after
merging to one segment (a bulk-loaded index settles near the merged figure), per record and per million records.
The anchor for the rate is the same run's analysis alone (StdWatch's tokens, no Elasticsearch), as in bench_search.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate

from config.settings import Settings
from search.backends.elasticsearch import ElasticsearchBackend
from search.documents import index_document, search_document
from search.factory import analyzer_for, backend_for
from search.ingest import IngestFlow
from stdwatch.store import DocumentRepository, create_engine_for, migrate

MB = 1024 * 1024


def sizes(backend: ElasticsearchBackend) -> tuple[int, int, int]:
    """Documents, primary bytes and total bytes (replicas included) of the index behind the alias."""
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--es-url", help="node URL(s), comma-separated (default: STDWATCH_ES_URL)")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="stdwatch-capacity-"))
    settings = Settings(
        data_dir=data_dir, search_backend="elasticsearch", es_index=f"capacity-{int(time.time())}"
    )
    if args.es_url:
        settings = settings.model_copy(update={"es_url": args.es_url})
    t0 = time.perf_counter()
    records = generate(args.n)
    print(f"generated {len(records):,} records in {time.perf_counter() - t0:.1f}s (not counted)")
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    repo = DocumentRepository(engine)
    backend = backend_for(settings)
    assert isinstance(backend, ElasticsearchBackend)
    try:
        nodes = backend.client.cat.nodes(h="name,heap.max", format="json").body
        described = ", ".join(f"{n['name']} heap {n['heap.max']}" for n in nodes)
        print(
            f"cluster: {len(nodes)} node(s) ({described}); "
            f"index: {settings.es_shards} primaries, {settings.es_replicas} replica(s)"
        )
        t0 = time.perf_counter()
        for start in range(0, len(records), 2000):
            repo.upsert_many(records[start : start + 2000])
        stored = time.perf_counter() - t0
        analyzer = analyzer_for(settings)
        t0 = time.perf_counter()
        for batch in repo.iter_documents():
            for doc in batch:
                index_document(search_document(doc.data), analyzer)
        analysed = time.perf_counter() - t0
        t0 = time.perf_counter()
        indexed = IngestFlow(settings, repo, backend).rebuild()
        took = time.perf_counter() - t0
        print(f"store of record (SQLite upsert): {len(records) / stored:8,.0f} rec/s")
        print(f"anchor: StdWatch analysis alone : {len(records) / analysed:8,.0f} rec/s")
        print(
            f"INDEX (analyse + bulk + refresh, IngestFlow.rebuild): {indexed / took:8,.0f} rec/s "
            f"= {analysed / took:.2f} x the analysis anchor's rate; {took:.1f} s for {indexed:,}"
        )
        print(line("after the bulk load", *sizes(backend)))
        [index] = backend.indices()
        merging = backend.client.options(request_timeout=3600)
        merging.indices.forcemerge(index=index, max_num_segments=1)
        backend.client.indices.refresh(index=index)
        time.sleep(10)  # store sizes in index stats follow a merge with a short delay
        print(line("merged to one segment", *sizes(backend)))
    finally:
        backend.drop()
        backend.close()
        engine.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
