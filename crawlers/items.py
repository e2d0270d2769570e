"""What spiders yield: a record found at a source, or a page that must go to quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stdwatch.records import Kind


@dataclass
class RecordItem:
    """Record fields in the interchange format, plus where they came from."""

    source_id: str
    url: str
    data: dict[str, Any]
    kind: Kind = Kind.STANDARD
    fingerprint: str | None = None  # what the listing showed; stored so the next run can skip it if unchanged


@dataclass
class QuarantineItem:
    url: str
    reason: str
    body: str
