"""A study as .xlsx (summary sheet + items sheet) and items read back from a sheet staff filled in Excel.

The items sheet's header row names the fields (`clause`, `indicator`, `domestic_kind`, `c1_value`, ... one
`c<n>_` group per counterpart, in the study's order); the summary sheet says which standard each `c<n>` is.
Reading keeps every good row and reports each bad one by its row number with the reason. Columns that
export writes for people (`c<n>_computed`, `c<n>_result`) are ignored on import, so export -> import gives
the same items.
"""

from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stdwatch.studies.judging import Cell, StudyError, item_cells, summary
from stdwatch.studies.model import Counterpart, Item, Judgment, Kind, Requirement, StudyContent

MAX_ROWS = 2000
REQ_FIELDS = ("text", "kind", "value", "value_max", "unit")
# The words staff type in Chinese sheets, besides the field values themselves.
KIND_WORDS = {
    "上限": Kind.UPPER_LIMIT,
    "≤": Kind.UPPER_LIMIT,
    "<=": Kind.UPPER_LIMIT,
    "下限": Kind.LOWER_LIMIT,
    "≥": Kind.LOWER_LIMIT,
    ">=": Kind.LOWER_LIMIT,
    "范围": Kind.RANGE,
    "等于": Kind.EXACT,
    "=": Kind.EXACT,
    "有无": Kind.PRESENCE,
    "存在": Kind.PRESENCE,
}
JUDGMENT_WORDS = {
    "严于": Judgment.STRICTER,
    "等同": Judgment.EQUIVALENT,
    "宽于": Judgment.LOOSER,
    "国内未规定": Judgment.NOT_COVERED_DOMESTIC,
    "国外未规定": Judgment.NOT_COVERED_COUNTERPART,
    "方法不同": Judgment.DIFFERENT_APPROACH,
}
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="305496")
_FILLS = {
    Judgment.STRICTER: "C6EFCE",
    Judgment.EQUIVALENT: "DDEBF7",
    Judgment.LOOSER: "FFC7CE",
    Judgment.NOT_COVERED_DOMESTIC: "FFEB9C",
    Judgment.NOT_COVERED_COUNTERPART: "FFEB9C",
    Judgment.DIFFERENT_APPROACH: "EDEDED",
}


class SheetError(ValueError):
    """A file that cannot be read as the expected sheet at all (not .xlsx, no header, unknown columns)."""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    items: list[Item]
    rejected: list[RowError]


# ---------------------------------------------------------------------------------------------- columns
def item_columns(width: int) -> list[str]:
    """The items sheet's columns for a study with `width` counterparts."""
    columns = ["clause", "indicator", *(f"domestic_{f}" for f in REQ_FIELDS)]
    for n in range(1, width + 1):
        columns += [f"c{n}_{f}" for f in REQ_FIELDS] + [f"c{n}_judgment", f"c{n}_reason"]
    return [*columns, "note"]


def _shown_columns(width: int) -> list[str]:
    return [f"c{n}_{f}" for n in range(1, width + 1) for f in ("computed", "result")]


