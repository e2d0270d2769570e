"""Recognise a query that is a standard code or TBT symbol, so the record it names comes first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any

from stdwatch.identifiers import CodeError, StandardCode, TbtSymbol, parse_any


@dataclass(frozen=True)
class CodeQuery:
    """`exact`: the full code as normalized; `key`: every edition shares it; `prefix`: codes starting so."""

    exact: str
    key: str
    has_edition: bool

    @property
    def prefix(self) -> str:
        return self.key


def code_query(text: str) -> CodeQuery | None:
    """The code a query names, in any spelling sources print; None when the query is not a code."""
    if not text or not text.strip():
        return None
    try:
        parsed = parse_any(text)
    except CodeError:
        return None
    if isinstance(parsed, TbtSymbol):
        return CodeQuery(str(parsed), str(parsed.base), has_edition=not parsed.is_base)
    assert isinstance(parsed, StandardCode)
    # Records are stored under the code without a CNS class number or a reaffirmation year (`SS 554:2016`)
    return CodeQuery(str(parsed.identity), parsed.key, has_edition=parsed.year is not None)


# What follows a standard's number when a code names one of its parts: `SS 5:Part B7`, `GB 6675.1`, `CNS 14964-22`.
PART_SEPARATORS = (":", ".", "-")
STALE_STATUSES = frozenset({"replaced", "withdrawn"})


class CodeTier(IntEnum):
    """How a code hit relates to the code asked for; lower ranks first (issue 11, item 3)."""

    EXACT = 0  # the very code
    EDITION = 1  # another edition (or an addendum/revision of a TBT notification)
    PART = 2  # a part of it: SS 5 -> SS 5:Part B7, GB 6675 -> GB 6675.1-2014
    PREFIX = 3  # a longer number that merely starts with it: SS 5 -> SS 578:2012


def code_tier(query: CodeQuery, code: str, code_key: str) -> CodeTier | None:
    """The tier of a document's code for this query; None when it is no code hit."""
    if code == query.exact:
        return CodeTier.EXACT
    if code_key == query.key:
        return CodeTier.EDITION
    if any(code.startswith(query.key + sep) for sep in PART_SEPARATORS):
        return CodeTier.PART
    if code.startswith(query.prefix):
        return CodeTier.PREFIX
    return None


def part_prefixes(query: CodeQuery) -> tuple[str, ...]:
    """Code prefixes of the query's parts (looked up apart from longer numbers, which sort between them)."""
    return tuple(query.key + sep for sep in PART_SEPARATORS)


def is_stale(status: str | None) -> bool:
    """Replaced and withdrawn standards rank after current, upcoming and status-less documents of a tier."""
    return status in STALE_STATUSES


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers compared as numbers: SS 5:Part B7 before SS 5:Part B10, GB 6675.2 before GB 6675.11."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|\D+", code))


def code_order(
    query: CodeQuery, code: str, code_key: str, status: str | None, day: date | None
) -> tuple[Any, ...]:
    """Sort key of a code hit: tier; then current before replaced/withdrawn; editions newest first, parts and
    longer numbers in natural code order."""
    tier = code_tier(query, code, code_key)
    rank = len(CodeTier) if tier is None else int(tier)
    if tier is CodeTier.EDITION:
        return (rank, is_stale(status), -(day.toordinal() if day else 0), natural_key(code))
    return (rank, is_stale(status), 0, natural_key(code))
