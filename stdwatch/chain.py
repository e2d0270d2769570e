"""A TBT notification's chain (the base, then its addenda, revisions and corrigenda) and the dates in force
across it: a later document of the chain that states a date overrides what the earlier ones said, so an
addendum extending the comment period moves the final date for comments. The document page
(api/documents) and the deadline reminders (alerts/reminders.py) both read the dates from here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from stdwatch.identifiers import CodeError, parse_tbt_symbol

CHAIN_DATES = ("comment_deadline", "proposed_adoption", "proposed_entry_into_force")


class ChainMember(Protocol):
    """What a stored document of a chain offers (stdwatch.store.StoredDocument does)."""

    @property
    def code(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


def chain_order(symbol: str) -> tuple[Any, ...]:
    """Base first, then addenda/revisions/corrigenda by their numbers; a symbol that does not parse last."""
    try:
        return (0, parse_tbt_symbol(symbol).suffixes)
    except CodeError:
        return (1, symbol)


M = TypeVar("M", bound=ChainMember)


def in_chain_order(members: Iterable[M]) -> list[M]:
    return sorted(members, key=lambda m: chain_order(m.code))


def dates_in_force(members: Iterable[ChainMember]) -> dict[str, Any]:
    """For each chain date: its value (`key`), as printed (`key_text`) and which symbol stated it (`key_from`).
    A date a document states as text only (`通报后60天`, "to be determined") overrides too."""
    current: dict[str, Any] = {}
    for member in in_chain_order(members):
        for key in CHAIN_DATES:
            if member.data.get(key) or member.data.get(f"{key}_text"):
                current[key] = member.data.get(key)
                current[f"{key}_text"] = member.data.get(f"{key}_text")
                current[f"{key}_from"] = member.code
    return current
