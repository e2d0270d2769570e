"""The filters of issue 11 (family/level, CCS, degree, adopted standard, committee, notification type, comment
deadline, open for comments), on every backend, against an oracle written from the records themselves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from search.base import SearchBackend
from search.documents import SearchDocument, search_document
from search.params import ParamError, accepted, query_from_params, to_params
from search.query import SearchQuery
from stdwatch.records import StandardRecord, TbtNotification, record_from_json, to_json
from tests.conftest import BACKENDS, demo_records, indexed_backend

SYNTHETIC = [  # SYNTHETIC records: cases the demo set lacks (a corrigendum, a group standard adopting ISO 9001)
    {
        "symbol": "G/TBT/N/SGP/97/Corr.1",
        "title": "Corrigendum to the notification on household appliances",
        "distribution_date": "2025-05-02",
        "comment_deadline": "2025-07-01",
    },
    {
        "code": "T/CAS 9001-2024",
        "title_zh": "团体标准 质量管理体系 要求",
        "published": "2024-05-01",
        "ccs": ["A00"],
        "adopts": [{"code": "ISO 9001:2015", "degree": "MOD"}],
        "responsible": "中国标准化协会, 质量分会",
    },
]
RECORDS = demo_records() + [record_from_json(obj) for obj in SYNTHETIC]
DOCS = [search_document(to_json(r)) for r in RECORDS]
STANDARDS = {r.id: r for r in RECORDS if isinstance(r, StandardRecord)}
NOTIFICATIONS = {r.id: r for r in RECORDS if isinstance(r, TbtNotification)}
TODAY = date(2021, 6, 1)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer
) -> Iterator[SearchBackend]:
    yield from indexed_backend(request, tmp_path_factory, analyzer, DOCS)


def _all(backend: SearchBackend, params: dict[str, str]) -> set[str]:
    ids: set[str] = set()
    page = 1
    while True:
        query = query_from_params({**params, "size": "100", "page": str(page)})
        result = backend.search(SearchQuery(**{**query.__dict__, "as_of": TODAY}))
        ids |= {h.id for h in result.hits}
        if len(ids) >= result.total or not result.hits:
            return ids
        page += 1


def _standards(pred: Callable[[StandardRecord], bool]) -> set[str]:
    return {i for i, r in STANDARDS.items() if pred(r)}


def _notifications(pred: Callable[[TbtNotification], bool]) -> set[str]:
    return {i for i, r in NOTIFICATIONS.items() if pred(r)}


def _symbol_type(r: TbtNotification) -> str:
    tail = r.symbol.rsplit("/", 1)[-1]
    return {"Add": "addendum", "Rev": "revision", "Corr": "corrigendum"}.get(tail.split(".")[0], "regular")


ORACLE: list[tuple[dict[str, str], Callable[[], set[str]]]] = [
    ({"family": "group"}, lambda: _standards(lambda r: r.code.startswith("T/"))),
    ({"family": "gb/t"}, lambda: _standards(lambda r: r.code.startswith("GB/T "))),
    ({"level": "national"}, lambda: _standards(lambda r: r.code.startswith(("GB", "CNS", "SS", "TR ")))),
    ({"level": "industry,local"}, lambda: _standards(lambda r: r.family.value in ("industry", "local"))),
    ({"ccs": "K"}, lambda: _standards(lambda r: any(c.startswith("K") for c in r.ccs))),
    ({"ccs": "k82"}, lambda: _standards(lambda r: "K82" in r.ccs)),
    ({"ccs": "Y09,A"}, lambda: _standards(lambda r: any(c == "Y09" or c[0] == "A" for c in r.ccs))),
    (
        {"degree": "IDT"},
        lambda: _standards(lambda r: any(a.degree and a.degree.value == "IDT" for a in r.adopts)),
    ),
    (
        {"degree": "mod,NEQ"},
        lambda: _standards(lambda r: any(a.degree and a.degree.value in ("MOD", "NEQ") for a in r.adopts)),
    ),
    (
        {"adopted": "ISO 9001:2008"},
        lambda: _standards(lambda r: any(a.code.startswith("ISO 9001") for a in r.adopts)),
    ),
    ({"committee": "中国标准化协会, 质量分会"}, lambda: {"t-cas-9001-2024"}),
    (
        {"committee": "全国茶叶标准化技术委员会"},
        lambda: _standards(lambda r: r.responsible == "全国茶叶标准化技术委员会"),
    ),
    ({"notification_type": "addendum"}, lambda: _notifications(lambda r: _symbol_type(r) == "addendum")),
    ({"notification_type": "regular"}, lambda: _notifications(lambda r: _symbol_type(r) == "regular")),
    (
        {"notification_type": "revision,corrigendum"},
        lambda: _notifications(lambda r: _symbol_type(r) in ("revision", "corrigendum")),
    ),
    (
        {"open_for_comments": "true"},
        lambda: _notifications(lambda r: r.comment_deadline is not None and r.comment_deadline >= TODAY),
    ),
    (
        {"open_for_comments": "false"},
        lambda: _notifications(lambda r: r.comment_deadline is not None and r.comment_deadline < TODAY),
    ),
    (
        {"deadline_from": "2013-01-01", "deadline_to": "2019-12-31"},
        lambda: _notifications(
            lambda r: (
                r.comment_deadline is not None
                and date(2013, 1, 1) <= r.comment_deadline <= date(2019, 12, 31)
            )
        ),
    ),
    (
        {"q": "GB 6675", "degree": "IDT"},
        lambda: _standards(lambda r: r.key.startswith("GB 6675") and any(a.degree for a in r.adopts)),
    ),
]


@pytest.mark.parametrize(
    ("params", "oracle"), ORACLE, ids=lambda v: repr(v)[:50] if isinstance(v, dict) else ""
)
def test_filter_finds_what_the_records_say(backend: SearchBackend, params: dict[str, str], oracle) -> None:
    expected = oracle()
    assert expected, "the corpus must exercise this filter"
    assert _all(backend, params) == expected


def test_open_for_comments_follows_the_clock(backend: SearchBackend) -> None:
    """The same saved query answers differently as days pass: it is resolved when the search runs."""
    query = query_from_params({"open_for_comments": "true", "size": "100"})
    early = {h.id for h in backend.search(SearchQuery(**{**query.__dict__, "as_of": date(2013, 1, 1)})).hits}
    late = {h.id for h in backend.search(SearchQuery(**{**query.__dict__, "as_of": date(2025, 6, 1)})).hits}
    assert "g-tbt-n-hkg-44-add.1" in early and "g-tbt-n-hkg-44-add.1" not in late
    assert "g-tbt-n-sgp-97-corr.1" in late
    assert to_params(query) == {"open_for_comments": ["true"]}  # saved without a frozen date


FACETED = ("family", "level", "ccs", "degree", "committee", "notification_type")


def _expected_facet(name: str, docs: list[SearchDocument]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for d in docs:
        value = d.value(name)
        if name == "ccs":
            counts.update({c[0] for c in value})
        elif isinstance(value, list):
            counts.update(set(value))
        elif value:
            counts[value] += 1
    return dict(counts)


@pytest.mark.parametrize("name", FACETED)
def test_new_facets_count_the_whole_result(backend: SearchBackend, name: str) -> None:
    result = backend.search(SearchQuery(size=1))
    expected = _expected_facet(name, DOCS)
    assert expected and result.facets[name] == expected


def test_facets_follow_the_filters(backend: SearchBackend) -> None:
    result = backend.search(query_from_params({"level": "national", "size": "1"}))
    national = [d for d in DOCS if d.level == "national"]
    assert result.total == len(national)
    assert result.facets["family"] == _expected_facet("family", national)
    assert set(result.facets["level"]) == {"national"}


def test_notification_type_comes_from_the_symbol_when_not_stated() -> None:
    by_id = {d.id: d for d in DOCS}
    assert by_id["g-tbt-n-hkg-44"].notification_type == "regular"
    assert by_id["g-tbt-n-hkg-44-add.1"].notification_type == "addendum"
    assert by_id["g-tbt-n-sgp-97-corr.1"].notification_type == "corrigendum"
    assert by_id["g-tbt-n-chn-327-rev.1"].notification_type == "revision"


# ------------------------------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"family": "patent"}, "family: unknown value"),
        ({"level": "city"}, "level: unknown value"),
        ({"ccs": "K823"}, "ccs"),
        ({"ccs": "8"}, "ccs"),
        ({"degree": "EQV"}, "degree: unknown value"),
        ({"adopted": "\x01ISO"}, "adopted"),
        ({"committee": "TC\x00"}, "committee"),
        ({"notification_type": "erratum"}, "notification_type: unknown value"),
        ({"open_for_comments": "yes"}, "open_for_comments: unknown value"),
        ({"open_for_comments": ["true", "false"]}, "open_for_comments: give one value"),
        ({"deadline_from": "2024-02-30"}, "deadline_from"),
        ({"committee": ""}, "committee: empty value"),
    ],
)
def test_bad_filter_values_are_named(params: dict, fragment: str) -> None:
    with pytest.raises(ParamError) as caught:
        query_from_params(params)
    assert fragment in str(caught.value)


def test_new_parameters_are_accepted_and_round_trip() -> None:
    params = {
        "family": ["GB/T", "group"],
        "level": ["national"],
        "ccs": ["K8"],
        "degree": ["IDT"],
        "adopted": ["ISO 9001"],
        "committee": ["State Administration for Market Regulation, National Standardization Administration"],
        "notification_type": ["addendum"],
        "open_for_comments": ["true"],
        "deadline_from": ["2024-01-01"],
        "deadline_to": ["2024-12-31"],
    }
    assert set(params) <= set(accepted())
    query = query_from_params(params)
    assert query.filters["committee"] == tuple(params["committee"])  # a comma inside one value is kept
    assert to_params(query) == params
