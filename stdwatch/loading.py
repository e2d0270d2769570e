"""Reading record files: JSON Lines in StdWatch's format or the flat interchange format of the demo records.

A bad line never stops a load: it is reported as `file:line: field: reason`, and the rest is read. Whatever a
data file holds (huge numbers, deep nesting, megabyte lines, invalid Unicode), the answer is a rejected line,
never a traceback (issue 10, item 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from stdwatch.records import REPLACE_KEY, Kind, Record, RecordError, record_from_json

SUFFIXES = (".jsonl", ".ndjson", ".json")
# Longest line read, in bytes: a record within every field limit (stdwatch.records) fits several times over.
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True)
class LineError:
    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


def record_files(path: Path) -> list[Path]:
    """The file itself, or every JSON Lines file under a folder (sorted, so loads are repeatable)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return [path]


def kind_for(path: Path, override: Kind | None = None) -> Kind | None:
    """The kind a file holds: `--kind`, else its name (standards.jsonl / tbt_notifications.jsonl), else None
    (then each line says, by its `kind` key or its keys)."""
    if override is not None:
        return override
    name = path.name.lower()
    if "tbt" in name or "notification" in name:
        return Kind.TBT
    if "standard" in name:
        return Kind.STANDARD
    return None


def read_records(path: Path, kind: Kind | None = None, replace: bool = False) -> Iterator[Record | LineError]:
    """Records of one file, in order, with a LineError in place of each line that cannot be read.

    Each record states only the keys its line has (a load merges them onto the stored record); `replace` makes
    every line a whole record, as `"_replace": true` does for one line."""
    file_kind = kind_for(path, kind)
    with path.open("rb") as handle:
        for number, raw in enumerate(_lines(handle), 1):
            if raw is None:
                yield LineError(path, number, f"line longer than the limit of {MAX_LINE_BYTES:,} bytes")
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield LineError(path, number, f"not UTF-8 text: {exc.reason} at byte {exc.start + 1}")
                continue
            if line.strip():
                yield _record(path, number, line, file_kind, replace)


def _lines(handle: BinaryIO) -> Iterator[bytes | None]:
    """The file's lines; None for a line over the limit (its bytes are skipped, never held in memory)."""
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = handle.readline(MAX_LINE_BYTES)
        yield None


def _record(path: Path, number: int, line: str, kind: Kind | None, replace: bool) -> Record | LineError:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return LineError(path, number, f"invalid JSON: {exc.msg} at column {exc.colno}")
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; [[[[... past the parser's depth
        return LineError(path, number, f"invalid JSON: {type(exc).__name__}: {str(exc)[:120]}")
    if replace and isinstance(obj, dict):
        obj[REPLACE_KEY] = True
    try:
        return record_from_json(obj, kind)
    except RecordError as exc:
        return LineError(path, number, str(exc))


def count_lines(paths: list[Path]) -> int:
    """Lines to read, for a progress bar."""
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            total += sum(1 for _ in handle)
    return total
