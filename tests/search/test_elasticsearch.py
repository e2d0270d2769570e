"""Elasticsearch-specific behaviour, against the real node that the test run started."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from config.settings import Settings
from search.analysis import Analyzer
from search.backends.elasticsearch import ElasticsearchBackend
from search.base import SearchBackendError
from search.factory import backend_for
from search.query import SearchQuery
from stdwatch.records import record_from_json
from stdwatch.store import DocumentRepository
from tests.conftest import demo_records, ingest_flow


@pytest.fixture
def es_backend(backend_factory) -> ElasticsearchBackend:
    backend = backend_factory("elasticsearch")
    assert isinstance(backend, ElasticsearchBackend)
    return backend


def test_settings_select_elasticsearch(es_url: str, tmp_path: Path) -> None:
    backend = backend_for(
        Settings(data_dir=tmp_path, search_backend="elasticsearch", es_url=es_url, es_index="test-settings")
    )
    try:
        assert isinstance(backend, ElasticsearchBackend) and backend.count() == 0
    finally:
        backend.drop()
        backend.close()


def test_versioned_index_behind_an_alias_is_swapped_by_rebuild(
    es_backend: ElasticsearchBackend, repo: DocumentRepository
) -> None:
    repo.upsert_many(demo_records())
    ingest_flow(repo, es_backend).sync()
    before = es_backend.indices()
    assert len(before) == 1 and before[0].startswith(es_backend.alias + "-")
    assert ingest_flow(repo, es_backend).rebuild() == len(demo_records())
    after = es_backend.indices()
    assert len(after) == 1 and after != before
    assert not es_backend.client.indices.exists(index=before[0])  # the old index is removed after the swap
    assert es_backend.search(SearchQuery(text="锂电池")).total >= 3


def test_rebuild_under_search_load_loses_no_query(
    es_backend: ElasticsearchBackend, repo: DocumentRepository
) -> None:
    repo.upsert_many(demo_records())
    ingest_flow(repo, es_backend).sync()
    expected = es_backend.search(SearchQuery(text="标准")).total
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def load() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                result = es_backend.search(SearchQuery(text="标准"))
                if result.total != expected:
                    failures.append(f"total {result.total} != {expected}")
                answered += 1
            except SearchBackendError as exc:
                failures.append(str(exc))

    worker = threading.Thread(target=load)
    worker.start()
    try:
        for _ in range(3):
            ingest_flow(repo, es_backend).rebuild()
    finally:
        stop.set()
        worker.join(timeout=30)
    assert answered > 10
    assert failures == []


def test_failed_bulk_items_are_reported_and_stay_queued(
    es_backend: ElasticsearchBackend, repo: DocumentRepository
) -> None:
    repo.upsert_many([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})])
    index = es_backend.indices()[0]
    es_backend.client.indices.close(index=index)
    try:
        with pytest.raises(SearchBackendError):
            ingest_flow(repo, es_backend).sync()
        assert repo.pending_count() == 1
    finally:
        es_backend.client.indices.open(index=index, wait_for_active_shards="1")
    assert ingest_flow(repo, es_backend).sync() == 1
    assert repo.pending_count() == 0
    assert es_backend.search(SearchQuery(text="茶叶")).hits[0].id == "gb-t-1-2000"


def test_unreachable_server_is_a_backend_error(analyzer: Analyzer) -> None:
    with pytest.raises(SearchBackendError, match="unavailable"):
        ElasticsearchBackend("http://127.0.0.1:9", analyzer, index="nowhere", timeout=1)


def test_mapping_uses_core_features_only(es_backend: ElasticsearchBackend) -> None:
    """The README promises the mapping runs on any cluster: no analyzers beyond the built-in whitespace one."""
    mapping = es_backend.client.indices.get_mapping(index=es_backend.alias)
    properties = next(iter(mapping.values()))["mappings"]["properties"]
    analyzers = {p.get("analyzer") for p in properties.values() if p.get("type") == "text"}
    assert analyzers == {"whitespace"}
    settings = next(iter(es_backend.client.indices.get_settings(index=es_backend.alias).values()))
    assert "analysis" not in settings["settings"]["index"]


def test_an_index_of_an_older_shape_is_refused_until_rebuilt(
    es_url: str, analyzer: Analyzer, repo: DocumentRepository
) -> None:
    from search.backends.elasticsearch import INDEX_SETTINGS, MAPPING

    alias = "test-old-shape"
    old_mapping = {**MAPPING, "_meta": {"schema_version": 1}}
    first = ElasticsearchBackend(es_url, analyzer, index=alias)
    try:
        first.drop()
        first.client.indices.create(
            index=f"{alias}-old", settings=INDEX_SETTINGS, mappings=old_mapping, aliases={alias: {}}
        )
        backend = ElasticsearchBackend(es_url, analyzer, index=alias)
        assert "stdwatch index rebuild" in (backend.schema_problem() or "")
        with pytest.raises(SearchBackendError, match="stdwatch index rebuild"):
            backend.search(SearchQuery(text="标准"))
        repo.upsert_many(demo_records()[:4])
        assert ingest_flow(repo, backend).rebuild() == 4
        assert backend.schema_problem() is None and backend.search(SearchQuery()).total == 4
    finally:
        first.drop()
        first.close()
