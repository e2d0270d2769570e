"""The store's version history read as a feed of changes, with durable cursors for its consumers.

Every stored version (a new document or a changed one) gets an increasing `document_versions.id`; a consumer
(the alert matcher) remembers the last id it has handled, so whatever happens between storing and consuming,
it resumes where it stopped and never skips a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, tuple_, update

from stdwatch.store.models import Cursor, DocumentVersion
from stdwatch.store.repository import utcnow

_VERSIONS: Table = DocumentVersion.__table__  # type: ignore[assignment]
_CURSORS: Table = Cursor.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Change:
    """One stored version, with the one before it (None for a new document)."""

    seq: int
    document_id: str
    version: int
    data: dict[str, Any]
    previous: dict[str, Any] | None
    recorded_at: datetime


class ChangeFeed:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(_VERSIONS.c.id), 0))).scalar_one())

    def first_seq_since(self, since: datetime) -> int:
        """The id of the first version recorded at or after `since` (one past the last when there is none)."""
        with self.engine.connect() as conn:
            first = conn.execute(
                select(func.min(_VERSIONS.c.id)).where(_VERSIONS.c.recorded_at >= since)
            ).scalar()
        return int(first) if first is not None else self.last_seq() + 1

    def after(self, seq: int, limit: int = 2000) -> list[Change]:
        """Versions stored after `seq`, oldest first, each with its previous version's data."""
        with self.engine.connect() as conn:
            rows = list(
                conn.execute(
                    select(_VERSIONS).where(_VERSIONS.c.id > seq).order_by(_VERSIONS.c.id).limit(limit)
                )
            )
            wanted = [(r.document_id, r.version - 1) for r in rows if r.version > 1]
            previous: dict[tuple[str, int], dict[str, Any]] = {}
            for start in range(0, len(wanted), 400):
                chunk = wanted[start : start + 400]
                query = select(_VERSIONS.c.document_id, _VERSIONS.c.version, _VERSIONS.c.data).where(
                    tuple_(_VERSIONS.c.document_id, _VERSIONS.c.version).in_(chunk)
                )
                previous.update({(r.document_id, r.version): r.data for r in conn.execute(query)})
        return [
            Change(
                r.id,
                r.document_id,
                r.version,
                r.data,
                previous.get((r.document_id, r.version - 1)),
                r.recorded_at,
            )
            for r in rows
        ]

    def recent(self, since: datetime) -> list[Change]:
        """Every version recorded since `since` (previews of what a subscription would have matched)."""
        changes: list[Change] = []
        while batch := self.after(changes[-1].seq if changes else self.first_seq_since(since) - 1):
            changes.extend(batch)
        return changes

    # ------------------------------------------------------------------------------------------ cursors
    def position(self, name: str) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(_CURSORS.c.position).where(_CURSORS.c.name == name)).scalar()
        return None if value is None else int(value)

    def advance(self, name: str, seq: int) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(_CURSORS).where(_CURSORS.c.name == name).values(position=seq, updated_at=now)
            ).rowcount
            if not done:
                conn.execute(insert(_CURSORS).values(name=name, position=seq, updated_at=now))


def document_ids(changes: Sequence[Change]) -> list[str]:
    return list(dict.fromkeys(c.document_id for c in changes))
