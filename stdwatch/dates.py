"""Dates as sources print them: ISO dates, `2025年4月25日`, `2025/04/25`, epoch milliseconds (hbba/dbba JSON).

Every bad value is a ValueError naming it (shortened): a data file's huge epoch number or day count must
become a rejected line, never an OSError or OverflowError that stops the load (issue 10, item 2).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

_CHINA = timezone(timedelta(hours=8))
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
# The look-behind starts a match only at the first digit of a run, so a long digit run is scanned once.
_DAYS_AFTER = re.compile(r"(?<!\d)(\d+)\s*(?:天|日|days?)", re.IGNORECASE)
_EPOCH_MS_MIN = datetime(1900, 1, 1, tzinfo=UTC).timestamp() * 1000
_EPOCH_MS_MAX = datetime(9999, 12, 30, tzinfo=UTC).timestamp() * 1000
MAX_DATE_TEXT = 100  # a printed date is short; longer text is not one (and never reaches the patterns)


def shown(value: Any, limit: int = 40) -> str:
    """A value for an error message: its repr, cut short so a 5 MB value does not become a 5 MB message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(str(value))} characters)"


def parse_date(value: Any) -> date | None:
    """Read a date; None for empty; ValueError naming the value when it is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch_ms(value)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {shown(value)}")
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > MAX_DATE_TEXT:
        raise ValueError(f"not a date: {shown(value)}")
    if text.isdigit() and len(text) >= 12:
        return _from_epoch_ms(int(text))
    m = _YMD.match(text)
    if not m:
        raise ValueError(f"not a date: {shown(value)}")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"not a valid calendar date: {shown(value)}") from None


def _from_epoch_ms(value: float) -> date:
    # Epoch milliseconds, as hbba/dbba serve them; the sites mean Beijing calendar days.
    if not (isinstance(value, int) or math.isfinite(value)) or not _EPOCH_MS_MIN <= value <= _EPOCH_MS_MAX:
        raise ValueError(f"epoch milliseconds out of range (years 1900-9999): {shown(value)}")
    return datetime.fromtimestamp(value / 1000, tz=_CHINA).date()


def resolve_relative_date(text: str, distributed: date | None) -> date | None:
    """`通报后60天` / `60 days from notification` -> a date, counted from the distribution date.

    Only periods counted from the notification itself resolve; `批准后6个月` (after approval) stays text.
    A period that ends after the year 9999 is a ValueError.
    """
    if distributed is None:
        return None
    lowered = text.lower()
    if not any(word in lowered for word in ("通报", "notification", "分发", "distribution", "circulation")):
        return None
    m = _DAYS_AFTER.search(text)
    if not m:
        return None
    if len(m[1]) > 7:  # timedelta takes up to 999,999,999 days, but no date is 10 million days away
        raise ValueError(f"{shown(m[1])} days after {distributed} is past the year 9999")
    try:
        return distributed + timedelta(days=int(m[1]))
    except OverflowError:
        raise ValueError(f"{m[1]} days after {distributed} is past the year 9999") from None
