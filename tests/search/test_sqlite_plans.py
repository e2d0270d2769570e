"""Guards against query-plan regressions in the SQLite backend.

Measured here: letting SQLite JOIN the FTS table with filter columns can make it scan the docs table and probe
FTS per row, 100-1000x slower at 100k documents. Every statement the backend runs must keep FTS MATCH (or an
index) driving; this test reads SQLite's own plan for each.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from search.analysis import Analyzer
from search.backends.sqlite_fts5 import PLANNED_QUERIES, SqliteFts5Backend
from search.query import SearchQuery


@pytest.fixture
def conn(tmp_path: Path, analyzer: Analyzer) -> sqlite3.Connection:
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    backend.close()
    return sqlite3.connect(tmp_path / "index.sqlite3")


def _plan(conn: sqlite3.Connection, sql: str) -> list[str]:
    args = (None,) * sql.count("?")
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]


@pytest.mark.parametrize("name", ["match"])
def test_fts_statements_are_driven_by_match(conn: sqlite3.Connection, name: str) -> None:
    plan = _plan(conn, PLANNED_QUERIES[name])
    assert len(plan) == 1 and plan[0].startswith("SCAN fts VIRTUAL TABLE INDEX"), plan
    assert not any("docs" in step for step in plan)


@pytest.mark.parametrize("name", ["code_exact", "code_key", "code_prefix"])
def test_code_lookups_use_an_index(conn: sqlite3.Connection, name: str) -> None:
    plan = _plan(conn, PLANNED_QUERIES[name])
    assert any(re.search(r"USING (COVERING )?INDEX docs_code", step) for step in plan), plan
    assert not any(step.startswith("SCAN docs") and "INDEX" not in step for step in plan), plan


def test_backend_never_joins_fts_with_filter_columns(tmp_path: Path, analyzer: Analyzer) -> None:
    """Every SQL statement a filtered text search runs touches docs only by rowid or index."""
    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    statements: list[str] = []
    backend._conn().set_trace_callback(statements.append)
    backend.search(
        SearchQuery(
            text="锂电池 安全", filters={"kind": ("standard",), "status": ("current",), "ics": ("29",)}
        )
    )
    text_statements = [s for s in statements if "fts" in s and "MATCH" in s]
    assert text_statements, statements
    assert not any(" JOIN " in s.upper() or "docs" in s.split("WHERE")[0] for s in text_statements)
    backend.close()
