"""The index follows the store through the durable queue; a failed backend loses nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search.analysis import Analyzer
from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.base import IndexSchemaError, SearchBackendError
from search.query import SearchQuery
from stdwatch.records import record_from_json
from stdwatch.store import DocumentRepository
from tests.conftest import demo_records, ingest_flow


def test_sync_indexes_everything_queued_once(
    repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer
) -> None:
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    repo.upsert_many(demo_records())
    assert ingest_flow(repo, backend).sync() == len(demo_records())
    assert backend.count() == len(demo_records())
    assert ingest_flow(repo, backend).sync() == 0


def test_a_locked_index_fails_loudly_and_the_next_sync_catches_up(
    repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer
) -> None:
    path = tmp_path / "index.sqlite3"
    backend = SqliteFts5Backend(path, analyzer, busy_timeout=0.2)
    repo.upsert_many([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})])
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the index: a real write failure
    with pytest.raises(SearchBackendError, match="index write failed"):
        ingest_flow(repo, backend).sync()
    assert repo.pending_count() == 1
    blocker.execute("ROLLBACK")
    blocker.close()
    assert ingest_flow(repo, backend).sync() == 1
    assert repo.pending_count() == 0
    assert backend.search(SearchQuery(text="茶叶")).hits[0].id == "gb-t-1-2000"


def test_rebuild_starts_from_the_store(repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer) -> None:
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    repo.upsert_many(demo_records()[:20])
    ingest_flow(repo, backend).sync()
    backend.delete([d.id for d in repo.get_many([r.id for r in demo_records()[:5]])])
    assert backend.count() == 15
    assert ingest_flow(repo, backend).rebuild() == 20
    assert backend.count() == 20


class Recorder:
    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def documents_changed(self, ids) -> None:
        self.seen.append(sorted(ids))


def test_listeners_hear_what_each_sync_indexed(
    repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer
) -> None:
    recorder = Recorder()
    flow = ingest_flow(repo, SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer), [recorder])
    first = flow.ingest([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})])
    assert (first.stored.new, first.indexed) == (1, 1)
    again = flow.ingest([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})])
    assert (again.stored.unchanged, again.indexed) == (1, 0)  # nothing new: nobody is told
    flow.ingest([record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类", "status": "废止"})])
    assert recorder.seen == [["gb-t-1-2000"], ["gb-t-1-2000"]]


def test_a_failing_listener_does_not_undo_indexing(
    repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer
) -> None:
    class Broken:
        def documents_changed(self, ids) -> None:
            raise RuntimeError("boom")

    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    report = ingest_flow(repo, backend, [Broken()]).ingest(demo_records()[:3])
    assert report.indexed == 3 and repo.pending_count() == 0 and backend.count() == 3


def test_an_index_of_an_older_shape_is_refused_until_rebuilt(
    repo: DocumentRepository, tmp_path: Path, analyzer: Analyzer
) -> None:
    path = tmp_path / "index.sqlite3"
    backend = SqliteFts5Backend(path, analyzer)
    flow = ingest_flow(repo, backend)
    flow.ingest(demo_records()[:5])
    with sqlite3.connect(path) as conn:  # what an index built before schema versions looks like
        conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    backend.close()
    old = SqliteFts5Backend(path, analyzer)
    assert "stdwatch index rebuild" in (old.schema_problem() or "")
    with pytest.raises(IndexSchemaError, match="stdwatch index rebuild"):
        old.search(SearchQuery(text="标准"))
    assert ingest_flow(repo, old).rebuild() == 5
    assert old.schema_problem() is None and old.search(SearchQuery()).total == 5
