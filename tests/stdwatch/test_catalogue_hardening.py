"""Catalogue import robustness and the --check report (issue 10, item 4), with a hypothesis fuzz over
generated hostile rows in the encodings Chinese Excel saves (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from typer.testing import CliRunner

from api.cli import app
from config.settings import get_settings
from stdwatch.catalogue import CatalogueError, ListedCode, RowError, read_catalogue, read_listed_codes
from stdwatch.records import TEXT_LIMIT, record_from_json
from stdwatch.store import DocumentRepository

HEADER = ["标准号", "标准名称", "发布日期", "状态"]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_the_encodings_excel_saves(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "list.csv"
    row = ["GB/T 19001-2016", "质量管理体系 要求", "2016-12-30", "现行"]
    path.write_bytes(_csv_bytes([HEADER, row], encoding))
    [record] = list(read_catalogue(path, "generic"))
    assert not isinstance(record, RowError)
    assert (record.code, record.title_zh) == ("GB/T 19001-2016", "质量管理体系 要求")


def test_undecodable_csv_names_the_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("标准号,名称\nGB/T 1-2000,好\n".encode() + b"GB/T 2-2000,\xff\xfe\xff\n")
    with pytest.raises(CatalogueError, match=r"list\.csv: row 3: not valid UTF-8"):
        list(read_catalogue(path, "generic"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("标准号,名称\nGB/T 1-2000,好\n".encode("gbk") + b"GB/T 2-2000,\x81\x20\n")
    with pytest.raises(CatalogueError, match=r"gbk\.csv: row 3: not UTF-8, UTF-16 or GB18030"):
        list(read_catalogue(gbk, "generic"))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "not a readable .xlsx workbook"),
        (bytes(range(256)) * 10, "not a readable .xlsx workbook"),
        (None, "not a readable .xlsx workbook"),
    ],
)
def test_files_named_xlsx_that_are_not_workbooks(tmp_path: Path, content: bytes | None, why: str) -> None:
    path = tmp_path / "list.xlsx"
    if content is None:  # a zip, but not a workbook
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
    else:
        path.write_bytes(content)
    with pytest.raises(CatalogueError, match=why) as err:
        list(read_catalogue(path, "generic"))
    assert str(path) in str(err.value)


def test_empty_csv_and_oversized_cells(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CatalogueError, match=r"empty\.csv: the file is empty"):
        list(read_catalogue(empty, "generic"))
    big = tmp_path / "big.csv"
    rows = [
        HEADER,
        ["GB/T 1-2000", "x" * 200_000, "", ""],
        ["GB/T 2-2000", "y" * (TEXT_LIMIT + 1)],
        ["GB/T 3-2000", "好", "", ""],
    ]
    big.write_bytes(_csv_bytes(rows, "utf-8"))
    items = list(read_catalogue(big, "generic"))
    assert [(i.row, i.reason[:22]) for i in items if isinstance(i, RowError)] == [
        (2, "unreadable CSV row: fi"),
        (3, "title_zh: longer than "),
    ]
    assert [i.code for i in items if not isinstance(i, RowError)] == ["GB/T 3-2000"]


def test_huge_numbers_in_cells_are_rejected_rows(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["GB/T 1-2000", "日期太大", 1e300, "现行"])
    sheet["C2"].number_format = "yyyy-mm-dd"
    sheet.append(["GB/T 2-2000", "纪元毫秒太大", 10**20, "现行"])
    sheet.append(["GB/T 3-2000", "好", 45000, "现行"])
    sheet["C4"].number_format = "yyyy-mm-dd"
    workbook.save(tmp_path / "list.xlsx")
    items = list(read_catalogue(tmp_path / "list.xlsx", "generic"))
    errors = [(i.row, i.reason.split(":")[0]) for i in items if isinstance(i, RowError)]
    assert errors == [(2, "published"), (3, "published")]
    assert [i.code for i in items if not isinstance(i, RowError)] == ["GB/T 3-2000"]


# ---------------------------------------------------------------------------------------------- CLI
@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("STDWATCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0  # only init and demo create a store
    yield runner
    get_settings.cache_clear()


def test_out_without_check_is_an_error_and_loads_nothing(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "ours.csv"
    path.write_bytes(_csv_bytes([["标准号", "标准名称"], ["GB/T 1-2000", "我们的叫法"]], "utf-8"))
    result = cli.invoke(app, ["import-catalogue", str(path), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2 and "--check" in result.output
    assert "0 hits" in cli.invoke(app, ["search", "GB/T 1-2000"]).output


def test_check_reports_every_row(cli: CliRunner, tmp_path: Path) -> None:
    records = tmp_path / "standards.jsonl"
    records.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"code": "GB/T 1-2000", "title_zh": "有状态", "status": "现行"},
                {"code": "GB/T 2-2000", "title_zh": "无状态无日期"},
                {"code": "GB/T 3-2000", "title_zh": "已被代替", "replaced_by": ["GB/T 3-2020"]},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli.invoke(app, ["load", str(records)]).exit_code == 0
    listed = tmp_path / "ours.csv"
    listed.write_bytes(
        _csv_bytes(
            [
                ["标准号", "备注"],
                ["GB/T 1-2000", "a"],
                ["", "no code"],
                ["GB/T 2-2000", "b"],
                ["GB/T 9-2000", "c"],
                ["GB/T 3-2000", "d"],
                ["乱码", "e"],
            ],
            "gbk",
        )
    )
    report = tmp_path / "report.csv"
    result = cli.invoke(app, ["import-catalogue", str(listed), "--check", "--out", str(report)])
    assert result.exit_code == 1
    with report.open(encoding="utf-8-sig") as handle:
        rows = [(r["row"], r["listed"], r["status"], r["note"][:20]) for r in csv.DictReader(handle)]
    assert rows == [
        ("2", "GB/T 1-2000", "current", ""),
        ("3", "", "rejected", "no code in this row"),
        ("4", "GB/T 2-2000", "unknown", "found, but no source"),
        ("5", "GB/T 9-2000", "not in database", "no record of this st"),
        ("6", "GB/T 3-2000", "replaced", ""),
        ("7", "乱码", "invalid", "cannot parse standar"),
    ]


def test_listed_codes_ignore_other_columns(tmp_path: Path) -> None:
    path = tmp_path / "ours.csv"
    path.write_bytes(_csv_bytes([HEADER, ["GB/T 1-2000", "x", "not a date", "whatever"]], "utf-8"))
    assert list(read_listed_codes(path, "generic")) == [ListedCode(2, "GB/T 1-2000")]


# ---------------------------------------------------------------------------------------------- fuzz
_numbers = itertools.count(50_000)
_cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=20)
_bad = st.one_of(
    st.tuples(st.just("published"), st.sampled_from(["2024-02-30", "1" * 25, "不是日期", "9" * 400])),
    st.tuples(st.just("title_zh"), st.text(min_size=TEXT_LIMIT + 1, max_size=TEXT_LIMIT + 3)),
    st.tuples(st.just("status"), st.sampled_from(["某状态", "maybe"])),
    st.tuples(st.just("code"), st.sampled_from(["A" + "1" * 500 + "!", "乱码", "G/TBT/N/X"])),
)


@st.composite
def _rows(draw: st.DrawFn) -> list[tuple[list[str], str | None, str | None]]:
    """(cells, code of a good row, field a bad row must name)."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        cells = {
            "code": f"GB/T {next(_numbers)}-2020",
            "title_zh": draw(_cell).strip() or "名",
            "published": "2020-01-01",
            "status": "现行",
        }
        good = draw(st.booleans())
        field = None
        if not good:
            field, cells[field] = draw(_bad)
        out.append(
            (
                [cells["code"], cells["title_zh"], cells["published"], cells["status"]],
                cells["code"] if good else None,
                field,
            )
        )
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_fuzz_catalogue_names_every_bad_row_and_stores_every_good_one(
    rows: list[tuple[list[str], str | None, str | None]],
    encoding: str,
    tmp_path: Path,
    repo: DocumentRepository,
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(_csv_bytes([HEADER] + [cells for cells, _, _ in rows], encoding))
    items = list(read_catalogue(path, "generic"))
    errors = {i.row: i for i in items if isinstance(i, RowError)}
    repo.merge_many([i for i in items if not isinstance(i, RowError)])
    for number, (_, code, field) in enumerate(rows, 2):
        if code is not None:
            assert number not in errors and repo.get(record_from_json({"code": code}).id) is not None
        else:
            assert errors[number].reason.startswith(f"{field}: ")
