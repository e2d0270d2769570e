"""A whole result set as CSV or .xlsx rows, streamed page by page (issue 11, item 6).

Hits are read from the backend in batches of EXPORT_BATCH in ranking order, so an export of 100,000 hits holds
one batch at a time: CSV is yielded as it is written; .xlsx is written by openpyxl's write-only mode (rows go
to a temporary file, not memory) and then streamed from disk. bench/bench_export.py measures the peak.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from enum import StrEnum
from urllib.parse import quote

from search.base import SearchBackend
from search.query import SearchHit, SearchQuery

EXPORT_BATCH = 2000  # hits per backend page: fewer deep pages; 2,000 hits are ~2 MiB
# Elasticsearch pages only within its result window (INDEX_SETTINGS max_result_window); both backends share
# the cap so an export means the same everywhere. A larger result set is refused before anything is sent.
MAX_EXPORT_ROWS = 100_000
BOM = "\ufeff"  # so that Excel opens UTF-8 CSV with Chinese text correctly
COLUMNS: tuple[tuple[str, int], ...] = (  # header and .xlsx column width (characters)
    ("code", 24),
    ("title", 60),
    ("kind", 16),
    ("status", 11),
    ("replaced_by", 24),
    ("date", 11),
    ("comment_deadline", 16),
    ("notification_type", 17),
    ("region", 7),
    ("member", 8),
    ("id", 28),
    ("link", 40),
)
# Text a spreadsheet would run as a formula (CSV injection): kept as text by a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportTooLarge(ValueError):
    """The result set is larger than an export may be; the message says how to narrow it."""


Cell = str | date | None


def iter_hits(backend: SearchBackend, query: SearchQuery, batch: int = EXPORT_BATCH) -> Iterator[SearchHit]:
    """Every hit of `query`, in its order, one page of `batch` hits at a time."""
    page = 1
    while True:
        result = backend.search(replace(query, page=page, size=batch))
        yield from result.hits
        if not result.hits or page * batch >= result.total:
            return
        page += 1


def checked_total(backend: SearchBackend, query: SearchQuery) -> int:
    """How many rows the export will hold; ExportTooLarge beyond MAX_EXPORT_ROWS (asked before streaming, so
    the refusal is a proper 4xx answer)."""
    total = backend.search(replace(query, page=1, size=1)).total
    if total > MAX_EXPORT_ROWS:
        raise ExportTooLarge(
            f"the search finds {total:,} documents; an export holds at most {MAX_EXPORT_ROWS:,}: "
            f"add words or filters"
        )
    return total


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def document_link(doc_id: str, public_url: str = "") -> str:
    """The document's web page, absolute under `public_url` (the address the emails' links use too)."""
    return f"{public_url.rstrip('/')}/documents/{quote(doc_id, safe='')}"


def hit_row(hit: SearchHit, public_url: str = "") -> list[Cell]:
    """One export row, in COLUMNS order."""
    return [
        _text(hit.code),
        _text(hit.title),
        hit.kind,
        hit.status,
        ", ".join(hit.replaced_by) or None,
        hit.date,
        hit.deadline,
        hit.notification_type,
        hit.region,
        hit.member,
        hit.id,
        document_link(hit.id, public_url),
    ]


def rows(hits: Iterable[SearchHit], public_url: str = "") -> Iterator[list[Cell]]:
    return (hit_row(h, public_url) for h in hits)


def csv_chunks(data: Iterable[list[Cell]], rows_per_chunk: int = EXPORT_BATCH) -> Iterator[bytes]:
    """UTF-8 CSV with BOM and a header, yielded every `rows_per_chunk` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([name for name, _ in COLUMNS])
    for n, row in enumerate(data, 1):
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(data: Iterable[list[Cell]], path: str) -> None:
    """An .xlsx workbook at `path`: frozen header row, set column widths, dates as dates (write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    sheet.freeze_panes = "A2"
    for index, (_, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in data:
        sheet.append([_ILLEGAL_XML.sub("", v) if isinstance(v, str) else v for v in row])
    workbook.save(path)


def xlsx_chunks(data: Iterable[list[Cell]], chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """The workbook built in a temporary file, then read back in chunks; the file is removed afterwards."""
    handle, path = tempfile.mkstemp(prefix="stdwatch-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(data, path)
        with open(path, "rb") as built:
            while chunk := built.read(chunk_size):
                yield chunk
    finally:
        os.unlink(path)


def export_chunks(
    backend: SearchBackend, query: SearchQuery, fmt: ExportFormat, public_url: str = ""
) -> Iterator[bytes]:
    """The whole result set of `query` as bytes of the format; links are absolute under `public_url`."""
    data = rows(iter_hits(backend, query), public_url)
    return csv_chunks(data) if fmt is ExportFormat.CSV else xlsx_chunks(data)
