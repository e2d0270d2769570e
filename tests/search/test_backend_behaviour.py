"""The search behaviour every backend must show, run unchanged against each one (tests/conftest.BACKENDS).

The corpus is the real demo dataset plus a few records marked SYNTHETIC where the demo lacks a case.
Expected results come from the documents themselves (a Python oracle), not from the backend under test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest

from search.base import SearchBackend
from search.documents import SearchDocument, index_document, search_document
from search.plan import compile_query
from search.query import SearchQuery, SortOrder
from stdwatch.records import record_from_json, to_json
from tests.conftest import BACKENDS, demo_records, indexed_backend

SYNTHETIC = [  # SYNTHETIC records: a third edition and traditional-only texts the demo set does not have
    {
        "code": "GB/T 24823-2017",
        "title_zh": "普通照明用LED模块 性能要求",
        "status": "replaced",
        "published": "2017-07-12",
    },
    {"code": "CNS 99901", "title_zh_hant": "電動自行車用鋰離子電池組安全要求", "published": "2021-03-01"},
    {
        "symbol": "G/TBT/N/SGP/99",
        "title": "Lithium-ion batteries for e-bikes",
        "distribution_date": "2025-03-03",
        "hs": ["850760"],
        "ics": ["29.220.20"],
        "description": "Safety requirements for lithium-ion batteries.",
    },
    {
        "symbol": "G/TBT/N/SGP/98",
        "title": "Portable power banks",
        "distribution_date": "2025-02-03",
        "description": "Covers power banks that contain lithium cells.",
    },
]


def corpus() -> list[SearchDocument]:
    records = demo_records() + [record_from_json(obj) for obj in SYNTHETIC]
    return [search_document(to_json(r)) for r in records]


DOCS = corpus()
BY_ID = {d.id: d for d in DOCS}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer
) -> Iterator[SearchBackend]:
    yield from indexed_backend(request, tmp_path_factory, analyzer, DOCS)


def query(
    text: str = "",
    sort: SortOrder = SortOrder.RELEVANCE,
    page: int = 1,
    size: int = 20,
    date_from: date | None = None,
    date_to: date | None = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
    as_of: date | None = None,
    **filters: tuple[str, ...],
) -> SearchQuery:
    ranges = {"date": (date_from, date_to)} if date_from or date_to else {}
    if deadline_from or deadline_to:
        ranges["deadline"] = (deadline_from, deadline_to)
    return SearchQuery(
        text=text, filters=filters, ranges=ranges, sort=sort, page=page, size=size, as_of=as_of
    )


def _all(backend: SearchBackend, **kw: object) -> list[str]:
    """Every hit id of a query, across pages."""
    first = backend.search(query(size=100, **kw))  # type: ignore[arg-type]
    ids = [h.id for h in first.hits]
    page = 2
    while len(ids) < first.total:
        more = [h.id for h in backend.search(query(size=100, page=page, **kw)).hits]  # type: ignore[arg-type]
        assert more, f"page {page} is empty after {len(ids)} of {first.total} hits"  # fail, do not loop
        ids += more
        page += 1
    return ids


# ------------------------------------------------------------------------------------------ Chinese text
def test_count(backend: SearchBackend) -> None:
    assert backend.count() == len(DOCS)


def test_simplified_and_traditional_queries_find_the_same(backend: SearchBackend) -> None:
    simplified = _all(backend, text="锂电池")
    assert simplified == _all(backend, text="鋰電池")
    assert {"gb-43854-2024", "gb-t-45565-2025", "cns-99901"} <= set(simplified)


def test_synonyms_widen_the_query(backend: SearchBackend) -> None:
    ids = _all(backend, text="锂电池")
    titles = [BY_ID[i].title for i in ids]
    assert all(
        re.search("锂|鋰|lithium", t + " ".join([*BY_ID[i].titles, BY_ID[i].body]), re.I)
        for t, i in zip(titles, ids, strict=False)
    )
    assert "gb-t-45565-2025" in ids  # titled 锂离子电池, found through the synonym


def test_every_word_must_match(backend: SearchBackend) -> None:
    both = set(_all(backend, text="电动自行车 锂电池"))
    # SGP/99 "Lithium-ion batteries for e-bikes" holds both words in English (glossary translations, issue 11).
    assert both == {"gb-43854-2024", "cns-99901", "g-tbt-n-sgp-99"}


def test_highlight_shows_original_characters(backend: SearchBackend) -> None:
    hit = next(h for h in backend.search(SearchQuery(text="电动自行车")).hits if h.id == "cns-99901")
    assert "<mark>電動自行車</mark>" in hit.highlight["title"]


def test_mixed_chinese_and_english(backend: SearchBackend) -> None:
    assert _all(backend, text="LED 照明")[0] in {"gb-t-24826-2016", "gb-t-24823-2017"}
    assert "gb-t-24826-2016" in _all(backend, text="led 术语")


def test_english_words(backend: SearchBackend) -> None:
    ids = _all(backend, text="lithium batteries")
    assert "g-tbt-n-sgp-99" in ids
    assert "gb-t-45565-2025" in ids  # "Coding regulations of lithium ion batteries"


def test_title_matches_rank_above_body_matches(backend: SearchBackend) -> None:
    ids = _all(backend, text="lithium")
    title_hits = [i for i in ids if "lithium" in " ".join(BY_ID[i].titles).lower()]
    body_only = [i for i in ids if i not in title_hits]
    assert title_hits and body_only
    assert max(ids.index(i) for i in title_hits) < min(ids.index(i) for i in body_only)


# ------------------------------------------------------------------------------------------ codes
@pytest.mark.parametrize(
    "spelling", ["GB/T 24823-2024", "GB/T24823-2024", "GBT 24823—2024", "ＧＢ／Ｔ　２４８２３－２０２４"]
)
def test_exact_code_comes_first_in_any_spelling(backend: SearchBackend, spelling: str) -> None:
    assert backend.search(SearchQuery(text=spelling)).hits[0].id == "gb-t-24823-2024"


def test_code_without_year_finds_all_editions_newest_first(backend: SearchBackend) -> None:
    hits = [h.id for h in backend.search(SearchQuery(text="ＧＢ／Ｔ　２４８２３")).hits]
    assert hits[:3] == ["gb-t-24823-2024", "gb-t-24823-2017", "gb-t-24823-2009"]


def test_code_prefix_finds_longer_numbers(backend: SearchBackend) -> None:
    ids = _all(backend, text="GB 6675")
    assert {"gb-6675-1986", "gb-6675.1-2014", "gb-6675.2-2014"} <= set(ids)
    assert ids[0] == "gb-6675-1986"


def test_tbt_symbol_first_then_its_addenda(backend: SearchBackend) -> None:
    ids = [h.id for h in backend.search(SearchQuery(text="G/TBT/N/HKG/44")).hits]
    assert ids[:2] == ["g-tbt-n-hkg-44", "g-tbt-n-hkg-44-add.1"]
    assert backend.search(SearchQuery(text="g/tbt/n/hkg/44/add.1")).hits[0].id == "g-tbt-n-hkg-44-add.1"


def test_adopted_standard_code_finds_the_adopter(backend: SearchBackend) -> None:
    assert "cns-12681" in _all(backend, text="ISO 9001")


# ------------------------------------------------------------------------------------------ safety
@pytest.mark.parametrize(
    "text",
    [
        '"玩具',
        "玩具*",
        "NEAR(玩具 安全)",
        "(((",
        "玩具 AND OR NOT",
        "{title}: 玩具",
        "-玩具",
        "^玩具",
        "玩具:安全",
        "'; DROP TABLE docs; --",
        "\\",
        "*",
        '""',
    ],
)
def test_query_syntax_in_user_input_is_searched_as_text(backend: SearchBackend, text: str) -> None:
    result = backend.search(SearchQuery(text=text))
    as_words = backend.search(SearchQuery(text=re.sub(r"[^\w]+", " ", text)))
    assert [h.id for h in result.hits] == [h.id for h in as_words.hits]
    assert result.total == as_words.total
    if re.sub(r"[^\w]+", "", text) == "玩具":
        assert result.total >= 3 and all("玩具" in BY_ID[h.id].title for h in result.hits[:3])
    assert backend.count() == len(DOCS)


# ------------------------------------------------------------------------------------------ filters & facets
def _oracle(pred) -> set[str]:
    return {d.id for d in DOCS if pred(d)}


@pytest.mark.parametrize(
    ("kw", "pred"),
    [
        ({"kind": ("tbt_notification",)}, lambda d: d.kind == "tbt_notification"),
        ({"region": ("tw",)}, lambda d: d.region == "tw"),
        ({"region": ("sg", "tw")}, lambda d: d.region in ("sg", "tw")),
        ({"status": ("current",)}, lambda d: d.status == "current"),
        ({"member": ("TPKM",)}, lambda d: d.member == "TPKM"),
        ({"ics": ("29.220",)}, lambda d: any(c.startswith("29.220") for c in d.ics)),
        ({"ics": ("43",)}, lambda d: any(c.startswith("43") for c in d.ics)),
        ({"hs": ("8507",)}, lambda d: any(c.startswith("8507") for c in d.hs)),
        ({"hs": ("85",)}, lambda d: any(c.startswith("85") for c in d.hs)),
        ({"date_from": date(2024, 1, 1)}, lambda d: d.date is not None and d.date >= date(2024, 1, 1)),
        (
            {"date_from": date(2019, 1, 1), "date_to": date(2019, 12, 31)},
            lambda d: d.date is not None and d.date.year == 2019,
        ),
        (
            {"kind": ("standard",), "status": ("current",), "region": ("cn",)},
            lambda d: d.kind == "standard" and d.status == "current" and d.region == "cn",
        ),
    ],
)
def test_filters_match_the_oracle(backend: SearchBackend, kw: dict, pred) -> None:
    expected = _oracle(pred)
    assert expected, "the corpus must exercise this filter"
    assert set(_all(backend, **kw)) == expected
    assert backend.search(query(**kw)).total == len(expected)


def test_text_and_filter_combine(backend: SearchBackend) -> None:
    ids = set(_all(backend, text="电池", kind=("standard",), region=("cn",)))
    assert ids and all(BY_ID[i].kind == "standard" and BY_ID[i].region == "cn" for i in ids)
    assert "cns-99901" not in ids


def test_facets_count_the_whole_result(backend: SearchBackend) -> None:
    result = backend.search(SearchQuery(size=1))
    assert result.total == len(DOCS)
    for facet, key in (("kind", "kind"), ("region", "region"), ("member", "member"), ("status", "status")):
        expected: dict[str, int] = {}
        for d in DOCS:
            value = getattr(d, key)
            if value:
                expected[value] = expected.get(value, 0) + 1
        assert result.facets[facet] == expected, facet
    years: dict[str, int] = {}
    for d in DOCS:
        if d.year:
            years[str(d.year)] = years.get(str(d.year), 0) + 1
    assert result.facets["year"] == years


def test_facets_follow_the_query(backend: SearchBackend) -> None:
    result = backend.search(SearchQuery(text="锂电池"))
    assert sum(result.facets["kind"].values()) == result.total
    ids = _all(backend, text="锂电池")
    expected: dict[str, int] = {}
    for i in ids:
        expected[BY_ID[i].region] = expected.get(BY_ID[i].region, 0) + 1
    assert result.facets["region"] == expected and sum(expected.values()) == result.total


# ------------------------------------------------------------------------------------------ sorting & paging
def test_sort_by_date(backend: SearchBackend) -> None:
    newest = backend.search(query(kind=("tbt_notification",), sort=SortOrder.NEWEST, size=100)).hits
    dated = [h.date for h in newest if h.date]
    assert dated == sorted(dated, reverse=True) and len(dated) > 10
    oldest = backend.search(query(kind=("tbt_notification",), sort=SortOrder.OLDEST, size=100)).hits
    assert [h.date for h in oldest if h.date] == sorted(dated)


def test_pages_do_not_overlap_and_cover_everything(backend: SearchBackend) -> None:
    pages = [backend.search(SearchQuery(text="标准", size=3, page=p)) for p in (1, 2, 3, 4)]
    ids = [h.id for page in pages for h in page.hits]
    assert len(ids) == len(set(ids))
    total = pages[0].total
    assert set(_all(backend, text="标准")) >= set(ids) and len(_all(backend, text="标准")) == total


def test_page_past_the_end_is_empty(backend: SearchBackend) -> None:
    result = backend.search(SearchQuery(text="玩具", page=50))
    assert result.hits == [] and result.total > 0


def test_hits_carry_what_the_api_needs(backend: SearchBackend) -> None:
    hit = backend.search(SearchQuery(text="GB 43854-2024")).hits[0]
    assert (hit.id, hit.kind, hit.code, hit.region) == ("gb-43854-2024", "standard", "GB 43854-2024", "cn")
    assert hit.title == "电动自行车用锂离子蓄电池安全技术规范"
    assert hit.date == BY_ID["gb-43854-2024"].date


# ------------------------------------------------------------------------------------------ writes
@pytest.mark.parametrize("name", BACKENDS)
def test_reindex_replaces_and_delete_removes(backend_factory, name: str) -> None:
    backend = backend_factory(name)
    doc = search_document(to_json(record_from_json({"code": "GB/T 1-2000", "title_zh": "茶叶 分类"})))
    backend.index([doc])
    assert [h.id for h in backend.search(SearchQuery(text="茶叶")).hits] == ["gb-t-1-2000"]
    changed = search_document(to_json(record_from_json({"code": "GB/T 1-2000", "title_zh": "咖啡 分类"})))
    backend.index([changed])
    assert backend.search(SearchQuery(text="茶叶")).total == 0
    assert backend.search(SearchQuery(text="咖啡")).total == 1
    backend.delete(["gb-t-1-2000", "unknown-id"])
    assert backend.search(SearchQuery(text="咖啡")).total == 0 and backend.count() == 0


@pytest.mark.parametrize("name", BACKENDS)
def test_rebuild_replaces_everything_and_clear_empties(backend_factory, name: str) -> None:
    backend = backend_factory(name)
    backend.index(DOCS[:10])
    assert backend.rebuild(iter(DOCS[10:15])) == 5
    assert backend.count() == 5
    assert {h.id for h in backend.search(SearchQuery(size=50)).hits} == {d.id for d in DOCS[10:15]}
    backend.clear()
    assert backend.count() == 0 and backend.search(SearchQuery()).total == 0


# ------------------------------------------------------------------------------------------ the plan evaluator
# Every query of this suite, and the filters: the evaluator (what the alert matcher runs) must find exactly
# what each backend finds, over the whole corpus.
EVALUATOR_QUERIES = [
    {"text": t}
    for t in (
        "锂电池",
        "鋰電池",
        "电动自行车 锂电池",
        "标准",
        "玩具",
        "茶叶",
        "LED",
        "lithium",
        "电",
        "GB/T 24823",
        "GB 43854-2024",
        "G/TBT/N/HKG/44",
        "safety requirements",
        "電動自行車",
        "技术规范 安全",
        "SS 5",
        "iso 9001",
        '"NEAR("',
        "照明",
    )
] + [
    {"kind": ("tbt_notification",)},
    {"region": ("sg", "tw")},
    {"status": ("current",)},
    {"member": ("TPKM",)},
    {"ics": ("29.220",)},
    {"hs": ("85",)},
    {"text": "电池", "kind": ("standard",), "region": ("cn",)},
    {"text": "GB 43854-2024", "ics": ("97",)},
    {"text": "lithium", "hs": ("8507",)},
    {"date_from": date(2019, 1, 1), "date_to": date(2019, 12, 31)},
    {"text": "标准", "date_from": date(2024, 1, 1)},
    # the filters of issue 11
    {"family": ("group",)},
    {"family": ("GB", "GB/T")},
    {"level": ("national",)},
    {"ccs": ("K",)},
    {"ccs": ("K82", "Y09")},
    {"degree": ("IDT",)},
    {"degree": ("MOD", "NEQ")},
    {"adopted": ("ISO 9001",)},
    {"committee": ("State Administration for Market Regulation, National Standardization Administration",)},
    {"notification_type": ("addendum",)},
    {"notification_type": ("revision", "corrigendum")},
    {"text": "GB 6675", "degree": ("IDT",)},
    {"text": "玩具", "level": ("national",)},
    {"open_for_comments": ("true",), "as_of": date(2013, 1, 1)},
    {"open_for_comments": ("false",), "as_of": date(2013, 1, 1)},
    {"deadline_from": date(2013, 1, 1), "deadline_to": date(2016, 12, 31)},
]


@pytest.mark.parametrize("kw", EVALUATOR_QUERIES, ids=lambda kw: repr(kw)[:60])
def test_plan_evaluator_agrees_with_the_backend(backend: SearchBackend, analyzer, kw: dict) -> None:
    plan = compile_query(query(**kw), analyzer)
    expected = {d.id for d in DOCS if plan.matches(index_document(d, analyzer))}
    assert set(_all(backend, **kw)) == expected


def test_code_hits_obey_classification_filters(backend: SearchBackend) -> None:
    assert "gb-43854-2024" in _all(backend, text="GB 43854-2024")
    assert _all(backend, text="GB 43854-2024", ics=("97",)) == []
    assert "gb-43854-2024" not in _all(backend, text="GB 43854-2024", hs=("01",))


@pytest.mark.parametrize("text", ["锂电池", "标准", "玩具", "LED", "安全 要求", "电动自行车"])
def test_relevance_order_follows_the_documented_tiers(backend: SearchBackend, analyzer, text: str) -> None:
    """Titles holding every word first, shorter titles first, then newest first (undated last), then the rest
    newest first; within each tier current/upcoming before replaced/withdrawn; ties in index order, latest first
    (README, search/plan.py)."""
    plan = compile_query(query(text), analyzer)
    assert plan.code is None
    position = {d.id: i for i, d in enumerate(DOCS)}

    def key(d: SearchDocument) -> tuple[int, bool, int, int, int]:
        indexed = index_document(d, analyzer)
        title = plan.title_matches(indexed)
        tier = 0 if plan.direct_title_matches(indexed) else 1 if title else 2  # cross-language titles: 1
        age = -d.date.toordinal() if d.date else 1
        stale = d.status in ("replaced", "withdrawn")
        return (tier, stale, min(len(d.title), 1023) if title else 0, age, -position[d.id])

    expected = [d.id for d in sorted((d for d in DOCS if plan.matches(index_document(d, analyzer))), key=key)]
    assert _all(backend, text=text) == expected


@pytest.mark.parametrize("text", ["锂电池", "标准", "安全 要求", "玩具", "LED"])
def test_small_pages_cut_the_ranking_where_it_is(backend: SearchBackend, text: str) -> None:
    """Pages of 2 end and start inside and across ranking tiers (a page past a tier's end skips it by its count):
    laid end to end they are the whole ranking, in order."""
    whole = _all(backend, text=text)
    assert len(whole) > 4
    paged: list[str] = []
    for page in range(1, len(whole) // 2 + 2):
        paged += [h.id for h in backend.search(query(text, size=2, page=page)).hits]
    assert paged == whole


@pytest.mark.parametrize("sort", list(SortOrder))
def test_an_exact_code_is_found_in_every_sort_order(backend: SearchBackend, sort: SortOrder) -> None:
    result = backend.search(SearchQuery(text="GB 43854-2024", sort=sort))
    assert "gb-43854-2024" in [h.id for h in result.hits]
    assert len(result.hits) == min(result.total, 10)
