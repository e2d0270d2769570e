"""Facts the Singapore eShop and ePing parsers read are kept: parser -> record -> store -> /api/documents
(issue 10, items 11 and 12). Edition, reaffirmation, pages and scope of a Singapore standard (its committee is
the record's `responsible`); keywords, objectives and the notification type of a TBT notification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from crawlers.parsing import eping, sg_eshop
from stdwatch.loading import read_records
from stdwatch.records import (
    LIST_ITEM_LIMIT,
    LONG_TEXT_LIMIT,
    NotificationType,
    RecordError,
    StandardRecord,
    TbtNotification,
    apply_update,
    content_hash,
    record_from_json,
    to_json,
)
from tests.crawlers import synthetic_tbt
from tests.crawlers.sites import SAMPLES

SG_REAL_TEXT = SAMPLES / "sg_standards" / "SSPdtDetail_fd1f48ab-6e55-49f4-a725-5addcb22654e_page_text.txt"


def _sg_record() -> StandardRecord:
    data = sg_eshop.parse_product(SG_REAL_TEXT.read_text(encoding="utf-8"), "https://example.invalid/p")
    record = record_from_json(data)
    assert isinstance(record, StandardRecord)
    return record


def _eping_records(**over: object) -> list[TbtNotification]:
    records = [record_from_json(r) for r in eping.map_item(synthetic_tbt.eping_item(**over), "u")]
    assert all(isinstance(r, TbtNotification) for r in records)
    return records  # type: ignore[return-value]


def test_the_real_singapore_page_keeps_edition_pages_scope_and_committee() -> None:
    record = _sg_record()
    assert (record.code, record.edition, record.pages, record.reaffirmed) == (
        "SS 638:2018",
        "2018",
        452,
        None,
    )
    assert record.responsible == "Electrical and Electronic Standards Committee"
    assert record.scope is not None and record.scope.startswith("Applies to the design, erection")
    assert len(record.scope) > 1_000  # longer than an ordinary text field: the scope has its own limit
    again = record_from_json(to_json(record))
    assert again == record and content_hash(again) == content_hash(record)


def test_a_singapore_code_with_suffixes_is_stored_whole_and_its_reaffirmation_beside_it() -> None:
    amended = record_from_json({"code": "SS 638 : 2018 + C1 : 2020 + A1 : 2022", "edition": "2018"})
    assert isinstance(amended, StandardRecord)
    assert (amended.code, amended.id, amended.key) == (
        "SS 638:2018+C1:2020+A1:2022",
        "ss-638:2018+c1:2020+a1:2022",
        "SS 638",
    )
    reaffirmed = record_from_json({"code": "SS 554:2016 (2021)"})
    assert isinstance(reaffirmed, StandardRecord)
    assert (reaffirmed.code, reaffirmed.code_published, reaffirmed.reaffirmed) == (
        "SS 554:2016",
        "SS 554:2016 (2021)",
        "2021",
    )
    # a later line naming the edition without the year keeps the stored reaffirmation (merge by field)
    later = record_from_json({"code": "SS 554:2016", "pages": "36"})
    merged = apply_update(reaffirmed, later)
    assert isinstance(merged, StandardRecord)
    assert (merged.reaffirmed, merged.pages) == ("2021", 36)


def test_eping_keywords_objectives_and_type_reach_the_record() -> None:
    (record,) = _eping_records(
        documentSymbol="G/TBT/N/USA/2100/Add.1",
        notificationType={"id": 2, "name": "Addendum"},
        keywords=["Batteries", "E-bikes"],
        objectives=[{"name": "Protection of human health or safety"}, "Consumer information, labelling"],
    )
    assert record.keywords == ["Batteries", "E-bikes"]
    assert record.objectives == ["Protection of human health or safety", "Consumer information, labelling"]
    assert record.notification_type is NotificationType.ADDENDUM
    data = to_json(record)
    assert data["notification_type"] == "addendum" and data["keywords"] == ["Batteries", "E-bikes"]
    assert record_from_json(data) == record


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("G/TBT/N/CHN/1786", "regular"),
        ("G/TBT/N/CHN/1786/Add.2", "addendum"),
        ("G/TBT/N/CHN/1786/Corr.1", "corrigendum"),
        ("G/TBT/N/CHN/1786/Rev.1", "revision"),
        ("G/TBT/N/CHN/1786/Rev.1/Add.1", "addendum"),
    ],
)
def test_every_notification_has_its_type_from_its_symbol(symbol: str, expected: str) -> None:
    """Records from any source (not only ePing) carry the type, so a filter on it sees every notification."""
    record = record_from_json({"symbol": symbol})
    assert isinstance(record, TbtNotification)
    assert record.notification_type.value == expected
    assert record_from_json({"symbol": symbol, "notification_type": expected.upper()}) == record


def test_content_hash_and_merge_cover_the_new_fields() -> None:
    record = _sg_record()
    assert content_hash(record) != content_hash(record_from_json({**to_json(record), "pages": 453}))
    tbt = _eping_records()[0]
    changed = record_from_json({**to_json(tbt), "keywords": ["Batteries", "Chargers"]})
    assert content_hash(tbt) != content_hash(changed)
    # a line that states only the keywords keeps the objectives, and one that clears them clears only them
    only_keywords = record_from_json({"symbol": tbt.symbol, "keywords": ["Chargers"]})
    merged = apply_update(tbt, only_keywords)
    assert isinstance(merged, TbtNotification)
    assert (merged.keywords, merged.objectives) == (["Chargers"], tbt.objectives)
    cleared = apply_update(merged, record_from_json({"symbol": tbt.symbol, "objectives": None}))
    assert isinstance(cleared, TbtNotification)
    assert (cleared.keywords, cleared.objectives) == (["Chargers"], [])


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ({"code": "SS 638:2018", "scope": "x" * (LONG_TEXT_LIMIT + 1)}, "scope", "longer than the limit"),
        ({"code": "SS 638:2018", "edition": "2" * 101}, "edition", "longer than the limit of 100"),
        ({"code": "SS 638:2018", "pages": "many"}, "pages", "whole number of pages"),
        ({"code": "SS 638:2018", "pages": 0}, "pages", "whole number of pages"),
        ({"code": "SS 638:2018", "pages": 10**30}, "pages", "too large"),
        ({"code": "SS 638:2018", "pages": "9" * 5000}, "pages", "whole number of pages"),
        ({"code": "SS 638:2018", "pages": 4.5}, "pages", "whole number of pages"),
        ({"code": "SS 554:2016", "reaffirmed": "soon"}, "reaffirmed", "a year"),
        ({"symbol": "G/TBT/N/USA/1", "keywords": ["k" * (LIST_ITEM_LIMIT + 1)]}, "keywords", "longer than"),
        ({"symbol": "G/TBT/N/USA/1", "objectives": [{"name": "x"}]}, "objectives", "must be text"),
        ({"symbol": "G/TBT/N/USA/1", "keywords": ["a\x00b"]}, "keywords", "NUL"),
        ({"symbol": "G/TBT/N/USA/1", "notification_type": "addendum"}, "notification_type", "'regular'"),
        ({"symbol": "G/TBT/N/USA/1/Add.1", "notification_type": "notice"}, "notification_type", "unknown"),
    ],
)
def test_the_new_fields_have_limits_and_name_the_field_at_fault(line: dict, field: str, reason: str) -> None:
    with pytest.raises(RecordError) as err:
        record_from_json(line)
    assert err.value.field == field and reason in str(err.value)


def test_a_bad_new_field_rejects_its_line_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        {"code": "SS 638:2018", "pages": 452, "scope": "Applies to electrical installations."},
        {"code": "SS 554:2016", "pages": -3},
        {"symbol": "G/TBT/N/SGP/70", "keywords": ["Batteries"], "objectives": ["Safety"]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    items = list(read_records(path))
    assert [type(i).__name__ for i in items] == ["StandardRecord", "LineError", "TbtNotification"]
    assert str(items[1]) == f"{path}:2: pages: must be a whole number of pages from 1 to 100,000, got -3"


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services.from_settings(settings)
    yield built
    built.close()


def test_parsed_fields_are_stored_and_shown_by_the_document_api(services: Services) -> None:
    sg = _sg_record()
    addendum, base = (
        _eping_records(documentSymbol="G/TBT/N/USA/2100/Add.1", keywords=["Batteries"])[0],
        _eping_records(objectives=["Protection of the environment"])[0],
    )
    report = services.flow.ingest([sg, addendum, base], merge=True)
    assert report.stored.new == 3
    stored = services.repo.get(sg.id)
    assert stored is not None and stored.data["pages"] == 452
    with TestClient(create_app(services.settings, services)) as client:
        shown = client.get(f"/api/documents/{sg.id}").json()["record"]
        assert (shown["edition"], shown["pages"], shown["scope"]) == ("2018", 452, sg.scope)
        assert shown["responsible"] == "Electrical and Electronic Standards Committee"
        add = client.get(f"/api/documents/{addendum.id}").json()["record"]
        assert (add["notification_type"], add["keywords"]) == ("addendum", ["Batteries"])
        regular = client.get(f"/api/documents/{base.id}").json()["record"]
        assert regular["notification_type"] == "regular"
        assert regular["objectives"] == ["Protection of the environment"]
        schema = client.get("/openapi.json").json()["components"]["schemas"]["DocumentOut"]
        assert "notification_type" in schema["properties"]["record"]["description"]
