"""Recognise a query that is a standard code or TBT symbol, so the record it names comes first."""

from __future__ import annotations

from dataclasses import dataclass

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
    return CodeQuery(str(parsed), parsed.key, has_edition=parsed.year is not None)
