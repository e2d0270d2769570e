"""The SQLite backend's relevance tiers come from the stored title tokens of the best title candidates
(_walked_tiers) and from FTS5 title look-ups only when that walk would be long. Both must give the same pages:
here every page is compared with the one the FTS5 look-ups alone give, with a walk budget small enough that
the walk stops early, walks a whole small selection, and gives up, in turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from search.analysis import Analyzer
from search.backends import sqlite_fts5
from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.documents import SearchDocument, search_document
from search.plan import Clause, Term, TermMode
from search.query import SearchQuery, SortOrder
from stdwatch.records import record_from_json, to_json


def _standard(i: int, title: str, **more: Any) -> SearchDocument:
    data = {
        "code": f"GB/T {60000 + i}-20{10 + i % 12}",
        "title_zh": title,
        "status": ("current", "withdrawn", "current", "upcoming")[i % 4],
        "published": f"20{10 + i % 12}-0{1 + i % 9}-15",
        "ics": [("29.220.20", "43.040", "97.200")[i % 3]],
    }
    data.update(more)
    return search_document(to_json(record_from_json(data)))


def _notification(i: int, title: str, body: str) -> SearchDocument:
    return search_document(
        to_json(
            record_from_json(
                {
                    "symbol": f"G/TBT/N/EU/{900 + i}",
                    "member": "EU",
                    "distribution_date": f"2021-0{1 + i % 9}-01",
                    "title_zh": title,
                    "title": "Draft regulation",
                    "description": body,
                    "hs": ["850760"],
                }
            )
        )
    )


def _corpus() -> list[SearchDocument]:
    docs = []
    for i in range(40):  # titles of growing length: the tiers and the length key both matter
        docs.append(_standard(i, "锂离子电池" + "安全要求" * (1 + i % 5)))
    for i in range(40, 70):  # matches through the English title only (cross-language tier)
        title = "便携式电子设备用电源设备通用规范" + "附录" * (i % 3)
        docs.append(_standard(i, title, title_en="Lithium-ion batteries for portable devices"))
    for i in range(70, 120):  # body matches only
        title = (
            "电器产品技术法规草案及合格评定程序" if i % 2 else "法规"
        )  # short titles rank first when matching
        docs.append(_notification(i, title, "本法规适用于锂离子电池及其安全要求。"))
    return docs


QUERIES = [
    SearchQuery(text="锂离子电池"),
    SearchQuery(text="锂离子电池", size=1),
    SearchQuery(text="锂离子电池", size=5, page=7),
    SearchQuery(text="锂离子电池 安全要求", size=3),
    SearchQuery(text="锂离子电池", filters={"status": ("current",)}, size=7),
    SearchQuery(text="锂离子电池", filters={"ics": ("29",)}, size=4),
    SearchQuery(text="lithium ion battery", size=10),
    SearchQuery(text="安全要求", size=50),
    SearchQuery(text="法规", size=2),
    SearchQuery(text="锂离子电池", sort=SortOrder.NEWEST, size=5),
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer) -> SqliteFts5Backend:
    backend = SqliteFts5Backend(Path(tmp_path_factory.mktemp("walk")) / "index.sqlite3", analyzer)
    backend.index(_corpus())
    return backend


@pytest.mark.parametrize("budget", [1, 8, 256])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.text}-{q.size}-{q.page}")
def test_walked_tiers_give_the_pages_of_fts5_title_look_ups(
    backend: SqliteFts5Backend, query: SearchQuery, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_fts5, "_WALK_BUDGET", budget)
    walked = backend.search(query)
    monkeypatch.setattr(SqliteFts5Backend, "_walked_tiers", lambda *args: None)
    looked_up = backend.search(query)
    assert [h.id for h in walked.hits] == [h.id for h in looked_up.hits]
    assert [h.matched_via for h in walked.hits] == [h.matched_via for h in looked_up.hits]
    assert walked.total == looked_up.total and walked.facets == looked_up.facets


def test_the_walk_decides_a_page_without_a_title_look_up(backend: SqliteFts5Backend) -> None:
    """When title matches lead, the walk decides the page: no FTS5 statement beyond the main MATCH."""
    statements: list[str] = []
    backend._conn().set_trace_callback(statements.append)
    try:
        hits = backend.search(SearchQuery(text="锂离子电池", size=3)).hits
    finally:
        backend._conn().set_trace_callback(None)
    assert len(hits) == 3 and all("锂离子电池" in h.title for h in hits)
    assert sum("MATCH" in s for s in statements) == 1, statements


def test_redundant_alternatives_leave_the_match_expression(analyzer: Analyzer) -> None:
    """A translation `safety requirement` beside `safety`, a Han word inside a longer one: dropped from the OR,
    which matches the same documents with fewer doclists."""
    a, b = (
        Term("safeti", TermMode.TOKEN),
        Term("safeti requir", TermMode.WORDS, via="安全要求 -> safety requirement"),
    )
    han, longer = Term("安全", TermMode.PHRASE), Term("安全要求", TermMode.PHRASE)
    prefix, ends = Term("安", TermMode.PREFIX), Term("平安", TermMode.PHRASE)
    assert sqlite_fts5._needed_terms(Clause((a, b, han, longer, a))) == [a, han]
    # 平安 ends with 安: a document may hold it only as a run's last character, so the prefix 安* does not
    # cover it.
    assert sqlite_fts5._needed_terms(Clause((prefix, ends, longer))) == [prefix, ends]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.text}-{q.size}-{q.page}")
def test_dropping_redundant_alternatives_keeps_every_hit(
    backend: SqliteFts5Backend, query: SearchQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    simplified = backend.search(query)
    monkeypatch.setattr(sqlite_fts5, "_needed_terms", lambda clause: list(clause.terms))
    backend._plans.clear()
    whole = backend.search(query)
    assert [h.id for h in simplified.hits] == [h.id for h in whole.hits]
    assert simplified.total == whole.total and simplified.facets == whole.facets
