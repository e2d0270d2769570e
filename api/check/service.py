"""An uploaded list of standards -> one status line per row, and the report as CSV or .xlsx.

The reading is stdwatch.catalogue's and the checking stdwatch.status_check's (what `stdwatch import-catalogue
--check` runs); this module only takes the upload and writes the report.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path, PurePath

from stdwatch.catalogue import (
    CSV_SUFFIXES,
    XLSX_SUFFIXES,
    CatalogueError,
    ListedCode,
    RowError,
    read_listed_codes,
)
from stdwatch.status_check import StatusReport, check_rows
from stdwatch.store import DocumentRepository

MAX_UPLOAD = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = ("row", "listed", "found", "status", "replaced_by", "note")


class UploadError(ValueError):
    """An upload that cannot be checked; the message names the file (and the row where that can be told)."""


def read_upload(filename: str, data: bytes, profile: str) -> list[ListedCode | RowError]:
    """The listed codes of an uploaded .csv/.xlsx file, read by the catalogue reader."""
    name = PurePath(filename or "upload").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise UploadError(f"{name}: a list of standards must be a .csv or .xlsx file")
    if not data:
        raise UploadError(f"{name}: the file is empty")
    if len(data) > MAX_UPLOAD:
        raise UploadError(f"{name}: the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    with tempfile.TemporaryDirectory(prefix="stdwatch-check-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            rows = list(read_listed_codes(path, profile))
        except (CatalogueError, KeyError, ValueError) as exc:
            raise UploadError(str(exc).replace(str(path), name)) from None
    if len(rows) > MAX_ROWS:
        raise UploadError(f"{name}: at most {MAX_ROWS} rows can be checked at once")
    return rows


def check_upload(
    repo: DocumentRepository, rows: Sequence[ListedCode | RowError], today: date | None = None
) -> list[StatusReport]:
    return check_rows(repo, rows, today)


def _lines(reports: Sequence[StatusReport]) -> list[list[object]]:
    return [
        [
            r.row if r.row is not None else "",
            r.listed,
            r.found or "",
            r.status,
            "; ".join(r.replaced_by),
            r.note,
        ]
        for r in reports
    ]


def report_csv(reports: Sequence[StatusReport]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(_lines(reports))
    return buffer.getvalue().encode("utf-8-sig")


def report_xlsx(reports: Sequence[StatusReport]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "status"
    sheet.append(list(COLUMNS))
    for line in _lines(reports):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
