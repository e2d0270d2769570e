"""A large index sync analyses in worker processes (issue 12) and indexes exactly what one process indexes;
a worker that dies loses nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

import search.ingest
from config.settings import Settings
from search.analysis import Analyzer
from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.ingest import IngestFlow
from search.query import SearchQuery
from stdwatch.records import Record
from stdwatch.store import DocumentRepository, create_engine_for, migrate
from tests.conftest import demo_records


def _flow(tmp_path: Path, analyzer: Analyzer, workers: int) -> IngestFlow:
    settings = Settings(data_dir=tmp_path, ingest_workers=workers)
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    return IngestFlow(
        settings, DocumentRepository(engine), SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    )


def _indexed_rows(path: Path) -> list[tuple[str, ...]]:
    """Every document's id with the token rows FTS5 holds for it (rowids aside)."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT d.id, f.title_tok, f.title_bg, f.body_tok, f.body_bg, f.codes, f.tags "
        "FROM docs d JOIN fts f ON f.rowid = d.rowid ORDER BY d.id"
    ).fetchall()
    conn.close()
    return rows


@pytest.fixture
def records() -> list[Record]:
    return demo_records()


def test_workers_index_what_one_process_indexes(
    tmp_path: Path, analyzer: Analyzer, records: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search.ingest, "PARALLEL_MIN", 1)  # the demo set is small: use the workers anyway
    monkeypatch.setattr(search.ingest, "BATCH", 50)
    one = _flow(tmp_path / "one", analyzer, workers=1)
    two = _flow(tmp_path / "two", analyzer, workers=2)
    assert one.ingest(records).indexed == two.ingest(records).indexed == len(records)
    assert two._parallel is not None and two._parallel._pool is not None  # the workers did take part
    assert one._parallel is None
    assert two.repo.pending_count() == 0
    assert _indexed_rows(tmp_path / "two" / "index.sqlite3") == _indexed_rows(
        tmp_path / "one" / "index.sqlite3"
    )
    assert (
        two.backend.search(SearchQuery(text="锂电池")).total
        == one.backend.search(SearchQuery(text="锂电池")).total
    )
    two.close()


def test_a_dead_worker_loses_nothing(
    tmp_path: Path,
    analyzer: Analyzer,
    records: list[Record],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(search.ingest, "PARALLEL_MIN", 1)
    monkeypatch.setattr(search.ingest, "BATCH", 50)
    flow = _flow(tmp_path, analyzer, workers=2)
    flow.ingest(records[:60])
    assert flow._parallel is not None and flow._parallel._pool is not None
    for pid in list(flow._parallel._pool._processes):  # kill the worker, as the OOM killer would
        os.kill(pid, signal.SIGKILL)
    report = flow.ingest(records[60:])
    assert "analysis worker process died" in caplog.text
    assert report.indexed == len(records) - 60
    assert flow.repo.pending_count() == 0
    assert flow.backend.count() == len(records)
    flow.close()


def test_the_pipeline_writes_each_document_once_in_batches(
    tmp_path: Path, analyzer: Analyzer, records: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers prepare batch k+1 while batch k is written: the batch in flight must not be read again."""
    monkeypatch.setattr(search.ingest, "PARALLEL_MIN", 1)
    monkeypatch.setattr(search.ingest, "BATCH", 40)
    flow = _flow(tmp_path, analyzer, workers=2)
    written: list[list[str]] = []
    write = flow.backend.index_prepared  # type: ignore[attr-defined]

    def recording(rows: list[tuple[str, ...]]) -> None:
        written.append([row[0] for row in rows])
        write(rows)

    monkeypatch.setattr(flow.backend, "index_prepared", recording)
    assert flow.ingest(records).indexed == len(records)
    ids = [doc_id for batch in written for doc_id in batch]
    assert sorted(ids) == sorted({r.id for r in records}) and len(ids) == len(set(ids))
    assert len(written) == -(-len(records) // 40)
    flow.close()
