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
from search.indexer import rebuild_index, sync_index
from search.query import SearchQuery
from stdwatch.records import record_from_json
from stdwatch.store import DocumentRepository
from tests.conftest import demo_records


@pytest.fixture
def es_backend(backend_factory) -> ElasticsearchBackend:
    backend = backend_factory("elasticsearch")
    assert isinstance(backend, ElasticsearchBackend)
    return backend


def test_settings_select_elasticsearch(es_url: str, tmp_path: Path) -> None:
    backend = backend_for(Settings(data_dir=tmp_path, search_backend="elasticsearch", es_url=es_url,
                                   es_index="test-settings"))
    try:
        assert isinstance(backend, ElasticsearchBackend) and backend.count() == 0
    finally:
        backend.drop()
        backend.close()


def test_versioned_index_behind_an_alias_is_swapped_by_rebuild(
        es_backend: ElasticsearchBackend, repo: DocumentRepository) -> None:
    repo.upsert_many(demo_records())
    sync_index(repo, es_backend)
    before = es_backend.indices()
    assert len(before) == 1 and before[0].startswith(es_backend.alias + "-")
    assert rebuild_index(repo, es_backend) == len(demo_records())
    after = es_backend.indices()
    assert len(after) == 1 and after != before
    assert not es_backend.client.indices.exists(index=before[0])  # the old index is removed after the swap
    assert es_backend.search(SearchQuery(text="锂电池")).total >= 3


def test_rebuild_under_search_load_loses_no_query(es_backend: ElasticsearchBackend, repo: DocumentRepository) -> None:
    repo.upsert_many(demo_records())
    sync_index(repo, es_backend)
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
            rebuild_index(repo, es_backend)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert answered > 10
    assert failures == []


def test_failed_bulk_items_are_reported_and_stay_queued(
        es_backend: ElasticsearchBackend, repo: DocumentRepository) -> None:
    repo.upsert_many([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})])
    index = es_backend.indices()[0]
    es_backend.client.indices.close(index=index)
    try:
        with pytest.raises(SearchBackendError):
            sync_index(repo, es_backend)
        assert repo.pending_count() == 1
    finally:
        es_backend.client.indices.open(index=index, wait_for_active_shards="1")
    assert sync_index(repo, es_backend) == 1
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
