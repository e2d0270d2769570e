"""The index follows the store through the durable queue; a failed backend loses nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search.analysis import Analyzer
from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.base import SearchBackendError
from search.indexer import rebuild_index, sync_index
from search.query import SearchQuery
from stdwatch.records import record_from_json
from stdwatch.store import DocumentRepository
from tests.conftest import demo_records


def test_sync_indexes_everything_queued_once(repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer) -> None:
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    repo.upsert_many(demo_records())
    assert sync_index(repo, backend, batch_size=50) == len(demo_records())
    assert backend.count() == len(demo_records())
    assert sync_index(repo, backend) == 0


def test_a_locked_index_fails_loudly_and_the_next_sync_catches_up(
        repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer) -> None:
    path = tmp_path / "index.sqlite3"
    backend = SqliteFts5Backend(path, analyzer, busy_timeout=0.2)
    repo.upsert_many([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})])
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the index: a real write failure
    with pytest.raises(SearchBackendError, match="index write failed"):
        sync_index(repo, backend)
    assert repo.pending_count() == 1
    blocker.execute("ROLLBACK")
    blocker.close()
    assert sync_index(repo, backend) == 1
    assert repo.pending_count() == 0
    assert backend.search(SearchQuery(text="茶叶")).hits[0].id == "gb-t-1-2000"


def test_rebuild_starts_from_the_store(repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer) -> None:
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    repo.upsert_many(demo_records()[:20])
    sync_index(repo, backend)
    backend.delete([d.id for d in repo.get_many([r.id for r in demo_records()[:5]])])
    assert backend.count() == 15
    assert rebuild_index(repo, backend) == 20
    assert backend.count() == 20
