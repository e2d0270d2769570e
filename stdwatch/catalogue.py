"""Catalogue files (CSV or .xlsx) -> standard records, through a column map per profile (config/catalogue_profiles.toml).

Standards bodies publish classified catalogue lists, research staff keep their own, companies keep the list of
standards they apply: one reader for all of them. Each bad row is reported with its row number and reason; the
good rows are read.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from stdwatch.records import RecordError, StandardRecord, standard_from_json

LIST_FIELDS = ("ics", "ccs", "replaces")


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


def profiles() -> dict[str, dict[str, Any]]:
    with (CONFIG_DIR / "catalogue_profiles.toml").open("rb") as handle:
        return tomllib.load(handle)


def _rows(path: Path) -> Iterator[list[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            yield from ([cell for cell in row] for row in workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    elif path.suffix.lower() in (".csv", ".txt"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle)
    else:
        raise ValueError(f"{path}: a catalogue must be .csv or .xlsx")


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


def read_catalogue(path: Path, profile_name: str) -> Iterator[StandardRecord | RowError]:
    """Records of a catalogue, in order, with a RowError (1-based spreadsheet row) for each row that fails."""
    all_profiles = profiles()
    if profile_name not in all_profiles:
        raise ValueError(f"unknown profile {profile_name!r}; configured: {', '.join(all_profiles)}")
    profile = all_profiles[profile_name]
    rows = _rows(path)
    header = next(rows, None)
    if header is None:
        raise ValueError(f"{path}: the file is empty")
    columns = _columns(header, profile)
    if "code" not in columns:
        raise ValueError(f"{path}: no code column; profile {profile_name!r} accepts {profile['code']}")
    for number, row in enumerate(rows, start=2):
        if not any(_cell(v) for v in row):
            continue
        obj: dict[str, Any] = {}
        for field, index in columns.items():
            value = _cell(row[index]) if index < len(row) else None
            if value is not None:
                obj[field] = [v.strip() for v in str(value).replace("；", ";").split(";") if v.strip()] \
                    if field in LIST_FIELDS else value
        code = obj.get("code")
        if not code:
            yield RowError(number, "no code in this row")
            continue
        prefix = profile.get("code_prefix")
        if prefix and not str(code).upper().startswith(prefix):
            obj["code"] = f"{prefix} {code}"
        if obj.get("class_no"):
            obj["code"] = f"{obj['code']} {obj['class_no']}"
        try:
            yield standard_from_json(obj)
        except RecordError as exc:
            yield RowError(number, str(exc))
