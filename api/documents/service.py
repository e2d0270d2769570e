"""A document with its version history and the documents it is related to (both directions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stdwatch.chain import dates_in_force, in_chain_order
from stdwatch.identifiers import parse_tbt_symbol
from stdwatch.store import DocumentRepository, StoredDocument
from stdwatch.store.repository import Link

_INVERSE = {"replaces": "replaced_by", "replaced_by": "replaces", "adopts": "adopted_by"}


@dataclass(frozen=True)
class VersionInfo:
    version: int
    recorded_at: datetime
    content_hash: str
    changed_fields: list[str]
    data: dict[str, Any]


@dataclass(frozen=True)
class Related:
    relation: str
    code: str
    id: str | None
    kind: str | None
    title: str | None


@dataclass(frozen=True)
class NotificationChain:
    """A base notification with its addenda, revisions and corrigenda, and the dates now in force: an addendum
    that moves the comment deadline or announces adoption / entry into force overrides the earlier documents."""

    base: str
    documents: list[Related]
    current: dict[str, Any]


@dataclass(frozen=True)
class DocumentDetail:
    document: StoredDocument
    history: list[VersionInfo]
    related: list[Related]
    chain: NotificationChain | None = None


def notification_chain(repo: DocumentRepository, doc: StoredDocument) -> NotificationChain | None:
    if doc.kind != "tbt_notification":
        return None
    members = in_chain_order(repo.editions(doc.code_key))
    current = dates_in_force(members)  # later documents of the chain override earlier ones
    documents = [
        Related(
            _tbt_relation(m.code) if m.code != doc.code_key else "base",
            m.code,
            m.id,
            m.kind,
            title_of(m.data),
        )
        for m in members
    ]
    return NotificationChain(doc.code_key, documents, current)


def title_of(data: dict[str, Any]) -> str | None:
    for key in ("title_zh", "title_zh_hant", "title_en", "title"):
        if data.get(key):
            return str(data[key])
    return None


def _changed(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _related(doc: StoredDocument, relation: str, code: str) -> Related:
    return Related(relation, code, doc.id, doc.kind, title_of(doc.data))


def _outgoing(repo: DocumentRepository, doc: StoredDocument, links: list[Link]) -> list[Related]:
    found = []
    for link in links:
        targets = [t for t in repo.find_by_code(link.target_code, link.target_key) if t.id != doc.id]
        # a base symbol equals its chain's key, so the look-up also finds the addenda: keep the base itself
        if link.relation == "base":
            targets = [t for t in targets if t.code == link.target_code]
        if not targets:
            found.append(Related(link.relation, link.target_code, None, None, None))
        found += [_related(t, link.relation, t.code) for t in targets]
    return found


def _incoming(repo: DocumentRepository, doc: StoredDocument) -> list[Related]:
    found = []
    for link in repo.links_to(doc.code, doc.code_key):
        source = repo.get(link.document_id)
        if source is None or source.id == doc.id:
            continue
        relation = _INVERSE.get(link.relation) or _tbt_relation(source.code)
        found.append(_related(source, relation, source.code))
    return found


def _tbt_relation(symbol: str) -> str:
    return parse_tbt_symbol(symbol).relation or "base"


def document_detail(repo: DocumentRepository, doc_id: str) -> DocumentDetail | None:
    """Everything the API shows for one document; None if there is no such document."""
    doc = repo.get(doc_id)
    if doc is None:
        return None
    versions, previous = [], None
    for entry in repo.history(doc_id):
        versions.append(
            VersionInfo(
                entry.version,
                entry.recorded_at,
                entry.content_hash,
                _changed(previous, entry.data),
                entry.data,
            )
        )
        previous = entry.data
    related = _outgoing(repo, doc, repo.links_from(doc_id)) + _incoming(repo, doc)
    seen = {(r.relation, r.id or r.code) for r in related}
    for other in repo.editions(doc.code_key):
        relation = "edition" if doc.kind == "standard" else "same_notification"
        if other.id != doc.id and not any(key[1] == other.id for key in seen):
            related.append(_related(other, relation, other.code))
    unique: dict[tuple[str, str], Related] = {}
    for item in related:
        unique.setdefault((item.relation, item.id or item.code), item)
    return DocumentDetail(doc, versions, list(unique.values()), notification_chain(repo, doc))
