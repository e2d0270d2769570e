"""Catalogue files (CSV or .xlsx) -> standard records, through a column map per profile
(config/catalogue_profiles.toml).

Standards bodies publish classified catalogue lists, research staff keep their own, companies keep the list of
standards they apply: one reader for all of them. Each bad row is reported with its row number and reason; the
good rows are read. A file that cannot be read at all (not a workbook, not text in any encoding we know) is a
CatalogueError naming the file, and the row where that can be told; never a traceback (issue 10, item 4).
"""

from __future__ import annotations

import codecs
import csv
import io
import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from stdwatch.records import RecordError, StandardRecord, standard_from_json

LIST_FIELDS = ("ics", "ccs", "replaces")
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class CatalogueError(ValueError):
    """A catalogue file that cannot be read; the message names the file (and the row when known)."""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str
    listed: str | None = None  # the code cell as printed, when the row has one

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True)
class ListedCode:
    """One row of a list of standards to check: its spreadsheet row and the code as listed."""

    row: int
    listed: str


def profiles() -> dict[str, dict[str, Any]]:
    with (CONFIG_DIR / "catalogue_profiles.toml").open("rb") as handle:
        return tomllib.load(handle)


# ---------------------------------------------------------------------------------------------- raw rows
def _rows(path: Path) -> Iterator[list[Any] | RowError]:
    """The file's rows (a RowError in place of one that cannot be read), header first."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        yield from _xlsx_rows(path)
    elif suffix in CSV_SUFFIXES:
        yield from _csv_rows(path)
    else:
        raise CatalogueError(f"{path}: a catalogue must be .csv or .xlsx")


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    number = 0
    try:
        # A date cell with a serial number past the year 9999 is read as #VALUE! (and then rejected by its
        # field); openpyxl warns about it, which would only be noise here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                for row in workbook.worksheets[0].iter_rows(values_only=True):
                    number += 1
                    yield list(row)
            finally:
                workbook.close()
    except FileNotFoundError:
        raise
    except Exception as exc:  # a zip that is no workbook, random bytes, broken XML: openpyxl raises many
        where = f" (after row {number})" if number else ""
        raise CatalogueError(
            f"{path}: not a readable .xlsx workbook{where}: {type(exc).__name__}: {str(exc)[:200]}"
        ) from exc


def _csv_rows(path: Path) -> Iterator[list[str] | RowError]:
    reader = csv.reader(io.StringIO(decode_text(path, path.read_bytes()), newline=""))
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over csv's field limit (128 KiB): that row only, the reader goes on
            yield RowError(number, f"unreadable CSV row: {exc}")
            continue
        yield row


def decode_text(path: Path, data: bytes) -> str:
    """A CSV's text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK (Chinese Excel's)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(path, data, "utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not data[: exc.start].isascii():
            # Valid UTF-8 text up to here: a UTF-8 file with a broken byte, not a GBK file.
            raise CatalogueError(
                f"{path}: row {_row_at(data, exc.start)}: not valid UTF-8 text (byte {exc.start + 1})"
            ) from None
    return _decode(path, data, "gb18030")


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{path}: row {_row_at(data, exc.start)}: not UTF-8, UTF-16 or GB18030 text "
            f"(byte {exc.start + 1})"
        ) from None


def _row_at(data: bytes, offset: int) -> int:
    newline = "\n".encode("utf-16-le") if data.startswith(codecs.BOM_UTF16_LE) else b"\n"
    return data[:offset].count(newline) + 1


# ---------------------------------------------------------------------------------------------- row objects
def _columns(header: list[Any], profile: dict[str, Any]) -> dict[str, int]:
    names = {str(h).strip().lower(): i for i, h in enumerate(header) if h is not None and str(h).strip()}
    columns = {}
    for field, accepted in profile.items():
        if isinstance(accepted, list):
            index = next((names[a.strip().lower()] for a in accepted if a.strip().lower() in names), None)
            if index is not None:
                columns[field] = index
    return columns


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):  # Excel dates arrive as datetimes
        return value.date().isoformat()
    text = str(value).strip()
    return text or None


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("；", ";").split(";") if v.strip()]


def _profile(profile_name: str) -> dict[str, Any]:
    all_profiles = profiles()
    if profile_name not in all_profiles:
        raise CatalogueError(f"unknown profile {profile_name!r}; configured: {', '.join(all_profiles)}")
    return all_profiles[profile_name]


def _objects(path: Path, profile_name: str) -> Iterator[tuple[int, dict[str, Any]] | RowError]:
    """(row number, the row's fields by profile) for each non-empty row, or a RowError."""
    profile = _profile(profile_name)
    rows = _rows(path)
    header = next(rows, None)
    if header is None:
        raise CatalogueError(f"{path}: the file is empty")
    if isinstance(header, RowError):
        raise CatalogueError(f"{path}: row 1: {header.reason}")
    columns = _columns(header, profile)
    if "code" not in columns:
        raise CatalogueError(f"{path}: no code column; profile {profile_name!r} accepts {profile['code']}")
    for number, row in enumerate(rows, start=2):
        if isinstance(row, RowError):
            yield RowError(number, row.reason)
        elif any(_cell(v) for v in row):
            yield number, _row_object(row, columns, profile)


def _row_object(row: list[Any], columns: dict[str, int], profile: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for field, index in columns.items():
        value = _cell(row[index]) if index < len(row) else None
        if value is not None:
            obj[field] = _split(str(value)) if field in LIST_FIELDS else value
    code = obj.get("code")
    prefix = profile.get("code_prefix")
    if code and prefix and not str(code).upper().startswith(prefix):
        obj["code"] = f"{prefix} {code}"
    if code and obj.get("class_no"):
        obj["code"] = f"{obj['code']} {obj['class_no']}"
    return obj


# ---------------------------------------------------------------------------------------------- public
def read_catalogue(path: Path, profile_name: str) -> Iterator[StandardRecord | RowError]:
    """Records of a catalogue, in order, with a RowError (1-based spreadsheet row) for each row that fails."""
    for item in _objects(path, profile_name):
        if isinstance(item, RowError):
            yield item
            continue
        number, obj = item
        if not obj.get("code"):
            yield RowError(number, "no code in this row")
            continue
        try:
            yield standard_from_json(obj)
        except RecordError as exc:
            yield RowError(number, str(exc), str(obj["code"]))


def read_listed_codes(path: Path, profile_name: str) -> Iterator[ListedCode | RowError]:
    """Each row's code as listed, for a status check: only the code column matters (a company's own notes in
    other columns are not judged); a row without a code is a RowError."""
    for item in _objects(path, profile_name):
        if isinstance(item, RowError):
            yield item
        elif not item[1].get("code"):
            yield RowError(item[0], "no code in this row")
        else:
            listed = str(item[1]["code"])
            yield ListedCode(item[0], listed if len(listed) <= 200 else f"{listed[:200]}…")
