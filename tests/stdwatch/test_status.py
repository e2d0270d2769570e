"""Status as of a given day, stored with where it came from, and the daily roll (issue 10, item 6). Fixed
dates."""

from __future__ import annotations

from datetime import date

import pytest

from stdwatch.records import StandardRecord, Status, StatusSource, record_from_json
from stdwatch.status import derive_status, roll_statuses
from stdwatch.store import DocumentRepository

DAY = date(2026, 1, 15)


def _std(**fields: object) -> StandardRecord:
    record = record_from_json({"code": "GB/T 45565-2025", **fields})
    assert isinstance(record, StandardRecord)
    return record


@pytest.mark.parametrize(
    ("fields", "successor", "expected"),
    [
        ({"status": "即将实施", "effective": "2025-11-01"}, False, (Status.CURRENT, StatusSource.DERIVED)),
        ({"effective": "2026-03-01"}, False, (Status.UPCOMING, StatusSource.DERIVED)),
        ({"status": "现行", "effective": "2026-01-15"}, False, (Status.CURRENT, StatusSource.SOURCE)),
        ({"status": "现行", "withdrawn": "2026-01-01"}, False, (Status.WITHDRAWN, StatusSource.DERIVED)),
        (
            {"status": "现行", "withdrawn": "2026-02-01", "effective": "2020-01-01"},
            False,
            (Status.CURRENT, StatusSource.SOURCE),
        ),
        ({"status": "废止", "effective": "2020-01-01"}, True, (Status.WITHDRAWN, StatusSource.SOURCE)),
        (
            {"replaced_by": ["GB/T 45565-2026"], "effective": "2020-01-01"},
            True,
            (Status.REPLACED, StatusSource.DERIVED),
        ),
        ({"status": "被代替"}, False, (Status.REPLACED, StatusSource.SOURCE)),
        ({"status": "现行"}, False, (Status.CURRENT, StatusSource.SOURCE)),
        ({}, False, (None, None)),
        # derived once, and nothing left to derive it from
        ({"status": "upcoming", "status_source": "derived"}, False, (None, None)),
    ],
)
def test_derive_status_rules(
    fields: dict[str, object], successor: bool, expected: tuple[Status | None, StatusSource | None]
) -> None:
    assert derive_status(_std(**fields), DAY, successor) == expected


def _status(repo: DocumentRepository, doc_id: str) -> tuple[str | None, str | None]:
    data = repo.get(doc_id).data
    return data["status"], data["status_source"]


def test_the_roll_stores_each_transition_as_a_new_version(store: DocumentRepository) -> None:
    store.upsert_many(
        [
            record_from_json(r)
            for r in [
                {"code": "GB/T 45565-2025", "status": "即将实施", "effective": "2025-11-01"},
                {"code": "GB 31241-2014", "status": "现行", "effective": "2015-08-01"},
                {"code": "GB 31241-2022", "effective": "2026-02-01", "replaces": ["GB 31241-2014"]},
                {
                    "code": "GB/T 18287-2000",
                    "replaced_by": ["GB/T 18287-2013"],
                },  # successor not stored: in force
                {"code": "GB/T 1-2000", "status": "废止"},
                {"symbol": "G/TBT/N/CHN/1786", "title": "notifications have no status"},
            ]
        ]
    )
    first = roll_statuses(store, DAY)
    assert sorted(first.changed_ids) == ["gb-31241-2022", "gb-t-18287-2000", "gb-t-45565-2025"]
    assert _status(store, "gb-t-45565-2025") == ("current", "derived")
    assert _status(store, "gb-31241-2022") == ("upcoming", "derived")
    assert _status(store, "gb-31241-2014") == ("current", "source")  # its successor is not in force yet
    assert _status(store, "gb-t-18287-2000") == ("replaced", "derived")
    assert _status(store, "gb-t-1-2000") == ("withdrawn", "source")
    assert roll_statuses(store, DAY).changed_ids == []  # the same day again changes nothing
    later = roll_statuses(store, date(2026, 2, 1))
    assert sorted(later.changed_ids) == ["gb-31241-2014", "gb-31241-2022"]
    assert _status(store, "gb-31241-2022") == ("current", "derived")
    assert _status(store, "gb-31241-2014") == ("replaced", "derived")
    assert [h.data["status"] for h in store.history("gb-31241-2014")] == ["current", "replaced"]
    assert [h.data["status"] for h in store.history("gb-31241-2022")] == [None, "upcoming", "current"]


def test_an_edition_citing_its_standard_without_a_year_replaces_older_ones(store: DocumentRepository) -> None:
    store.upsert_many(
        [
            record_from_json(r)
            for r in [
                {"code": "GB/T 2-2010", "status": "现行"},
                {"code": "GB/T 2-2020", "status": "现行", "effective": "2020-06-01", "replaces": ["GB/T 2"]},
            ]
        ]
    )
    roll_statuses(store, DAY)
    assert _status(store, "gb-t-2-2010") == ("replaced", "derived")
    assert _status(store, "gb-t-2-2020") == ("current", "source")


def test_a_source_that_states_a_status_again_wins_until_the_next_roll(store: DocumentRepository) -> None:
    line = {"code": "GB/T 3-2025", "status": "即将实施", "effective": "2025-11-01"}
    store.upsert_many([record_from_json(line)])
    roll_statuses(store, DAY)
    store.upsert_many([record_from_json({"code": "GB/T 3-2025", "status": "即将实施"})])
    assert _status(store, "gb-t-3-2025") == ("upcoming", "source")
    assert roll_statuses(store, DAY).changed_ids == ["gb-t-3-2025"]
    assert _status(store, "gb-t-3-2025") == ("current", "derived")
