"""Catalogue imports (CSV and .xlsx) and the status check of a company's list of standards."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from stdwatch.catalogue import RowError, read_catalogue
from tests.conftest import ROOT


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_cns_catalogue_csv_with_bad_rows(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "cns.csv",
        [
            ["總號", "類號", "中文名稱", "公布日期", "狀態"],
            ["15598-1", "C4474", "電動自行車用鋰離子電池組", "2020-05-13", "現行"],
            ["", "", "缺總號", "", ""],
            ["4797", "Z1000", "玩具安全", "2019/1/2", "某狀態"],
            ["4797-1", "", "玩具安全－第1部", "不是日期", "現行"],
            ["14115", "", "電燈泡", "", "廢止"],
        ],
    )
    items = list(read_catalogue(path, "cns"))
    records = [i for i in items if not isinstance(i, RowError)]
    errors = [i for i in items if isinstance(i, RowError)]
    assert [r.code for r in records] == ["CNS 15598-1", "CNS 14115"]
    assert records[0].class_no == "C4474" and records[0].title_zh_hant == "電動自行車用鋰離子電池組"
    assert [e.row for e in errors] == [3, 4, 5]
    assert errors[0].reason == "no code in this row"
    assert errors[1].reason.startswith("status: unknown status '某狀態'")
    assert errors[2].reason.startswith("published: not a date") and str(errors[2]).startswith("row 5: ")


def test_xlsx_catalogue(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Standard No.", "Title", "Status"])
    sheet.append(["SS 554:2016", "Code of practice for indoor air quality", "Current"])
    sheet.append(["not a code", "x", "Current"])
    workbook.save(tmp_path / "ss.xlsx")
    items = list(read_catalogue(tmp_path / "ss.xlsx", "ss"))
    assert items[0].code == "SS 554:2016" and items[0].title_en.startswith("Code of practice")
    assert isinstance(items[1], RowError) and items[1].row == 3 and "not a code" in items[1].reason


def test_missing_code_column_and_unknown_profile(tmp_path: Path) -> None:
    path = _csv(tmp_path / "x.csv", [["名称"], ["玩具"]])
    with pytest.raises(ValueError, match="no code column"):
        list(read_catalogue(path, "generic"))
    with pytest.raises(ValueError, match="unknown profile 'nope'"):
        list(read_catalogue(path, "nope"))


def _stdwatch(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STDWATCH_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_then_check_a_company_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    records = tmp_path / "standards.jsonl"
    records.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {
                    "code": "GB 31241-2014",
                    "title_zh": "便携式电子产品用锂离子电池和电池组 安全要求",
                    "status": "replaced",
                },
                {
                    "code": "GB 31241-2022",
                    "title_zh": "便携式电子产品用锂离子电池和电池组 安全技术规范",
                    "status": "current",
                    "replaces": ["GB 31241-2014"],
                },
                {
                    "code": "GB/T 18287-2013",
                    "title_zh": "移动电话用锂离子蓄电池及蓄电池组总规范",
                    "status": "withdrawn",
                },
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert _stdwatch(data, "init").returncode == 0
    assert _stdwatch(data, "load", str(records)).returncode == 0
    company = _csv(
        tmp_path / "ours.csv",
        [
            ["标准号", "备注"],
            ["GB 31241-2014", "产品A"],
            ["GB/T 18287-2013", "B"],
            ["GB 31241", "C"],
            ["QC/T 9999-2020", "D"],
            ["乱码", "E"],
        ],
    )
    report_path = tmp_path / "report.csv"
    result = _stdwatch(data, "import-catalogue", str(company), "--check", "--out", str(report_path))
    # the unparseable code is named, the rest checked
    assert result.returncode == 1 and "row 6" in result.stderr
    with report_path.open(encoding="utf-8-sig") as handle:
        report = {row["listed"]: row for row in csv.DictReader(handle)}
    replaced = report["GB 31241-2014"]
    assert (replaced["status"], replaced["replaced_by"]) == ("replaced", "GB 31241-2022")
    assert report["GB/T 18287-2013"]["status"] == "withdrawn"
    assert (report["GB 31241"]["found"], report["GB 31241"]["status"]) == ("GB 31241-2022", "current")
    assert report["QC/T 9999-2020"]["status"] == "not in database"
    # every input row is in the report
    assert (report["乱码"]["row"], report["乱码"]["status"]) == ("6", "invalid")
    loaded = _stdwatch(data, "import-catalogue", str(company), "--profile", "generic")
    # rows that only list a code complete, never erase, what the database already knows
    assert "2 new, 0 updated, 2 unchanged, 1 rejected" in loaded.stderr
    assert "安全要求" in _stdwatch(data, "search", "GB 31241-2014").stdout
