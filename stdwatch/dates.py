"""Dates as sources print them: ISO dates, `2025年4月25日`, `2025/04/25`, epoch milliseconds (hbba/dbba JSON)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any

_CHINA = timezone(timedelta(hours=8))
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_DAYS_AFTER = re.compile(r"(\d+)\s*(?:天|日|days?)", re.IGNORECASE)


def parse_date(value: Any) -> date | None:
    """Read a date; None for empty; ValueError naming the value when it is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Epoch milliseconds, as hbba/dbba serve them; the sites mean Beijing calendar days.
        return datetime.fromtimestamp(value / 1000, tz=_CHINA).date()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.isdigit() and len(text) >= 12:
        return parse_date(int(text))
    m = _YMD.match(text)
    if not m:
        raise ValueError(f"not a date: {value!r}")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"not a valid calendar date: {value!r}") from None


def resolve_relative_date(text: str, distributed: date | None) -> date | None:
    """`通报后60天` / `60 days from notification` -> a date, counted from the distribution date.

    Only periods counted from the notification itself resolve; `批准后6个月` (after approval) stays text.
    """
    if distributed is None:
        return None
    lowered = text.lower()
    if not any(word in lowered for word in ("通报", "notification", "分发", "distribution", "circulation")):
        return None
    m = _DAYS_AFTER.search(text)
    return distributed + timedelta(days=int(m[1])) if m else None
