"""A Singapore standard is found by any part of its code, on every backend (issue 10, item 11): the base code,
the edition, the edition with some of its amendments, the printed spelling with spaces, the reaffirmed form.

SYNTHETIC records: the codes follow the eShop's spellings (SS 638 is the real product page's standard); the
expected hits come from the codes themselves, not from the backend under test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search.base import SearchBackend
from search.documents import search_document
from search.query import SearchQuery
from stdwatch.records import record_from_json, to_json
from tests.conftest import BACKENDS, indexed_backend

SYNTHETIC = [
    {"code": "SS 638:2018+C1:2020+A1:2022", "title_en": "Code of practice for electrical installations"},
    {"code": "SS 554:2016 (2021)", "title_en": "Code of practice for indoor air quality"},
    {"code": "SS 5:Part B7:2003", "title_en": "Specification for tea"},
    {"code": "SS 6380:2019", "title_en": "Lighting"},
    {"code": "SS ISO/IEC 27001:2022+A1:2024", "title_en": "Information security management systems"},
    {"code": "BS 7671:2008+A1+A2+A3", "title_en": "Requirements for electrical installations"},
]
DOCS = [search_document(to_json(record_from_json(obj))) for obj in SYNTHETIC]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer
) -> Iterator[SearchBackend]:
    yield from indexed_backend(request, tmp_path_factory, analyzer, DOCS)


def _ids(backend: SearchBackend, text: str) -> list[str]:
    return [hit.id for hit in backend.search(SearchQuery(text=text, size=20)).hits]


@pytest.mark.parametrize(
    "text",
    [
        "SS 638",
        "SS 638:2018",
        "SS 638 : 2018",
        "SS 638:2018+A1:2022",
        "SS 638:2018+C1:2020",
        "SS 638:2018+C1:2020+A1:2022",
        "ss 638 : 2018 + c1 : 2020 + a1 : 2022",
        "ＳＳ　６３８：２０１８",
    ],
)
def test_an_amended_singapore_standard_is_found_by_any_part_of_its_code(
    backend: SearchBackend, text: str
) -> None:
    ids = _ids(backend, text)
    assert ids and ids[0] == "ss-638:2018+c1:2020+a1:2022", ids
    assert "ss-554:2016" not in ids and "bs-7671:2008+a1+a2+a3" not in ids


@pytest.mark.parametrize("text", ["SS 554", "SS 554:2016", "SS 554:2016 (2021)", "SS 554 : 2016(2021)"])
def test_a_reaffirmed_standard_is_found_with_or_without_its_reaffirmation_year(
    backend: SearchBackend, text: str
) -> None:
    assert _ids(backend, text)[:1] == ["ss-554:2016"]


def test_the_exact_amended_code_comes_before_a_longer_number(backend: SearchBackend) -> None:
    ids = _ids(backend, "SS 638:2018+C1:2020+A1:2022")
    assert ids[0] == "ss-638:2018+c1:2020+a1:2022"
    if "ss-6380:2019" in ids:  # a longer number may follow as a prefix hit, never first
        assert ids.index("ss-6380:2019") > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SS ISO/IEC 27001", "ss-iso-iec-27001:2022+a1:2024"),
        ("SS ISO/IEC 27001:2022", "ss-iso-iec-27001:2022+a1:2024"),
        ("BS 7671+A1-A3 : 2008", "bs-7671:2008+a1+a2+a3"),
        ("BS 7671", "bs-7671:2008+a1+a2+a3"),
    ],
)
def test_adopted_and_prefixed_singapore_codes(backend: SearchBackend, text: str, expected: str) -> None:
    assert _ids(backend, text)[:1] == [expected]
