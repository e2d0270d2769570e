"""All SQL of the store of record: idempotent versioned upserts, history, relations, the index queue."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, Text, bindparam, delete, func, insert, or_, select, update
from sqlalchemy import cast as sql_cast

from stdwatch.heap import frozen_heap
from stdwatch.identifiers import CodeError, parse_standard_code, parse_tbt_symbol
from stdwatch.records import (
    Record,
    StandardRecord,
    apply_update,
    json_hash,
    non_empty_update,
    record_from_json,
    to_json,
)
from stdwatch.status import StatusFacts, with_status_as_of
from stdwatch.store.models import Document, DocumentLink, DocumentVersion

_CHUNK = 500
_DOCS = cast(Table, Document.__table__)
_VERSIONS = cast(Table, DocumentVersion.__table__)
_LINKS = cast(Table, DocumentLink.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def office_today() -> date:
    """Today in the office's timezone (Asia/Shanghai, the settings' default), not the server's."""
    return datetime.now(_office_zone()).date()


@lru_cache(maxsize=1)
def _office_zone() -> ZoneInfo:
    from config.settings import Settings  # reading the settings costs ~25 ms: once per process

    return ZoneInfo(Settings().timezone)


@dataclass(frozen=True)
class StoredDocument:
    id: str
    kind: str
    code: str
    code_key: str
    version: int
    content_hash: str
    data: dict[str, Any]
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime


@dataclass(frozen=True)
class VersionEntry:
    version: int
    content_hash: str
    data: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True)
class Link:
    document_id: str
    relation: str
    target_code: str
    target_key: str


class IndexedVersion(NamedTuple):
    """Which version of a document was indexed: all mark_indexed needs."""

    id: str
    version: int


class PendingText(NamedTuple):
    """A queued document's version and its data as stored JSON text (pending_texts)."""

    id: str
    version: int
    text: str


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[str] = field(default_factory=list)
    # Stored standards the records did not name whose status they changed (a successor arriving in force makes
    # its predecessor replaced): a new version each, counted apart from the records.
    restated_ids: list[str] = field(default_factory=list)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_ids.extend(other.changed_ids)
        self.restated_ids.extend(other.restated_ids)
        return self


@dataclass(frozen=True)
class _State:
    """What the store holds for one document while a batch is applied; `full` once the batch changed it."""

    digest: str
    version: int
    full: Record | None = None
    data: dict[str, Any] | None = None

    def record(self) -> Record | None:
        if self.full is not None:
            return self.full
        return record_from_json(self.data) if self.data is not None else None


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key_of(code: str) -> str:
    try:
        if code.startswith("G/TBT"):
            return str(parse_tbt_symbol(code).base)
        return parse_standard_code(code).key
    except CodeError:
        return code


def links_of(record: Record) -> list[tuple[str, str]]:
    """(relation, target code) pairs a record states about other documents."""
    if isinstance(record, StandardRecord):
        return (
            [("replaces", c) for c in record.replaces]
            + [("replaced_by", c) for c in record.replaced_by]
            + [("adopts", a.code) for a in record.adopts]
        )
    base = record.base_symbol
    return [("base", base)] if base else []