def _header_name(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower().replace(" ", "_")


# ---------------------------------------------------------------------------------------------- reading
def _workbook_sheet(data: bytes) -> Worksheet:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, XML errors... for what is not an .xlsx
        raise SheetError(f"not a readable .xlsx file ({type(exc).__name__})") from None
    sheet = book["items"] if "items" in book.sheetnames else book.worksheets[0]
    return sheet


def read_rows(data: bytes, known: list[str], ignored: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) of each non-empty row under the header; SheetError for an unknown or
    repeated column or a sheet without the header row."""
    rows = _workbook_sheet(data).iter_rows(values_only=True)
    header = [_header_name(v) for v in next(rows, ())]
    if not any(header):
        raise SheetError("row 1: the header row is empty; it names the columns")
    unknown = [h for h in header if h and h not in known and h not in ignored]
    if unknown:
        raise SheetError(f"row 1: unknown column(s) {unknown}; the columns are {', '.join(known)}")
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        raise SheetError("row 1: a column is named twice")
    found: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        row = {h: v for h, v in zip(header, values, strict=False) if h in known and _filled(v)}
        if row:
            if len(found) >= MAX_ROWS:
                raise SheetError(f"row {number}: more than {MAX_ROWS} rows")
            found.append((number, row))
    return found


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(field: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field}: {value!r} is not a number")
    try:
        number = float(str(value).strip().replace("，", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return number


def _choice(field: str, value: Any, enum: type[Kind] | type[Judgment], words: dict[str, Any]) -> Any:
    text = _text(value)
    if not text:
        return None
    if text in words:
        return words[text]
    try:
        return enum(text.lower().replace(" ", "_"))
    except ValueError:
        allowed = ", ".join([e.value for e in enum] + list(words))
        raise ValueError(f"{field}: {text!r} is not one of {allowed}") from None


def _requirement(row: dict[str, Any], prefix: str) -> Requirement | None:
    if not any(f"{prefix}_{f}" in row for f in REQ_FIELDS):
        return None
    return Requirement(
        text=_text(row.get(f"{prefix}_text")),
        kind=_choice(f"{prefix}_kind", row.get(f"{prefix}_kind"), Kind, KIND_WORDS),
        value=_number(f"{prefix}_value", row.get(f"{prefix}_value")),
        value_max=_number(f"{prefix}_value_max", row.get(f"{prefix}_value_max")),
        unit=_text(row.get(f"{prefix}_unit")),
    )


def _item(row: dict[str, Any], width: int) -> Item:
    counterparts = tuple(
        Counterpart(
            requirement=_requirement(row, f"c{n}"),
            judgment=_choice(f"c{n}_judgment", row.get(f"c{n}_judgment"), Judgment, JUDGMENT_WORDS),
            reason=_text(row.get(f"c{n}_reason")),
        )
        for n in range(1, width + 1)
    )
    return Item(
        clause=_text(row.get("clause")),
        indicator=_text(row.get("indicator")),
        domestic=_requirement(row, "domestic"),
        counterparts=counterparts,
        note=_text(row.get("note")),
    )


def import_items(data: bytes, counterparts: tuple[str, ...]) -> ImportResult:
    """The items of a sheet for a study with these counterparts: good rows kept, bad rows named with the
    reason (a value that is not a number, units that cannot be compared, an override without a reason...)."""
    width = len(counterparts)
    items: list[Item] = []
    rejected: list[RowError] = []
    for number, row in read_rows(data, item_columns(width), _shown_columns(width)):
        try:
            item = _item(row, width)
            item_cells(item, len(items), counterparts, label=f"row {number}")
        except StudyError as exc:
            rejected.append(RowError(number, exc.message.removeprefix(f"row {number}: ")))
            continue
        except ValueError as exc:
            rejected.append(RowError(number, str(exc)))
            continue
        items.append(item)
    return ImportResult(items, rejected)


# ---------------------------------------------------------------------------------------------- writing
def _style_header(sheet: Worksheet, widths: list[int]) -> None:
    for cell in sheet[1]:
        cell.font = _HEAD_FONT
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"


def _append(sheet: Worksheet, values: list[Any]) -> None:
    """Append a row of values as values: text that starts with `=` stays text, never a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _req_values(req: Requirement | None) -> list[Any]:
    if req is None:
        return [None] * len(REQ_FIELDS)
    return [
        req.text or None,
        req.kind.value if req.kind else None,
        req.value,
        req.value_max,
        req.unit or None,
    ]


def _items_sheet(sheet: Worksheet, content: StudyContent, judged: list[list[Cell]]) -> None:
    width = len(content.counterparts)
    columns = item_columns(width)
    shown = _shown_columns(width)
    sheet.append(columns + shown)
    for item, row in zip(content.items, judged, strict=True):
        values: list[Any] = [item.clause or None, item.indicator or None, *_req_values(item.domestic)]
        results: list[Any] = []
        for cp, cell in zip(item.counterparts, row, strict=True):
            values += [
                *_req_values(cp.requirement),
                cp.judgment.value if cp.judgment else None,
                cp.reason or None,
            ]
            results += [
                cell.computed.value if cell.computed else None,
                cell.judgment.value if cell.judgment else None,
            ]
        _append(sheet, [*values, item.note or None, *results])
        for n, cell in enumerate(row):
            if cell.judgment:
                target = sheet.cell(sheet.max_row, len(columns) + 2 * n + 2)
                target.fill = PatternFill("solid", fgColor=_FILLS[cell.judgment])
    _style_header(
        sheet, [12 if c.endswith(("kind", "value", "unit", "max")) else 24 for c in columns + shown]
    )


def _summary_sheet(
    sheet: Worksheet, facts: list[tuple[str, str]], content: StudyContent, judged: list[list[Cell]]
) -> None:
    sheet.append(["field", "value"])
    for name, value in facts:
        _append(sheet, [name, value])
    for n, code in enumerate(content.counterparts, start=1):
        sheet.append([f"c{n}", code])
    sheet.append([])
    sheet.append(["judgment", *content.counterparts, "total"])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    per_cp = [summary([[row[n]] for row in judged]) for n in range(len(content.counterparts))]
    for name, total in summary(judged).items():
        sheet.append([name, *(counts[name] for counts in per_cp), total])
    _style_header(sheet, [22, 90])
    for row in sheet.iter_rows(min_row=2, max_col=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")


def study_facts(content: StudyContent, status: str, published: str) -> list[tuple[str, str]]:
    facts = [
        ("title", content.title),
        ("status", status),
        ("published", published),
        ("domestic", "; ".join(content.domestic)),
        ("counterparts", "; ".join(content.counterparts)),
        ("degree", content.degree.value if content.degree else ""),
        ("purpose", content.purpose),
        ("scope", content.scope),
        ("method", content.method),
        ("conclusion", content.conclusion),
        ("recommendations", content.recommendations),
        ("authors", "; ".join(content.authors)),
        ("reviewers", "; ".join(content.reviewers)),
    ]
    if content.illustrative:
        facts.insert(
            1, ("ILLUSTRATIVE", "the items are illustrative examples, not quotations of the standards")
        )
    return facts


def export_study(content: StudyContent, judged: list[list[Cell]], status: str, published: str) -> bytes:
    """The study as .xlsx: `summary` (facts, which standard each c<n> is, counts by judgment) and `items`."""
    book = Workbook()
    summary_sheet = book.active
    assert summary_sheet is not None
    summary_sheet.title = "summary"
    _summary_sheet(summary_sheet, study_facts(content, status, published), content, judged)
    _items_sheet(book.create_sheet("items"), content, judged)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
