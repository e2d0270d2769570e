"""Reading record files: JSON Lines in StdWatch's format or the flat interchange format of the demo records.

A bad line never stops a load: it is reported with its file, line number and reason, and the rest is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stdwatch.records import Kind, Record, RecordError, record_from_json

SUFFIXES = (".jsonl", ".ndjson", ".json")


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


def read_records(path: Path, kind: Kind | None = None) -> Iterator[Record | LineError]:
    """Records of one file, in order, with a LineError in place of each line that cannot be read."""
    file_kind = kind_for(path, kind)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield LineError(path, number, f"not UTF-8 text: {exc.reason}")
                continue
            if not line.strip():
                continue
            try:
                yield record_from_json(json.loads(line.strip()), file_kind)
            except json.JSONDecodeError as exc:
                yield LineError(path, number, f"invalid JSON: {exc.msg} at column {exc.colno}")
            except RecordError as exc:
                yield LineError(path, number, str(exc))


def count_lines(paths: list[Path]) -> int:
    """Lines to read, for a progress bar."""
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            total += sum(1 for _ in handle)
    return total