class DocumentRepository:
    """The store of record's only gateway: services call it, nothing else writes SQL against these tables."""

    def __init__(self, engine: Engine, today: Callable[[], date] = office_today) -> None:
        self.engine = engine
        self.today = today  # the day stored standards get their derived status as of (tests fix it)

    # ------------------------------------------------------------------------------------------ writing
    def upsert_many(
        self, records: Iterable[Record], seen_at: datetime | None = None, as_of: date | None = None
    ) -> UpsertResult:
        """Store records in order: new ones at version 1, changed ones as a new version, unchanged ones only
        'seen'. A record that states only some fields (a line of a load) merges onto the stored one field by
        field (stdwatch.records.apply_update); two records of one document are applied one after the other,
        each a version of its own, so the history never depends on how a load was cut into batches. Every
        record is counted once in new, updated or unchanged. A standard is stored with its status as of
        `as_of` (default: today) in the same version (stdwatch.status); stored standards whose status the
        batch changes (a predecessor of a successor now in force) get a new version, in `restated_ids`."""
        now = seen_at or utcnow()
        day = as_of or self.today()
        records = list(records)
        result = UpsertResult()
        ids = [r.id for r in records]  # `id` slugs the code on every call: once per record is enough
        with frozen_heap(), self.engine.begin() as conn:
            before = self._states(conn, records, ids)
            fulls = self._with_statuses(conn, self._merged(before, ids, records), day)
            states = dict(before)
            versions: list[dict[str, Any]] = []
            changed: dict[str, None] = {}  # ordered set: a list's `in` made batches quadratic
            for doc_id, full in zip(ids, fulls, strict=True):
                state = states.get(doc_id)
                data = to_json(full)
                digest = json_hash(data)
                if state is not None and state.digest == digest:
                    result.unchanged += 1
                    continue
                version = state.version + 1 if state else 1
                states[doc_id] = _State(digest, version, full, data)
                versions.append(_version_row(doc_id, version, digest, data, now))
                if state is None:
                    result.new += 1
                else:
                    result.updated += 1
                changed[doc_id] = None
            result.changed_ids.extend(changed)
            self._write(conn, before, states, versions, now)
            stored = [f for f in fulls if isinstance(f, StandardRecord) and f.id in changed]
            result.restated_ids.extend(self._restate_predecessors(conn, stored, day, now))
        return result

    @staticmethod
    def _merged(before: dict[str, _State], ids: list[str], records: list[Record]) -> list[Record]:
        """The whole record each one makes of its document, in order (a second record of a document merges
        onto what the first made)."""
        latest: dict[str, Record] = {}
        fulls: list[Record] = []
        for doc_id, record in zip(ids, records, strict=True):
            state = before.get(doc_id)
            if doc_id in latest or state is not None:
                base = latest[doc_id] if doc_id in latest else state.record() if state else None
                full = apply_update(base, record)
            else:
                # A new document is the record itself: apply_update would only copy it to drop the
                # stated-fields marker, which is no part of its content (to_json, the hash, equality).
                full = record
            latest[doc_id] = full
            fulls.append(full)
        return fulls

    def _with_statuses(self, conn: Any, fulls: list[Record], day: date) -> list[Record]:
        """Every standard with its status as of `day`, from its dates and the successors the store and the
        batch know."""
        batch = [f for f in fulls if isinstance(f, StandardRecord)]
        if not batch:
            return fulls
        facts = StatusFacts.for_batch(self._status_related(conn, batch), batch)
        return [
            with_status_as_of(f, day, facts.successor_in_force(f, day))
            if isinstance(f, StandardRecord)
            else f
            for f in fulls
        ]

    def _status_related(self, conn: Any, standards: Sequence[StandardRecord]) -> list[StoredDocument]:
        """Stored documents the standards' statuses depend on: the successors they name (every edition of one
        named without an edition) and the documents that say they replace them."""
        named = list({code for r in standards for code in r.replaced_by})
        targets = list({c for r in standards for c in (r.code, r.key)})
        return list(self._coded_or_linking(conn, named, targets, "replaces").values())

    @staticmethod
    def _coded_or_linking(
        conn: Any, codes: list[str], targets: list[str], relation: str
    ) -> dict[str, StoredDocument]:
        """Stored documents whose code (or code without edition) is one of `codes`, and those whose `relation`
        link names one of `targets`, by id."""
        found: dict[str, StoredDocument] = {}
        for chunk in _chunks(codes):
            query = select(_DOCS).where(or_(_DOCS.c.code.in_(chunk), _DOCS.c.code_key.in_(chunk)))
            found.update((row.id, _stored(row)) for row in conn.execute(query))
        linking: set[str] = set()
        for chunk in _chunks(targets):
            query = select(_LINKS.c.document_id).where(
                _LINKS.c.relation == relation, _LINKS.c.target_code.in_(chunk)
            )
            linking.update(row.document_id for row in conn.execute(query))
        for chunk in _chunks([i for i in linking if i not in found]):
            found.update(
                (row.id, _stored(row)) for row in conn.execute(select(_DOCS).where(_DOCS.c.id.in_(chunk)))
            )
        return found

    def _restate_predecessors(
        self, conn: Any, stored: list[StandardRecord], day: date, now: datetime
    ) -> list[str]:
        """New versions of the stored standards whose status the just-stored ones change: those they say
        they replace and those that name them as successor (seen in this transaction, after the write)."""
        if not stored:
            return []
        own = {r.id for r in stored}
        replaced = list({c for r in stored for c in r.replaces})
        successors = list({c for r in stored for c in (r.code, r.key)})
        candidates = self._coded_or_linking(conn, replaced, successors, "replaced_by")
        docs = [d for d in candidates.values() if d.id not in own and d.kind == "standard"]
        return self._restate(conn, docs, day, now)

    def _restate(self, conn: Any, docs: list[StoredDocument], day: date, now: datetime) -> list[str]:
        records = [cast(StandardRecord, record_from_json(d.data)) for d in docs]
        if not records:
            return []
        rolled = self._with_statuses(conn, list(records), day)
        before: dict[str, _State] = {}
        after: dict[str, _State] = {}
        versions: list[dict[str, Any]] = []
        for doc, old, new in zip(docs, records, rolled, strict=True):
            if new is old:
                continue
            data = to_json(new)
            digest = json_hash(data)
            before[doc.id] = _State(doc.content_hash, doc.version)
            after[doc.id] = _State(digest, doc.version + 1, new, data)
            versions.append(_version_row(doc.id, doc.version + 1, digest, data, now))
        if versions:
            self._write(conn, before, after, versions, now)
        return list(after)

    def merge_many(self, records: Iterable[Record], seen_at: datetime | None = None) -> UpsertResult:
        """Upsert records that may state only part of a document (a catalogue row with a code and a title):
        what they state wins, what they leave empty keeps the stored value."""
        return self.upsert_many([non_empty_update(r) for r in records], seen_at)

    @staticmethod
    def _states(conn: Any, records: list[Record], ids: list[str]) -> dict[str, _State]:
        """Stored hash and version of the documents these records (with these ids) name; the stored data only
        where a record states part of a document and must merge onto it."""
        partial = {i for i, r in zip(ids, records, strict=True) if r.stated_fields is not None}
        states: dict[str, _State] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            query = select(_DOCS.c.id, _DOCS.c.content_hash, _DOCS.c.version).where(_DOCS.c.id.in_(chunk))
            rows = conn.execute(query)
            states.update({row.id: _State(row.content_hash, row.version) for row in rows})
        for chunk in _chunks([i for i in states if i in partial]):
            for row in conn.execute(select(_DOCS.c.id, _DOCS.c.data).where(_DOCS.c.id.in_(chunk))):
                states[row.id] = replace(states[row.id], data=row.data)
        return states

    @staticmethod
    def _document_row(doc_id: str, record: Record, state: _State, now: datetime) -> dict[str, Any]:
        code = record.code if isinstance(record, StandardRecord) else record.symbol
        return {
            "id": doc_id,
            "kind": record.kind.value,
            "code": code,
            "code_key": record.key,
            "version": state.version,
            "content_hash": state.digest,
            "data": state.data,
            "first_seen": now,
            "last_seen": now,
            "updated_at": now,
            "index_pending": True,
        }

    def _write(
        self,
        conn: Any,
        before: dict[str, _State],
        after: dict[str, _State],
        versions: list[dict[str, Any]],
        now: datetime,
    ) -> None:
        changed = [(doc_id, s.full, s) for doc_id, s in after.items() if s.full is not None]
        inserts = [
            self._document_row(doc_id, full, s, now) for doc_id, full, s in changed if doc_id not in before
        ]
        updates = [
            {"b_id": doc_id, "b_version": s.version, "b_hash": s.digest, "b_data": s.data, "b_now": now}
            for doc_id, full, s in changed
            if doc_id in before
        ]
        seen = [{"b_id": doc_id, "b_now": now} for doc_id, s in after.items() if s.full is None]
        if inserts:
            conn.execute(insert(_DOCS), inserts)
        if updates:
            conn.execute(
                update(_DOCS)
                .where(_DOCS.c.id == bindparam("b_id"))
                .values(
                    version=bindparam("b_version"),
                    content_hash=bindparam("b_hash"),
                    data=bindparam("b_data"),
                    last_seen=bindparam("b_now"),
                    updated_at=bindparam("b_now"),
                    index_pending=True,
                ),
                updates,
            )
            for chunk in _chunks([u["b_id"] for u in updates]):
                conn.execute(delete(_LINKS).where(_LINKS.c.document_id.in_(chunk)))
        if versions:
            conn.execute(insert(_VERSIONS), versions)
        if seen:
            seen_query = update(_DOCS).where(_DOCS.c.id == bindparam("b_id"))
            conn.execute(seen_query.values(last_seen=bindparam("b_now")), seen)
        links = [
            {"document_id": doc_id, "relation": rel, "target_code": code, "target_key": _key_of(code)}
            for doc_id, full, _ in changed
            for rel, code in links_of(full)
        ]
        if links:
            conn.execute(insert(_LINKS), links)

    # ------------------------------------------------------------------------------------------ reading
    def get(self, doc_id: str) -> StoredDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_DOCS).where(_DOCS.c.id == doc_id)).first()
        return _stored(row) if row else None

    def get_many(self, ids: Sequence[str]) -> list[StoredDocument]:
        found: dict[str, StoredDocument] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                for row in conn.execute(select(_DOCS).where(_DOCS.c.id.in_(chunk))):
                    found[row.id] = _stored(row)
        return [found[i] for i in ids if i in found]

    def history(self, doc_id: str) -> list[VersionEntry]:
        """Every version of a document, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_VERSIONS).where(_VERSIONS.c.document_id == doc_id).order_by(_VERSIONS.c.version)
            )
            return [VersionEntry(r.version, r.content_hash, r.data, r.recorded_at) for r in rows]

    def links_from(self, doc_id: str) -> list[Link]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_LINKS).where(_LINKS.c.document_id == doc_id).order_by(_LINKS.c.id))
            return [Link(r.document_id, r.relation, r.target_code, r.target_key) for r in rows]

    def links_to(self, code: str, key: str) -> list[Link]:
        """Links from other documents that name this code exactly, or name its key without an edition."""
        with self.engine.connect() as conn:
            named = or_(_LINKS.c.target_code == code, _LINKS.c.target_code == key)
            rows = conn.execute(select(_LINKS).where(named).order_by(_LINKS.c.id))
            return [Link(r.document_id, r.relation, r.target_code, r.target_key) for r in rows]

    def find_by_code(self, code: str, key: str) -> list[StoredDocument]:
        """Documents a cited code means: that exact edition, or every edition when it is cited without one."""
        column = _DOCS.c.code_key if code == key else _DOCS.c.code
        with self.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(select(_DOCS).where(column == code))]

    def editions(self, key: str) -> list[StoredDocument]:
        with self.engine.connect() as conn:
            return [
                _stored(r)
                for r in conn.execute(
                    select(_DOCS).where(_DOCS.c.code_key == key).order_by(_DOCS.c.code.desc())
                )
            ]

    def iter_documents(self, batch_size: int = 2000) -> Iterator[list[StoredDocument]]:
        """Every document, in batches (keyset pagination: constant memory, no long-held cursor)."""
        last = ""
        while True:
            with self.engine.connect() as conn:
                rows = list(
                    conn.execute(
                        select(_DOCS).where(_DOCS.c.id > last).order_by(_DOCS.c.id).limit(batch_size)
                    )
                )
            if not rows:
                return
            yield [_stored(r) for r in rows]
            last = rows[-1].id

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_DOCS)).scalar_one())

    # ------------------------------------------------------------------------------------------ index queue
    def pending_index(self, limit: int) -> list[StoredDocument]:
        """Documents whose current version the search index has not taken yet."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_DOCS).where(_DOCS.c.index_pending.is_(True)).limit(limit))
            return [_stored(r) for r in rows]

    def pending_texts(self, limit: int, skip: Collection[str] = ()) -> list[PendingText]:
        """pending_index's documents, but those in `skip` (a batch still on its way to the index: a few
        thousand ids, one bound list), with their data as the stored JSON text: a bulk sync hands it to
        analysis worker processes, so this process neither decodes it nor pickles a dict."""
        query = select(_DOCS.c.id, _DOCS.c.version, sql_cast(_DOCS.c.data, Text)).where(
            _DOCS.c.index_pending.is_(True)
        )
        if skip:
            query = query.where(_DOCS.c.id.not_in(list(skip)))
        with self.engine.connect() as conn:
            return [PendingText(*row) for row in conn.execute(query.limit(limit))]

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(_DOCS).where(_DOCS.c.index_pending.is_(True))
                ).scalar_one()
            )

    def mark_indexed(self, docs: Sequence[StoredDocument | IndexedVersion | PendingText]) -> None:
        """Clear the queue flag, unless a newer version arrived since (then it stays queued)."""
        if not docs:
            return
        with self.engine.begin() as conn:
            same = update(_DOCS).where(_DOCS.c.id == bindparam("b_id"), _DOCS.c.version == bindparam("b_v"))
            conn.execute(same.values(index_pending=False), [{"b_id": d.id, "b_v": d.version} for d in docs])

    def requeue_all(self) -> int:
        """Queue every document for indexing again (for a rebuild of the search index)."""
        with self.engine.begin() as conn:
            return conn.execute(update(_DOCS).values(index_pending=True)).rowcount


def _version_row(
    doc_id: str, version: int, digest: str, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "document_id": doc_id,
        "version": version,
        "content_hash": digest,
        "data": data,
        "recorded_at": now,
    }


def _stored(row: Any) -> StoredDocument:
    return StoredDocument(
        row.id,
        row.kind,
        row.code,
        row.code_key,
        row.version,
        row.content_hash,
        row.data,
        row.first_seen,
        row.last_seen,
        row.updated_at,
    )
