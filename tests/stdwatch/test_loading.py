"""Reading record files: good lines load, bad lines are named with file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stdwatch.loading import LineError, kind_for, read_records, record_files
from stdwatch.records import Kind, StandardRecord, TbtNotification


def test_kind_from_file_name_or_option(tmp_path: Path) -> None:
    assert kind_for(Path("standards.jsonl")) is Kind.STANDARD
    assert kind_for(Path("tbt_notifications.jsonl")) is Kind.TBT
    assert kind_for(Path("mine.jsonl")) is None
    assert kind_for(Path("mine.jsonl"), Kind.TBT) is Kind.TBT


def test_bad_lines_are_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "standards.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"code": "GB/T 19001-2016", "title_zh": "质量管理体系 要求"}, ensure_ascii=False),
                '{"code": "GB/T 1.1-2020", broken',
                "",
                json.dumps({"code": "nonsense"}),
                json.dumps({"code": "GB 31241-2022"}),
            ]
        ),
        encoding="utf-8",
    )
    items = list(read_records(path))
    good = [i for i in items if not isinstance(i, LineError)]
    bad = [i for i in items if isinstance(i, LineError)]
    assert [r.code for r in good] == ["GB/T 19001-2016", "GB 31241-2022"]
    assert [(e.line, e.path) for e in bad] == [(2, path), (4, path)]
    assert "invalid JSON" in bad[0].reason
    assert "nonsense" in bad[1].reason
    assert str(bad[0]).startswith(f"{path}:2: ")


def test_folder_loads_every_jsonl_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "tbt_notifications.jsonl").write_text(json.dumps({"symbol": "G/TBT/N/CHN/1"}) + "\n")
    (tmp_path / "standards.jsonl").write_text(json.dumps({"code": "SS 554:2016"}) + "\n")
    (tmp_path / "notes.txt").write_text("not records")
    files = record_files(tmp_path)
    assert [f.name for f in files] == ["tbt_notifications.jsonl", "standards.jsonl"]
    kinds = [type(r) for f in files for r in read_records(f)]
    assert kinds == [TbtNotification, StandardRecord]


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        record_files(tmp_path / "nope.jsonl")


def test_non_utf8_file_is_reported_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "standards.jsonl"
    path.write_bytes(json.dumps({"code": "GB/T 1-2000"}).encode() + b"\n" + "标准".encode("gb18030") + b"\n")
    items = list(read_records(path))
    assert isinstance(items[0], StandardRecord)
    assert isinstance(items[1], LineError) and "UTF-8" in items[1].reason
