"""For a list of standard codes (a company's own list, a catalogue): is each current, withdrawn or replaced, and by
what? Answered from the store of record: the record's status, its replaced-by codes, records that say they
replace it, and newer editions of the same standard."""

from __future__ import annotations

from dataclasses import dataclass

from stdwatch.identifiers import CodeError, parse_standard_code
from stdwatch.store import DocumentRepository


@dataclass(frozen=True)
class StatusReport:
    listed: str
    found: str | None
    status: str
    replaced_by: list[str]
    note: str = ""


def check_code(repo: DocumentRepository, listed: str) -> StatusReport:
    try:
        code = parse_standard_code(listed)
    except CodeError as exc:
        return StatusReport(listed, None, "invalid", [], str(exc))
    exact, key = str(code), code.key
    editions = sorted(repo.editions(key), key=lambda d: d.code)
    match = next((d for d in editions if d.code == exact), None)
    if match is None and code.year is None and editions:
        match = max(editions, key=lambda d: (d.data.get("published") or "", d.code))
    if match is None:
        return StatusReport(listed, None, "unknown", [], "not in the database")
    replaced_by = list(match.data.get("replaced_by") or [])
    replaced_by += [link.document_id for link in repo.links_to(match.code, match.code_key)
                    if link.relation == "replaces"]
    newer = [d.code for d in editions if d.code > match.code and d.id != match.id]
    replaced_by = list(dict.fromkeys(_code_of(repo, r) for r in replaced_by))
    status = match.data.get("status") or "unknown"
    if status == "current" and newer:
        note = f"newer edition(s) listed: {', '.join(newer)}"
    elif newer and not replaced_by:
        replaced_by, note = newer, "superseded by a newer edition"
    else:
        note = ""
    return StatusReport(listed, match.code, status, replaced_by, note)


def _code_of(repo: DocumentRepository, value: str) -> str:
    doc = repo.get(value)
    return doc.code if doc else value
