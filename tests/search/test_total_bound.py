"""Bounded counting (issue 12): past `count_bound` matches, the total is reported as the bound with
`total_is_lower_bound` ("10,000+", Elasticsearch's track_total_hits semantics), on both backends; below it every
figure stays exact. The bound is tiny here so a small corpus crosses it; expectations come from the documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from search.analysis import Analyzer
from search.base import SearchBackend
from search.documents import search_document
from search.query import SearchQuery
from stdwatch.records import record_from_json, to_json
from tests.conftest import BACKENDS, dispose

BOUND = 5
# 12 lithium-battery standards (newest indexed last), half withdrawn; 3 others. Titles grow longer with i so
# the documented order (current first, then shorter titles) is known.
LITHIUM: list[dict[str, Any]] = [
    {
        "code": f"GB/T {90000 + i}-2020",
        "title_zh": "锂电池" + "安全" * (i + 1),
        "status": "withdrawn" if i % 2 else "current",
        "published": f"2020-01-{i + 1:02d}",
        "ics": ["29.220.20"] if i < 3 else ["43.040"],
    }
    for i in range(12)
]
OTHERS = [
    {"code": f"GB/T {91000 + i}-2021", "title_zh": "电动自行车通用技术条件", "published": "2021-02-01"}
    for i in range(3)
]
DOCS = [search_document(to_json(record_from_json(o))) for o in LITHIUM + OTHERS]


def make(name: str, path: Path, analyzer: Analyzer, es: str | None) -> SearchBackend:
    if name == "sqlite":
        from search.backends.sqlite_fts5 import SqliteFts5Backend

        return SqliteFts5Backend(path / "index.sqlite3", analyzer, count_bound=BOUND)
    from search.backends.elasticsearch import ElasticsearchBackend

    assert es
    return ElasticsearchBackend(es, analyzer, index=f"test-{uuid.uuid4().hex[:12]}", count_bound=BOUND)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer
) -> Iterator[SearchBackend]:
    es = request.getfixturevalue("es_url") if request.param == "elasticsearch" else None
    built = make(request.param, tmp_path_factory.mktemp(request.param), analyzer, es)
    built.index(DOCS)
    yield built
    dispose(built)


def lithium(pred: Callable[[dict[str, Any]], bool] = lambda o: True) -> list[str]:
    return [str(o["code"]) for o in LITHIUM if pred(o)]


def test_more_matches_than_the_bound_report_the_bound_as_a_lower_bound(backend: SearchBackend) -> None:
    result = backend.search(SearchQuery(text="锂电池", size=3))
    assert len(lithium()) > BOUND
    assert (result.total, result.total_is_lower_bound) == (BOUND, True)
    assert len(result.hits) == 3 and {h.code for h in result.hits} <= set(lithium())
    # Facet counts are lower bounds of the true counts (over the candidates on SQLite, over the
    # first count_bound + 1 matches read on Elasticsearch).
    assert 0 < result.facets["status"].get("current", 0) <= len(lithium(lambda o: o["status"] == "current"))
    assert sum(result.facets["kind"].values()) >= BOUND


def test_below_and_at_the_bound_everything_is_exact(backend: SearchBackend) -> None:
    below = backend.search(SearchQuery(text="电动自行车"))
    assert (below.total, below.total_is_lower_bound, len(below.hits)) == (3, False, 3)
    at = backend.search(SearchQuery(text="锂电池", ranges={"date": (date(2020, 1, 8), None)}, size=3))
    assert (at.total, at.total_is_lower_bound) == (BOUND, False)  # exactly the bound: exact
    over = backend.search(SearchQuery(text="锂电池", filters={"status": ("current",)}, size=3))
    assert len(lithium(lambda o: o["status"] == "current")) == BOUND + 1
    assert (over.total, over.total_is_lower_bound) == (BOUND, True)
    exact = backend.search(SearchQuery(text="锂电池", filters={"ics": ("29",)}))
    assert (exact.total, exact.total_is_lower_bound) == (3, False)
    assert {h.code for h in exact.hits} == set(lithium(lambda o: o["ics"] == ["29.220.20"]))
    assert exact.facets["status"] == {"current": 2, "withdrawn": 1}


def test_filters_that_pass_few_of_a_broad_term_give_the_exact_answer(backend: SearchBackend) -> None:
    # The oldest-indexed matches only: the SQLite walk must reach the end of the doclist to find them.
    result = backend.search(SearchQuery(text="锂电池", filters={"status": ("current",)}, size=3))
    narrow = backend.search(
        SearchQuery(text="锂电池", filters={"status": ("current",), "ics": ("29",)}, size=20)
    )
    assert result.total_is_lower_bound
    assert (narrow.total, narrow.total_is_lower_bound) == (2, False)
    assert [h.code for h in narrow.hits] == ["GB/T 90000-2020", "GB/T 90002-2020"]


def test_the_first_page_keeps_the_documented_order(backend: SearchBackend) -> None:
    """Title matches, current before withdrawn, shorter titles first: on SQLite over the newest-indexed
    candidates, on Elasticsearch over every match; either way a page is in that order."""
    hits = backend.search(SearchQuery(text="锂电池", size=BOUND)).hits
    statuses = [h.status for h in hits]
    assert statuses == sorted(statuses, key=lambda s: s != "current")
    current = [len(h.title) for h in hits if h.status == "current"]
    assert current == sorted(current) and current


def test_exact_code_leads_a_bounded_answer(backend: SearchBackend) -> None:
    # The oldest document is outside SQLite's newest-indexed candidates; its code still makes it first.
    hits = backend.search(SearchQuery(text="GB/T 90000-2020", size=3)).hits
    assert hits[0].code == "GB/T 90000-2020"


def test_every_code_hit_leads_though_more_match_than_are_counted(backend: SearchBackend) -> None:
    # "GB/T 9000" starts ten codes (GB/T 90000-2020 ... 90009-2020), more than the bound: Elasticsearch stops
    # counting after count_bound + 1 matches; every code hit is still found and placed first, current ones
    # before withdrawn ones, each in code order.
    prefixed = [o for o in LITHIUM if str(o["code"]).startswith("GB/T 9000")]
    ranked = [o["code"] for o in sorted(prefixed, key=lambda o: o["status"] != "current")]
    result = backend.search(SearchQuery(text="GB/T 9000", size=12))
    assert len(prefixed) == 10 > BOUND and result.total >= BOUND
    assert [h.code for h in result.hits[:10]] == ranked
    narrowed = backend.search(SearchQuery(text="GB/T 9000", filters={"ics": ("29",)}, size=12))
    assert [h.code for h in narrowed.hits] == [
        c for c in ranked if c in lithium(lambda o: o["ics"] != ["43.040"])
    ]


def test_pages_within_the_first_block_do_not_overlap(backend: SearchBackend) -> None:
    first = backend.search(SearchQuery(text="锂电池", size=2, page=1)).hits
    second = backend.search(SearchQuery(text="锂电池", size=2, page=2)).hits
    assert len(first) == len(second) == 2
    assert not {h.id for h in first} & {h.id for h in second}


def test_sqlite_ranks_the_newest_indexed_candidates(tmp_path: Path, analyzer: Analyzer) -> None:
    backend = make("sqlite", tmp_path, analyzer, None)
    backend.index(DOCS)
    hits = backend.search(SearchQuery(text="锂电池", size=BOUND)).hits
    newest = lithium()[-BOUND:]  # indexed last: rowids grow in indexing order
    assert sorted(h.code for h in hits) == sorted(newest)
    backend.close()


def test_api_reports_the_flag(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", search_count_bound=BOUND)
    services = Services.from_settings(settings)
    services.flow.ingest([record_from_json(o) for o in LITHIUM + OTHERS])
    with TestClient(create_app(settings, services)) as client:
        broad = client.get("/api/search", params={"q": "锂电池", "size": "3"}).json()
        narrow = client.get("/api/search", params={"q": "电动自行车"}).json()
    assert (broad["total"], broad["total_is_lower_bound"]) == (BOUND, True)
    assert (narrow["total"], narrow["total_is_lower_bound"]) == (3, False)
    services.close()


def test_the_newest_first_walk_is_driven_by_fts5_in_its_own_order(tmp_path: Path, analyzer: Analyzer) -> None:
    """FTS5 must read the doclist backwards and stop at LIMIT: a temporary B-tree for ORDER BY would mean
    every match is read and sorted first, the very cost the bound avoids."""
    import sqlite3

    from search.backends.sqlite_fts5 import PLANNED_QUERIES

    make("sqlite", tmp_path, analyzer, None).close()
    conn = sqlite3.connect(tmp_path / "index.sqlite3")
    sql = PLANNED_QUERIES["match_newest"]
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", ("x", 1, 2))]
    assert any(step.startswith("SCAN fts VIRTUAL TABLE INDEX") for step in plan), plan
    assert not any("TEMP B-TREE" in step or "docs" in step for step in plan), plan
    conn.close()
