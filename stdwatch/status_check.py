"""For a list of standard codes (a company's own list, a catalogue): is each current, withdrawn or replaced,
and by what? Answered from the store of record: the record's status as of the day (stdwatch.status: dates and
replacement links, not only what a source once stated), its replaced-by codes, records that say they replace
it, and newer editions of the same standard."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from stdwatch.catalogue import ListedCode, RowError
from stdwatch.identifiers import CodeError, parse_standard_code
from stdwatch.records import StandardRecord, record_from_json
from stdwatch.status import derive_status, successor_in_force
from stdwatch.store import DocumentRepository

# Report statuses besides the document statuses (current, upcoming, withdrawn, replaced).
NOT_FOUND = "not in database"
UNKNOWN = "unknown"
INVALID = "invalid"
REJECTED = "rejected"


@dataclass(frozen=True)
class StatusReport:
    listed: str
    found: str | None
    status: str
    replaced_by: list[str] = field(default_factory=list)
    note: str = ""
    row: int | None = None


def check_code(repo: DocumentRepository, listed: str, today: date | None = None) -> StatusReport:
    """The status of one listed code as of `today` (default: the machine's date)."""
    today = today or date.today()
    try:
        code = parse_standard_code(listed)
    except CodeError as exc:
        return StatusReport(listed, None, INVALID, [], str(exc))
    exact, key = str(code), code.key
    editions = sorted(repo.editions(key), key=lambda d: d.code)
    match = next((d for d in editions if d.code == exact), None)
    if match is None and code.year is None and editions:
        match = max(editions, key=lambda d: (d.data.get("published") or "", d.code))
    if match is None:
        return StatusReport(listed, None, NOT_FOUND, [], "no record of this standard in the database")
    record = record_from_json(match.data)
    assert isinstance(record, StandardRecord)
    derived, _source = derive_status(record, today, successor_in_force(repo, record, today))
    replaced_by = list(match.data.get("replaced_by") or [])
    replaced_by += [
        link.document_id
        for link in repo.links_to(match.code, match.code_key)
        if link.relation == "replaces" and link.document_id != match.id
    ]
    newer = [d.code for d in editions if d.code > match.code and d.id != match.id]
    replaced_by = list(dict.fromkeys(_code_of(repo, r) for r in replaced_by))
    status = derived.value if derived else UNKNOWN
    if status == "current" and newer:
        note = f"newer edition(s) listed: {', '.join(newer)}"
    elif newer and not replaced_by:
        replaced_by, note = newer, "superseded by a newer edition"
    elif derived is None:
        note = "found, but no source states its status and it has no dates to work it out from"
    else:
        note = ""
    return StatusReport(listed, match.code, status, replaced_by, note)


def check_rows(
    repo: DocumentRepository, rows: Iterable[ListedCode | RowError], today: date | None = None
) -> list[StatusReport]:
    """A report line for every row of a list: a rejected row with its reason, the others with their status."""
    return [
        StatusReport(r.listed or "", None, REJECTED, [], r.reason, r.row)
        if isinstance(r, RowError)
        else replace(check_code(repo, r.listed, today), row=r.row)
        for r in rows
    ]


def _code_of(repo: DocumentRepository, value: str) -> str:
    doc = repo.get(value)
    return doc.code if doc else value
