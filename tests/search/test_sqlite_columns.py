"""The SQLite backend's in-memory facet/filter columns after writes (issue 12): they are brought up to date by
what a write changed (new rowids, and the rowids the deletion trigger logged) instead of a 6-10 s reload at 1M;
the result must equal a fresh load of the same index, whatever the writes were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from search.analysis import Analyzer
from search.backends import sqlite_fts5
from search.backends.sqlite_fts5 import SqliteFts5Backend, _Columns
from search.documents import SearchDocument, search_document
from search.query import SearchQuery
from stdwatch.records import record_from_json, to_json


def _doc(i: int, **changes: Any) -> SearchDocument:
    data: dict[str, Any] = {
        "code": f"GB/T {70000 + i}-2020",
        "title_zh": f"锂电池安全要求 第{i}部分",
        "status": ("current", "withdrawn", "upcoming")[i % 3],
        "published": f"20{10 + i % 10}-03-01",
        "ics": [f"29.{220 + i % 3}.20"] + (["43.040"] if i % 4 == 0 else []),
        "responsible": f"全国委员会{i % 5}",
    }
    data.update(changes)
    return search_document(to_json(record_from_json(data)))


def _decoded(cols: _Columns) -> dict[str, Any]:
    """The columns as labels per live rowid (codes depend on the order values were first seen)."""
    live = np.flatnonzero(cols.alive)
    out: dict[str, Any] = {"alive": live.tolist(), "title_len": cols.title_len[live].tolist()}
    out["year"] = cols.year[live].tolist()
    for name, days in cols.dates.items():
        out[name] = days[live].tolist()
    for field, codes in cols.encoded.items():
        out[field] = [cols.labels[field][c] for c in codes[live].tolist()]
    for field, rows in cols.pair_rows.items():
        labels = cols.labels[field]
        pairs = zip(rows.tolist(), cols.pair_codes[field].tolist(), strict=True)
        out[field] = sorted((r, labels[c]) for r, c in pairs if cols.alive[r])
    return out


@pytest.fixture
def full_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts whole loads, to show that a write is applied as a change."""
    calls: list[int] = []
    real = sqlite_fts5._full_columns

    def counting(*args: Any) -> _Columns:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(sqlite_fts5, "_full_columns", counting)
    return calls


def _fresh(path: Path, analyzer: Analyzer) -> dict[str, Any]:
    other = SqliteFts5Backend(path, analyzer)
    try:
        return _decoded(other._load_columns())
    finally:
        other.close()


def test_columns_after_inserts_updates_and_deletes_equal_a_fresh_load(
    tmp_path: Path, analyzer: Analyzer, full_loads: list[int]
) -> None:
    path = tmp_path / "index.sqlite3"
    backend = SqliteFts5Backend(path, analyzer)
    backend.index([_doc(i) for i in range(30)])
    backend._load_columns()
    assert len(full_loads) == 1

    backend.index([_doc(i) for i in range(30, 40)])  # new documents: new rowids
    backend.index([_doc(3, status="replaced", ics=["97.200"]), _doc(39, title_zh="电动自行车")])  # the newest
    # document updated: deleted, then written again under the same rowid (MAX(rowid) + 1)
    backend.delete([_doc(5).id, _doc(38).id])
    updated = _decoded(backend._load_columns())
    assert len(full_loads) == 1, "the writes were applied by a full load, not as changes"
    assert updated == _fresh(path, analyzer)
    assert updated["status"].count("replaced") == 1

    hits = backend.search(SearchQuery(text="电动自行车")).hits
    assert [h.code for h in hits] == [_doc(39).code]
    backend.close()


def test_a_rebuild_reloads_the_columns_and_keeps_logging_deletions(
    tmp_path: Path, analyzer: Analyzer, full_loads: list[int]
) -> None:
    path = tmp_path / "index.sqlite3"
    backend = SqliteFts5Backend(path, analyzer)
    backend.index([_doc(i) for i in range(20)])
    backend._load_columns()
    # A rebuild renumbers the rowids and drops the trigger with the docs table: an update by the log alone would
    # be wrong here, so the schema cookie must send it to a full load.
    backend.rebuild([_doc(i, status="withdrawn") for i in range(19, -1, -1)])
    assert _decoded(backend._load_columns()) == _fresh(path, analyzer)
    loads = len(full_loads)
    backend.delete([_doc(7).id])
    backend.index([_doc(7, status="current")])
    assert _decoded(backend._load_columns()) == _fresh(path, analyzer)
    assert len(full_loads) == loads + 1  # only the fresh backend's own load
    backend.close()


@pytest.mark.parametrize("seed", range(5))
def test_pairs_of_selects_exactly_the_pairs_of_the_rowids(seed: int) -> None:
    """Few rowids take the binary-search path, many the mask path: both must select the same pairs."""
    rng = np.random.default_rng(seed)
    for _ in range(50):
        pair_rows = np.sort(rng.integers(0, 500, int(rng.integers(0, 300))))
        rowids = np.unique(rng.integers(0, 520, int(rng.integers(0, 60))))
        got = sqlite_fts5._pairs_of(pair_rows, rowids)
        expected = np.flatnonzero(np.isin(pair_rows, rowids))
        assert (np.flatnonzero(got) if got.dtype == bool else got).tolist() == expected.tolist()


def test_small_and_large_facet_counts_agree(
    tmp_path: Path, analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Short lists of values are counted in Python, long ones by numpy: the same facets either way."""
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    backend.index([_doc(i) for i in range(40)])
    cols = backend._load_columns()
    rowids = np.flatnonzero(cols.alive)
    python = SqliteFts5Backend._facets(rowids, cols)
    monkeypatch.setattr(sqlite_fts5, "_SMALL_FACET", -1)
    assert SqliteFts5Backend._facets(rowids, cols) == python
    assert python["status"] == {"current": 14, "upcoming": 13, "withdrawn": 13}
    backend.close()
