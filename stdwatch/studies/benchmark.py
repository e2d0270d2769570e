"""Benchmarking a product against a published study (对标达标): each indicator the company measured is tested
against the domestic and every counterpart requirement of the study's item with that indicator, with the same
unit conversion as the study's own comparison. Nothing here keeps what was uploaded."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from stdwatch.studies.compare import CompareError, satisfies
from stdwatch.studies.model import Item, Requirement, StudyContent
from stdwatch.studies.report import describe
from stdwatch.studies.sheets import _append, _number, _style_header, _text, read_rows

COLUMNS = ["indicator", "value", "unit", "clause"]
ALIASES = {
    "指标": "indicator",
    "检测项目": "indicator",
    "数值": "value",
    "实测值": "value",
    "单位": "unit",
    "条款": "clause",
}
MEETS, FAILS, BY_HAND, NOT_COVERED = "meets", "does not meet", "check by hand", "not covered"
_FILLS = {MEETS: "C6EFCE", FAILS: "FFC7CE"}


@dataclass(frozen=True)
class Verdict:
    requirement: str
    result: str


@dataclass(frozen=True)
class BenchmarkLine:
    row: int
    indicator: str
    value: Any
    unit: str
    clause: str  # the study item's clause, once matched
    verdicts: list[Verdict]  # domestic first, then each counterpart; empty when the row was not judged
    problem: str = ""  # why the row was not judged


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _verdict(req: Requirement | None, value: float, unit: str, row: str) -> Verdict:
    if req is None:
        return Verdict(describe(None), NOT_COVERED)
    try:
        met = satisfies(req, value, unit, row)
    except CompareError as exc:
        return Verdict(describe(req), f"error: {exc}")
    return Verdict(describe(req), BY_HAND if met is None else MEETS if met else FAILS)


def _judge(row: int, fields: dict[str, Any], items: list[Item]) -> list[BenchmarkLine]:
    indicator, unit = _text(fields.get("indicator")), _text(fields.get("unit"))
    clause = _text(fields.get("clause"))
    line = BenchmarkLine(row, indicator, fields.get("value"), unit, clause, [])
    try:
        value = _number("value", fields.get("value"))
    except ValueError as exc:
        return [BenchmarkLine(**{**line.__dict__, "problem": str(exc)})]
    if not indicator or value is None:
        return [BenchmarkLine(**{**line.__dict__, "problem": "a row needs an indicator and a value"})]
    matched = [
        i for i in items if _key(i.indicator) == _key(indicator) and (not clause or i.clause == clause)
    ]
    if not matched:
        return [BenchmarkLine(**{**line.__dict__, "problem": "no item of the study has this indicator"})]
    lines = []
    for item in matched:
        sides = [item.domestic, *(cp.requirement for cp in item.counterparts)]
        verdicts = [_verdict(req, value, unit, f"row {row}") for req in sides]
        lines.append(BenchmarkLine(row, indicator, value, unit, item.clause, verdicts))
    return lines


def benchmark(content: StudyContent, data: bytes) -> list[BenchmarkLine]:
    """Every uploaded row judged (or with the reason it was not); SheetError for a file that is not such a
    sheet at all."""
    rows = read_rows(data, [*COLUMNS, *ALIASES], [])
    lines = []
    for number, raw in rows:
        fields = {ALIASES.get(k, k): v for k, v in raw.items()}
        lines += _judge(number, fields, list(content.items))
    return lines


def benchmark_xlsx(content: StudyContent, study_id: int, lines: list[BenchmarkLine]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "benchmark"
    sides = [*content.domestic[:1], *content.counterparts]
    header = ["row", "indicator", "value", "unit", "clause"]
    for code in sides:
        header += [f"{code} requirement", f"{code} result"]
    sheet.append([*header, "problem"])
    for line in lines:
        cells: list[Any] = [line.row, line.indicator, line.value, line.unit, line.clause]
        for verdict in line.verdicts or [Verdict("", "")] * len(sides):
            cells += [verdict.requirement, verdict.result]
        _append(sheet, [*cells, line.problem or None])
        for i, verdict in enumerate(line.verdicts):
            if verdict.result in _FILLS:
                sheet.cell(sheet.max_row, 7 + 2 * i).fill = PatternFill(
                    "solid", fgColor=_FILLS[verdict.result]
                )
    _style_header(sheet, [6, 24, 10, 10, 10, *([28, 14] * len(sides)), 40])
    about = book.create_sheet("study")
    about.append(["study", f"#{study_id} {content.title}"])
    if content.illustrative:
        about.append(["ILLUSTRATIVE", "the study's items are examples, not quotations of the standards"])
    about.append(["note", "the uploaded indicators were judged and not stored"])
    about["A1"].font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
