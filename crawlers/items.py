"""What spiders yield: a record found at a source, or a page that must go to quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordItem:
    """Record fields in the interchange format, plus where they came from."""

    source_id: str
    url: str
    data: dict[str, Any]
    kind: str = "standard"
    fingerprint: str | None = None  # what the listing showed; stored so the next run can skip it if unchanged
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class QuarantineItem:
    url: str
    reason: str
    body: str
