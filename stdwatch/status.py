"""A standard's status as of a given day, from its dates and the replacement links (issue 10, item 6).

Sources state a status when they publish a record and rarely revisit it: GB/T 45565-2025 said "upcoming" long
after its effective date, and a standard whose successor is recorded kept no status at all. The rules, in
order:

1. withdrawn on or before the day -> withdrawn; a source that says withdrawn is believed (nothing
   un-withdraws);
2. a successor recorded and in force -> replaced; a source that says replaced is believed;
3. an effective date after the day -> upcoming; on or before it -> current;
4. otherwise what the source stated (possibly nothing).

A successor is recorded when the standard names it in `replaced_by`, or a stored standard says it `replaces`
this one (by exact code, or by its code without an edition, then only older editions). It is in force unless
the store knows it is not yet: an effective date after the day, or a stated "upcoming" without a date. A
status worked out here is stored as `status_source = derived`; one a source stated stays `source`.
The store derives the status whenever it stores a standard (DocumentRepository.upsert_many calls
`StatusFacts` / `with_status_as_of`), in the same version, so a record arrives with its status and a new record
is just "new" to the alert matcher; a stored predecessor whose successor arrives in force becomes `replaced`
in that same transaction. `roll_statuses` is the daily roll the scheduler runs for the passage of time: every
change of derived status is a new version, which the alert matcher sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from stdwatch.identifiers import CodeError, parse_standard_code
from stdwatch.records import Kind, StandardRecord, Status, StatusSource, record_from_json

if TYPE_CHECKING:  # the store calls this module when it stores a standard: no import of it at run time
    from stdwatch.store.repository import DocumentRepository, StoredDocument, UpsertResult


def derive_status(
    record: StandardRecord, today: date, successor_in_force: bool
) -> tuple[Status | None, StatusSource | None]:
    """The status as of `today` and where it comes from (the rules in the module docstring)."""
    stated = record.status if record.status_source is not StatusSource.DERIVED else None
    if record.withdrawn is not None and record.withdrawn <= today:
        status: Status | None = Status.WITHDRAWN
    elif stated is Status.WITHDRAWN:
        status = Status.WITHDRAWN
    elif successor_in_force or stated is Status.REPLACED:
        status = Status.REPLACED
    elif record.effective is not None:
        status = Status.UPCOMING if record.effective > today else Status.CURRENT
    else:
        status = stated
    if status is None:
        return None, None
    return status, StatusSource.SOURCE if status is stated else StatusSource.DERIVED


def with_status_as_of(record: StandardRecord, today: date, successor_in_force: bool) -> StandardRecord:
    """The record with its status as of `today` (the same object when nothing changes)."""
    status, source = derive_status(record, today, successor_in_force)
    if (status, source) == (record.status, record.status_source):
        return record
    return replace(record, status=status, status_source=source)


def in_force(data: dict[str, Any], today: date) -> bool:
    """Whether a stored successor is in force on `today`, as far as the store knows."""
    effective = data.get("effective")
    if effective:
        return date.fromisoformat(effective) <= today
    return data.get("status") != Status.UPCOMING.value


def _year(code: str) -> str:
    try:
        return parse_standard_code(code).year or ""
    except CodeError:
        return ""


def replaces_applies(target: str, successor_code: str, code: str, key: str) -> bool:
    """Whether `successor_code` stating `replaces: target` replaces the standard `code` (key `key`)."""
    if successor_code == code or target not in (code, key):
        return False
    if target == code or _key(successor_code) != key:
        return True
    # A new edition citing its predecessor without an edition replaces the older editions only.
    return _year(code) < _year(successor_code)


def _key(code: str) -> str:
    try:
        return parse_standard_code(code).key
    except CodeError:
        return code


@dataclass
class StatusFacts:
    """What deriving statuses needs to know about the standards concerned: the whole store for the roll, the
    batch being stored plus the stored documents it names or that name it for the store."""

    by_code: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    replacing: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, doc: StoredDocument) -> None:
        data = doc.data
        self._add(
            doc.code, doc.code_key, data.get("effective"), data.get("status"), data.get("replaces") or []
        )

    @classmethod
    def for_batch(cls, stored: Iterable[StoredDocument], batch: Sequence[StandardRecord]) -> StatusFacts:
        """The batch being stored over the stored documents it concerns: what a record says now wins over
        what its stored version said (its `replaces` too)."""
        facts = cls()
        latest = {record.code: record for record in batch}  # the last record of a document is what is stored
        for doc in stored:
            if doc.code not in latest:
                facts.add(doc)
        for record in latest.values():
            effective = record.effective.isoformat() if record.effective else None
            status = record.status.value if record.status else None
            facts._add(record.code, record.key, effective, status, record.replaces)
        return facts

    def _add(self, code: str, key: str, effective: Any, status: Any, replaces: Sequence[str]) -> None:
        known = code in self.by_code
        self.by_code[code] = {"effective": effective, "status": status}
        if not known:
            self.by_key[key].append(code)
        for target in replaces:
            self.replacing[target].append((code, target))

    def named(self, code: str, own: str) -> Sequence[dict[str, Any] | None]:
        """What the store knows of a successor named by code (every edition when named without one)."""
        if code in self.by_code:
            return [self.by_code[code]]
        editions: list[dict[str, Any] | None] = [
            self.by_code[c] for c in self.by_key.get(code, ()) if c != own
        ]
        return editions or [None]

    def successor_in_force(self, record: StandardRecord, today: date) -> bool:
        named = [data for code in record.replaced_by for data in self.named(code, record.code)]
        if any(data is None or in_force(data, today) for data in named):
            return True
        claims = self.replacing.get(record.code, []) + self.replacing.get(record.key, [])
        return any(
            replaces_applies(target, successor, record.code, record.key)
            and in_force(self.by_code[successor], today)
            for successor, target in claims
        )


def roll_statuses(repo: DocumentRepository, today: date) -> UpsertResult:
    """Store a new version of every standard whose status as of `today` differs from the stored one."""
    from stdwatch.store.repository import UpsertResult

    facts = StatusFacts()
    for batch in repo.iter_documents():
        for doc in batch:
            if doc.kind == Kind.STANDARD.value:
                facts.add(doc)
    result = UpsertResult()
    for batch in repo.iter_documents():
        changed = []
        for doc in batch:
            if doc.kind != Kind.STANDARD.value:
                continue
            record = record_from_json(doc.data)
            assert isinstance(record, StandardRecord)
            rolled = with_status_as_of(record, today, facts.successor_in_force(record, today))
            if rolled is not record:
                changed.append(rolled)
        if changed:
            result += repo.upsert_many(changed, as_of=today)
    return result


def successor_in_force(repo: DocumentRepository, record: StandardRecord, today: date) -> bool:
    """The same question as the roll asks, for one standard, answered by look-ups (for a status check)."""
    for code in record.replaced_by:
        found = [d for d in repo.find_by_code(code, _key(code)) if d.code != record.code]
        if not found or any(in_force(d.data, today) for d in found):
            return True
    for link in repo.links_to(record.code, record.key):
        successor = repo.get(link.document_id)
        if (
            link.relation == "replaces"
            and successor is not None
            and replaces_applies(link.target_code, successor.code, record.code, record.key)
            and in_force(successor.data, today)
        ):
            return True
    return False
