"""How the Elasticsearch backend writes in bulk (issue 12): one request in flight while the next chunk is analysed,
failures from any chunk reported, a rebuild bulk-loaded (no refresh, no replica) and set back before the swap,
and the ingest flow's worker processes preparing the same documents as one process."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from elastic_transport import ConnectionError as TransportConnectionError

import search.ingest
from config.settings import Settings
from search.analysis import Analyzer
from search.backends import elasticsearch as es_module
from search.backends.elasticsearch import ElasticsearchBackend
from search.base import SearchBackendError
from search.documents import IndexedDocument, search_document
from search.ingest import IngestFlow
from search.query import SearchQuery
from stdwatch.records import Record, record_from_json, to_json
from stdwatch.store import DocumentRepository, create_engine_for, migrate
from tests.conftest import demo_records, dispose


def _records(count: int) -> list[Record]:
    return [
        record_from_json({"code": f"Q/BULK {n}-2024", "title_zh": f"茶叶检验规程 第{n}部分"})
        for n in range(1, count + 1)
    ]


@pytest.fixture
def backend(es_url: str, analyzer: Analyzer) -> Any:
    made = ElasticsearchBackend(es_url, analyzer, index=f"bulk-{uuid.uuid4().hex[:8]}", bulk_size=7)
    yield made
    dispose(made)


def test_every_chunk_is_indexed_in_order(backend: ElasticsearchBackend) -> None:
    docs = [search_document(to_json(r)) for r in _records(40)]  # six chunks of 7 (bulk_size)
    backend.index(docs)
    assert backend.count() == 40
    # Sent in order: the newest-first tie-break (seq) follows the order of the documents.
    found = backend.client.search(index=backend.alias, size=40, sort=[{"seq": "asc"}])["hits"]["hits"]
    assert [h["_id"] for h in found] == [d.id for d in docs]


def test_a_rejected_document_in_an_early_chunk_is_reported(
    backend: ElasticsearchBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items fail in a request sent by the background thread: the error still reaches the caller, naming them,
    and the other chunks are indexed."""
    docs = [search_document(to_json(r)) for r in _records(30)]
    bad = docs[2].id
    real = es_module._source

    def source(indexed: IndexedDocument) -> dict[str, Any]:
        made = real(indexed)
        if made["id"] == bad:
            made["unknown_field"] = 1  # the strict mapping rejects it
        return made

    monkeypatch.setattr(es_module, "_source", source)
    with pytest.raises(SearchBackendError, match=f"rejected 1 documents: \\['{bad}'\\]"):
        backend.index(docs)
    backend._refresh(backend.alias)
    assert backend.count() == 29


def test_a_failed_request_in_the_background_is_a_backend_error(
    backend: ElasticsearchBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []
    real = es_module.helpers.bulk

    def bulk(client: Any, actions: list[dict[str, Any]], **options: Any) -> Any:
        sent.append(len(actions))
        if len(sent) == 2:
            raise TransportConnectionError("connection refused")
        return real(client, actions, **options)

    monkeypatch.setattr(es_module.helpers, "bulk", bulk)
    with pytest.raises(SearchBackendError, match="bulk request failed"):
        backend.index([search_document(to_json(r)) for r in _records(30)])
    assert len(sent) <= 3  # it stops sending at the failure (one more chunk may be on its way)


def test_a_rebuild_is_bulk_loaded_then_set_back_before_the_swap(
    es_url: str, analyzer: Analyzer, repo: DocumentRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One replica on a one-node cluster: it cannot be placed, and the rebuild must not wait for it forever.
    backend = ElasticsearchBackend(es_url, analyzer, index=f"bulk-load-{uuid.uuid4().hex[:8]}", replicas=1)
    during: list[dict[str, Any]] = []
    end_bulk_load = backend._end_bulk_load

    def watched(name: str) -> None:
        during.append(backend.client.indices.get_settings(index=name)[name]["settings"]["index"])
        assert backend.indices() != [name], "the alias moved before the index was set back"
        end_bulk_load(name)

    monkeypatch.setattr(backend, "_end_bulk_load", watched)
    try:
        repo.upsert_many(demo_records())
        assert IngestFlow(Settings(), repo, backend).rebuild() == len(demo_records())
        [(refresh, replicas)] = [(s["refresh_interval"], s["number_of_replicas"]) for s in during]
        assert (refresh, replicas) == ("-1", "0")
        [index] = backend.indices()
        now = backend.client.indices.get_settings(index=index)[index]["settings"]["index"]
        assert (now["refresh_interval"], now["number_of_replicas"]) == ("1s", "1")
        assert backend.search(SearchQuery(text="锂电池")).total >= 3  # refreshed: searchable at once
    finally:
        dispose(backend)


def _stored_sources(backend: ElasticsearchBackend) -> dict[str, dict[str, Any]]:
    hits = backend.client.search(index=backend.alias, size=1000)["hits"]["hits"]
    return {h["_id"]: {k: v for k, v in h["_source"].items() if k != "seq"} for h in hits}


def test_worker_processes_index_what_one_process_indexes(
    tmp_path: Path, es_url: str, analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search.ingest, "PARALLEL_MIN", 1)  # the demo set is small: use the workers anyway
    monkeypatch.setattr(search.ingest, "BATCH", 50)
    flows: list[IngestFlow] = []
    for workers in (1, 2):
        settings = Settings(data_dir=tmp_path / str(workers), ingest_workers=workers)
        engine = create_engine_for(settings.resolved_database_url)
        migrate(engine)
        index = f"bulk-workers-{workers}-{uuid.uuid4().hex[:8]}"
        flows.append(
            IngestFlow(settings, DocumentRepository(engine), ElasticsearchBackend(es_url, analyzer, index))
        )
    one, two = flows
    try:
        records = demo_records()
        assert one.ingest(records).indexed == two.ingest(records).indexed == len(records)
        assert two._parallel is not None  # the workers did take part
        backends = [f.backend for f in flows]
        assert isinstance(backends[0], ElasticsearchBackend) and isinstance(backends[1], ElasticsearchBackend)
        assert _stored_sources(backends[0]) == _stored_sources(backends[1])
        assert two.repo.pending_count() == 0
    finally:
        for flow in flows:
            flow.close()
            dispose(flow.backend)
