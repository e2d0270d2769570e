"""A load merges by field (issue 10, item 3): a key absent from the line keeps the stored value, JSON null
clears a field, `"_replace": true` (or read_records(replace=True)) replaces the whole record; duplicates of
one document are applied in file order whatever the batch boundaries; every line is counted. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from stdwatch.loading import LineError, read_records
from stdwatch.records import Record, record_from_json
from stdwatch.store import DocumentRepository

FULL = {
    "code": "GB/T 19001-2016",
    "title_zh": "质量管理体系 要求",
    "title_en": "Quality management systems",
    "status": "现行",
    "ics": ["03.120.10"],
    "responsible": "SAC/TC 151",
    "adopts": [{"code": "ISO 9001:2015", "degree": "IDT"}],
}
TBT = {
    "symbol": "G/TBT/N/USA/2100",
    "title": "Energy conservation program",
    "hs": ["8418.10"],
    "distribution_date": "2024-05-01",
    "comment_deadline": "2024-07-01",
}
ID = "gb-t-19001-2016"


def _load(repo: DocumentRepository, path: Path, lines: list[dict[str, object]], **kw: bool) -> list[Record]:
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return [r for r in read_records(path, **kw) if not isinstance(r, LineError)]


def test_a_partial_line_keeps_every_field_it_does_not_name(store: DocumentRepository, tmp_path: Path) -> None:
    store.upsert_many([record_from_json(FULL)])
    store.upsert_many(_load(store, tmp_path / "s.jsonl", [{"code": "GB/T 19001-2016", "status": "废止"}]))
    data = store.get(ID).data
    assert data["status"] == "withdrawn"
    assert (data["title_zh"], data["title_en"], data["ics"], data["responsible"]) == (
        "质量管理体系 要求",
        "Quality management systems",
        ["03.120.10"],
        "SAC/TC 151",
    )
    assert data["adopts"] == [{"code": "ISO 9001:2015", "degree": "IDT"}]
    assert [h.version for h in store.history(ID)] == [1, 2]


def test_a_chinese_title_for_a_tbt_symbol_keeps_the_rest(store: DocumentRepository, tmp_path: Path) -> None:
    store.upsert_many([record_from_json(TBT)])
    line = {"symbol": "G/TBT/N/USA/2100", "title_zh": "节能计划"}
    store.upsert_many(_load(store, tmp_path / "tbt.jsonl", [line]))
    data = store.get("g-tbt-n-usa-2100").data
    assert (data["title_zh"], data["title"], data["hs"], data["comment_deadline"]) == (
        "节能计划",
        "Energy conservation program",
        ["841810"],
        "2024-07-01",
    )


def test_null_clears_a_field_and_replace_replaces_the_record(
    store: DocumentRepository, tmp_path: Path
) -> None:
    store.upsert_many([record_from_json(FULL)])
    store.upsert_many(_load(store, tmp_path / "a.jsonl", [{"code": "GB/T 19001-2016", "title_en": None}]))
    data = store.get(ID).data
    assert data["title_en"] is None and data["title_zh"] == "质量管理体系 要求"
    line = {"code": "GB/T 19001-2016", "title_zh": "新", "_replace": True}
    store.upsert_many(_load(store, tmp_path / "b.jsonl", [line]))
    data = store.get(ID).data
    assert (data["title_zh"], data["ics"], data["status"], data["adopts"]) == ("新", [], None, [])
    store.upsert_many(_load(store, tmp_path / "c.jsonl", [FULL]))
    store.upsert_many(_load(store, tmp_path / "d.jsonl", [{"code": "GB/T 19001-2016"}], replace=True))
    assert store.get(ID).data["title_zh"] is None


def test_a_period_resolves_when_the_distribution_date_arrives_later(
    store: DocumentRepository, tmp_path: Path
) -> None:
    store.upsert_many([record_from_json({"symbol": "G/TBT/N/CHN/1", "comment_deadline": "通报后60天"})])
    assert store.get("g-tbt-n-chn-1").data["comment_deadline"] is None
    store.upsert_many(
        _load(store, tmp_path / "t.jsonl", [{"symbol": "G/TBT/N/CHN/1", "distribution_date": "2025-01-01"}])
    )
    data = store.get("g-tbt-n-chn-1").data
    assert (data["comment_deadline"], data["comment_deadline_text"]) == ("2025-03-02", "通报后60天")


def _history(repo: DocumentRepository) -> list[tuple[int, str | None, str | None]]:
    return [(h.version, h.data["status"], h.data["title_en"]) for h in repo.history(ID)]


def test_duplicates_apply_in_file_order_whatever_the_batches(
    store: DocumentRepository, tmp_path: Path
) -> None:
    code = "GB/T 19001-2016"
    lines = [
        FULL,
        {"code": code, "status": "废止"},
        {"code": code, "title_en": "QMS"},
        {"code": code, "title_en": "QMS"},
        {"code": "GB/T 20000.1-2014"},
    ]
    records = _load(store, tmp_path / "s.jsonl", lines)
    one = store.upsert_many(records)
    in_one_batch = _history(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM document_versions")
        conn.exec_driver_sql("DELETE FROM document_links")
        conn.exec_driver_sql("DELETE FROM documents")
    results = [store.upsert_many(part) for part in (records[:2], records[2:3], records[3:])]
    assert (
        _history(store)
        == in_one_batch
        == [
            (1, "current", "Quality management systems"),
            (2, "withdrawn", "Quality management systems"),
            (3, "withdrawn", "QMS"),
        ]
    )
    assert (one.new, one.updated, one.unchanged) == (2, 2, 1)  # every line counted once
    assert sum(r.new + r.updated + r.unchanged for r in results) == len(lines)
    assert one.changed_ids == [ID, "gb-t-20000.1-2014"]
    assert store.get(ID).version == 3 and store.get(ID).data["title_en"] == "QMS"


def test_loading_the_same_lines_again_changes_nothing(store: DocumentRepository, tmp_path: Path) -> None:
    tpkm = {"symbol": "G/TBT/N/TPKM/538", "member": "台澎金马单独关税区", "comment_deadline": "待定"}
    lines = [FULL, TBT, tpkm]
    store.upsert_many(_load(store, tmp_path / "a.jsonl", lines))
    again = store.upsert_many(_load(store, tmp_path / "b.jsonl", lines))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)


def test_merge_many_keeps_what_a_catalogue_row_leaves_empty(store: DocumentRepository) -> None:
    store.upsert_many([record_from_json(FULL)])
    row = record_from_json({"code": "GB/T 19001-2016", "title_zh": None, "title_en": "QMS - Requirements"})
    store.merge_many([row])
    data = store.get(ID).data
    assert (data["title_zh"], data["title_en"]) == ("质量管理体系 要求", "QMS - Requirements")
