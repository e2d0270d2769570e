"""Ranking of codes (exact, editions, parts before longer numbers) and of status (current before replaced and
withdrawn within a tier), and bounded hits, on every backend (issue 11 items 3-4, issue 10 item 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

import pytest

from search.base import SearchBackend
from search.codes import CodeTier, code_query, code_tier, natural_key
from search.documents import search_document
from search.query import SearchQuery
from stdwatch.records import record_from_json, to_json
from tests.conftest import BACKENDS, demo_records, dispose, make_backend

SYNTHETIC = [  # SYNTHETIC records: the demo set has no GB 3 itself, no parts of it and no long scope
    {"code": "GB 3-1990", "title_zh": "合成示例标准 三", "published": "1990-01-01", "status": "current"},
    {"code": "GB 3.2-2001", "title_zh": "合成示例标准 三 第2部分", "published": "2001-01-01"},
    {"code": "GB 3.10-2001", "title_zh": "合成示例标准 三 第10部分", "published": "2001-01-01"},
    {
        "code": "GB 6675-2003",
        "title_zh": "玩具安全",
        "published": "2003-01-01",
        "status": "replaced",
        "replaced_by": ["GB 6675.1-2014"],
    },
    {
        "code": "SS 5:2010",
        "title_en": "Synthetic edition of SS 5",
        "published": "2010-01-01",
        "status": "current",
    },
]
LONG_SCOPE = "本标准规定了合成样本的范围。" * 3500 + "锂离子电池" + "后续文字。" * 500  # ~50,000 characters
LONG = {
    "symbol": "G/TBT/N/SGP/96",
    "title": "Synthetic notification with a long description",
    "distribution_date": "2025-01-02",
    "products": "合成",
}
DOCS = [search_document(to_json(r)) for r in demo_records() + [record_from_json(o) for o in SYNTHETIC]]
BY_ID = {d.id: d for d in DOCS}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer
) -> Iterator[SearchBackend]:
    es = request.getfixturevalue("es_url") if request.param == "elasticsearch" else None
    built = make_backend(request.param, tmp_path_factory.mktemp(request.param), analyzer, es)
    long = search_document(to_json(record_from_json(LONG)))
    built.index([*DOCS, long.__class__(**{**long.__dict__, "body": LONG_SCOPE})])
    yield built
    dispose(built)


def _codes(backend: SearchBackend, text: str, size: int = 40) -> list[str]:
    return [h.code for h in backend.search(SearchQuery(text=text, size=size)).hits]


# ------------------------------------------------------------------------------------------ codes
def test_ss5_and_its_parts_come_before_longer_numbers(backend: SearchBackend) -> None:
    codes = _codes(backend, "SS 5")
    ss5 = [c for c in codes if c == "SS 5:2010" or c.startswith("SS 5:")]
    longer = [codes.index(c) for c in ("SS 578:2012", "SS 590:2013")]
    assert codes[0] == "SS 5:2010"  # the standard itself (an edition of it), then its parts
    assert len(ss5) == 11 and max(codes.index(c) for c in ss5) < min(longer)
    parts = [c for c in ss5 if c != "SS 5:2010"]
    assert parts[-1] == "SS 5:Parts G1-G4:2003"  # withdrawn: after the current parts
    assert parts[:-1] == sorted(parts[:-1], key=natural_key)  # B7 before B10


def test_gb3_comes_before_gb30585_and_gb3100(backend: SearchBackend) -> None:
    codes = _codes(backend, "GB 3")
    assert codes[:3] == ["GB 3-1990", "GB 3.2-2001", "GB 3.10-2001"]
    assert {"GB 30585-2014", "GB 3100-1993"} <= set(codes[3:])


def test_an_exact_code_with_edition_then_the_other_editions(backend: SearchBackend) -> None:
    codes = _codes(backend, "GB 6675-2003")
    assert codes[0] == "GB 6675-2003"
    assert codes[1] == "GB 6675-1986"  # the other edition before the parts GB 6675.1 ...
    assert all(c.startswith("GB 6675.") for c in codes[2:9])


def test_code_tiers() -> None:
    q = code_query("SS 5")
    assert q is not None
    assert code_tier(q, "SS 5", "SS 5") is CodeTier.EXACT
    assert code_tier(q, "SS 5:2010", "SS 5") is CodeTier.EDITION
    assert code_tier(q, "SS 5:Part B7", "SS 5:Part B7") is CodeTier.PART
    assert code_tier(q, "SS 578:2012", "SS 578") is CodeTier.PREFIX
    assert code_tier(q, "SS 6", "SS 6") is None


# ------------------------------------------------------------------------------------------ status
def test_current_before_replaced_within_a_tier(backend: SearchBackend) -> None:
    hits = backend.search(SearchQuery(text="玩具安全", size=50)).hits
    statuses = [h.status for h in hits]
    assert hits[0].status not in ("replaced", "withdrawn")
    first_stale = next(i for i, s in enumerate(statuses) if s in ("replaced", "withdrawn"))
    title_tier = [h for h in hits if "玩具安全" in BY_ID[h.id].title.replace(" ", "")]
    fresh_titles = [h for h in title_tier if h.status not in ("replaced", "withdrawn")]
    assert fresh_titles and all(hits.index(h) < first_stale for h in fresh_titles)


def test_a_replaced_hit_shows_its_successor(backend: SearchBackend) -> None:
    hit = next(h for h in backend.search(SearchQuery(text="GB 6675-2003")).hits if h.id == "gb-6675-2003")
    assert hit.status == "replaced" and hit.replaced_by == ("GB 6675.1-2014",)


# ------------------------------------------------------------------------------------------ bounded hits
def test_a_hit_on_a_long_text_is_a_bounded_snippet(backend: SearchBackend) -> None:
    hit = next(
        h for h in backend.search(SearchQuery(text="锂离子电池", size=50)).hits if h.id == "g-tbt-n-sgp-96"
    )
    size = len(json.dumps(asdict(hit), ensure_ascii=False, default=str))
    assert size < 2_000, size
    assert "<mark>锂离子电池</mark>" in hit.highlight["text"]
    assert len(hit.highlight["text"].replace("<mark>", "").replace("</mark>", "")) <= 300
