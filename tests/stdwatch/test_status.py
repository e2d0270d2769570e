"""Status as of a given day, stored with where it came from, and the daily roll (issue 10, item 6). Fixed
dates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from config.settings import Settings
from search.analysis import Analyzer
from search.ingest import IngestFlow, IngestReport
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
    found = repo.get(doc_id)
    assert found is not None, doc_id
    return found.data["status"], found.data["status_source"]


def _fixed(store: DocumentRepository, day: date) -> DocumentRepository:
    """The same store, storing standards with their status as of `day`."""
    return DocumentRepository(store.engine, today=lambda: day)


def _load(flow: IngestFlow, tmp_path: Path, *lines: dict[str, object]) -> IngestReport:
    path = tmp_path / f"standards-{len(list(tmp_path.iterdir()))}.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    report = flow.load_files([path])
    assert not report.rejected
    return report


@pytest.fixture
def flow(store: DocumentRepository, tmp_path: Path, analyzer: Analyzer) -> Iterator[IngestFlow]:
    from search.backends.sqlite_fts5 import SqliteFts5Backend

    backend = SqliteFts5Backend(tmp_path / "index.sqlite3", analyzer)
    yield IngestFlow(Settings(), _fixed(store, DAY), backend)
    backend.close()


def test_a_load_stores_each_standard_with_its_status_as_of_the_day(flow: IngestFlow, tmp_path: Path) -> None:
    records = tmp_path / "in"
    records.mkdir()
    _load(
        flow,
        records,
        {"code": "GB/T 18287-2013", "title_zh": "移动电话用锂离子蓄电池", "effective": "2014-02-01"},
        {"code": "GB/T 45565-2026", "effective": "2026-06-01"},
        {"code": "GB/T 1-2000", "status": "废止", "effective": "2000-12-01"},
        {"code": "GB/T 2-2020", "status": "现行"},
    )
    repo = flow.repo
    assert _status(repo, "gb-t-18287-2013") == ("current", "derived")
    assert _status(repo, "gb-t-45565-2026") == ("upcoming", "derived")
    assert _status(repo, "gb-t-1-2000") == ("withdrawn", "source")  # what a source stated is kept
    assert _status(repo, "gb-t-2-2020") == ("current", "source")
    # each arrived at version 1 with its status: a new record is just new, never a status change
    assert [h.data["status"] for h in repo.history("gb-t-18287-2013")] == ["current"]
    assert flow.repo.pending_count() == 0  # and the index holds those versions
    again = _load(flow, records, {"code": "GB/T 18287-2013", "effective": "2014-02-01"})
    assert (again.stored.unchanged, again.stored.restated_ids) == (1, [])  # the same line again: nothing new


def test_a_successor_in_force_makes_its_stored_predecessor_replaced(flow: IngestFlow, tmp_path: Path) -> None:
    records = tmp_path / "in"
    records.mkdir()
    _load(flow, records, {"code": "GB 31241-2014", "status": "现行", "effective": "2015-08-01"})
    _load(flow, records, {"code": "GB 31241-2022", "effective": "2024-01-01", "replaces": ["GB 31241-2014"]})
    repo = flow.repo
    assert _status(repo, "gb-31241-2022") == ("current", "derived")
    assert _status(repo, "gb-31241-2014") == ("replaced", "derived")
    assert [h.data["status"] for h in repo.history("gb-31241-2014")] == ["current", "replaced"]
    assert flow.repo.pending_count() == 0  # the predecessor's new version is indexed too


def test_a_successor_not_yet_in_force_leaves_the_predecessor_until_the_roll(
    flow: IngestFlow, tmp_path: Path
) -> None:
    records = tmp_path / "in"
    records.mkdir()
    _load(
        flow,
        records,
        {"code": "GB/T 18287-2000", "effective": "2001-01-01", "replaced_by": ["GB/T 18287-2013"]},
        {"code": "GB/T 18287-2013", "effective": "2026-02-01"},  # same load: the predecessor sees it
    )
    repo = flow.repo
    assert _status(repo, "gb-t-18287-2000") == ("current", "derived")
    assert _status(repo, "gb-t-18287-2013") == ("upcoming", "derived")
    roll_statuses(repo, date(2026, 2, 1))
    assert _status(repo, "gb-t-18287-2000") == ("replaced", "derived")
    assert _status(repo, "gb-t-18287-2013") == ("current", "derived")


def test_a_line_that_changes_only_a_title_keeps_the_derived_status(flow: IngestFlow, tmp_path: Path) -> None:
    records = tmp_path / "in"
    records.mkdir()
    _load(flow, records, {"code": "GB/T 3-2025", "effective": "2025-11-01"})
    _load(flow, records, {"code": "GB/T 3-2025", "title_en": "Three"})
    assert _status(flow.repo, "gb-t-3-2025") == ("current", "derived")
    assert [h.data["status"] for h in flow.repo.history("gb-t-3-2025")] == ["current", "current"]


def test_the_roll_stores_each_transition_as_a_new_version(store: DocumentRepository) -> None:
    store = _fixed(store, DAY)
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
    # stored with their status as of the day already: the roll that day has nothing to do
    assert _status(store, "gb-t-45565-2025") == ("current", "derived")
    assert _status(store, "gb-31241-2022") == ("upcoming", "derived")
    assert _status(store, "gb-31241-2014") == ("current", "source")  # its successor is not in force yet
    assert _status(store, "gb-t-18287-2000") == ("replaced", "derived")
    assert _status(store, "gb-t-1-2000") == ("withdrawn", "source")
    assert roll_statuses(store, DAY).changed_ids == []
    later = roll_statuses(store, date(2026, 2, 1))
    assert sorted(later.changed_ids) == ["gb-31241-2014", "gb-31241-2022"]
    assert _status(store, "gb-31241-2022") == ("current", "derived")
    assert _status(store, "gb-31241-2014") == ("replaced", "derived")
    assert [h.data["status"] for h in store.history("gb-31241-2014")] == ["current", "replaced"]
    assert [h.data["status"] for h in store.history("gb-31241-2022")] == ["upcoming", "current"]


def test_an_edition_citing_its_standard_without_a_year_replaces_older_ones(store: DocumentRepository) -> None:
    store = _fixed(store, DAY)
    store.upsert_many([record_from_json({"code": "GB/T 2-2010", "status": "现行"})])
    store.upsert_many(
        [
            record_from_json(
                {"code": "GB/T 2-2020", "status": "现行", "effective": "2020-06-01", "replaces": ["GB/T 2"]}
            )
        ]
    )
    assert _status(store, "gb-t-2-2010") == ("replaced", "derived")
    assert _status(store, "gb-t-2-2020") == ("current", "source")
    assert roll_statuses(store, DAY).changed_ids == []


def test_a_source_that_states_a_status_again_wins_until_the_day_is_rederived(
    store: DocumentRepository,
) -> None:
    store = _fixed(store, DAY)
    store.upsert_many(
        [record_from_json({"code": "GB/T 3-2025", "status": "即将实施", "effective": "2025-11-01"})]
    )
    assert _status(store, "gb-t-3-2025") == ("current", "derived")
    # a stated status the dates contradict is not believed even when stated again ...
    store.upsert_many([record_from_json({"code": "GB/T 3-2025", "status": "即将实施"})])
    assert _status(store, "gb-t-3-2025") == ("current", "derived")
    # ... but one nothing contradicts is kept as the source's
    store.upsert_many([record_from_json({"code": "GB/T 3-2025", "status": "即将实施", "effective": None})])
    assert _status(store, "gb-t-3-2025") == ("upcoming", "source")
