"""What a search backend indexes for one stored record (the same for every backend)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from search.analysis import Analyzer
from search.fields import LEVELS, PREFIX_FILTERS, tag
from stdwatch.identifiers import CodeError, parse_standard_code, parse_tbt_symbol
from stdwatch.records import Kind, StandardRecord, TbtNotification, record_from_json


@dataclass(frozen=True)
class SearchDocument:
    id: str
    kind: str
    code: str
    code_key: str
    family: str | None
    region: str
    member: str | None
    status: str | None
    date: date | None
    title: str
    titles: list[str]
    body: str
    codes: list[str]
    ics: list[str] = field(default_factory=list)
    hs: list[str] = field(default_factory=list)
    # Filter fields of issue 11 (search.fields); successor links shown in hits.
    level: str | None = None
    ccs: list[str] = field(default_factory=list)
    degree: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    committee: str | None = None
    notification_type: str | None = None
    deadline: datetime.date | None = None  # `date` is a field name here
    replaced_by: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    def value(self, field: str) -> Any:
        """The value of a field of search.fields."""
        return getattr(self, field)


@dataclass(frozen=True)
class IndexedDocument:
    """A document with the tokens every backend indexes and the plan evaluator reads, made once."""

    document: SearchDocument
    title_tok: list[str]
    title_bg: list[str]
    body_tok: list[str]
    body_bg: list[str]
    codes: list[str]
    tags: list[str]


def index_document(doc: SearchDocument, analyzer: Analyzer) -> IndexedDocument:
    title_tok, title_bg = analyzer.analyse("\n".join(doc.titles) or doc.title)
    body_tok, body_bg = analyzer.analyse(doc.body)
    tags = [tag(f.name, c) for f in PREFIX_FILTERS for c in doc.value(f.name)]
    return IndexedDocument(
        doc, title_tok, title_bg, body_tok, body_bg, analyzer.runs(" ".join(doc.codes)), tags
    )


def search_document(data: dict[str, Any]) -> SearchDocument:
    """Turn a stored record (StdWatch JSON) into the backend-neutral document to index."""
    record = record_from_json(data)
    if isinstance(record, StandardRecord):
        return _standard(record)
    return _tbt(record)


def _standard(r: StandardRecord) -> SearchDocument:
    titles = [t for t in (r.title_zh, r.title_zh_hant, r.title_en) if t]
    body = "\n".join(t for t in (r.responsible, *r.drafting_bodies) if t)
    codes = [r.code, r.code_published, *r.replaces, *r.replaced_by, *(a.code for a in r.adopts)]
    return SearchDocument(
        id=r.id,
        kind=Kind.STANDARD.value,
        code=r.code,
        code_key=r.key,
        family=r.family.value,
        region=r.region.value,
        member=None,
        status=r.status.value if r.status else None,
        date=r.published or r.effective,
        title=r.title or r.code,
        titles=titles,
        body=body,
        codes=list(dict.fromkeys(codes)),
        ics=r.ics,
        hs=[],
        level=LEVELS.get(r.family.value),
        ccs=r.ccs,
        degree=list(dict.fromkeys(a.degree.value for a in r.adopts if a.degree)),
        adopted=list(dict.fromkeys(k for a in r.adopts if (k := _code_key(a.code)))),
        committee=r.responsible,
        replaced_by=r.replaced_by,
    )


def _code_key(code: str) -> str | None:
    try:
        return parse_standard_code(code).key
    except CodeError:
        return None


def _notification_type(r: TbtNotification) -> str:
    """The record's stated type, else what the symbol says (Add./Rev./Corr./Suppl.); a bare symbol is regular."""
    stated = getattr(r, "notification_type", None)
    if stated:
        return str(getattr(stated, "value", stated))
    try:
        return parse_tbt_symbol(r.symbol).relation or "regular"
    except CodeError:
        return "regular"


def _tbt(r: TbtNotification) -> SearchDocument:
    titles = [t for t in (r.title_zh, r.title) if t]
    body = "\n".join(t for t in (r.description, r.products, r.objective, r.agency, r.member_name) if t)
    return SearchDocument(
        id=r.id,
        kind=Kind.TBT.value,
        code=r.symbol,
        code_key=r.key,
        family=None,
        region=r.region.value,
        member=r.member,
        status=None,
        date=r.distribution_date,
        title=r.display_title or r.symbol,
        titles=titles,
        body=body,
        codes=list(dict.fromkeys([r.symbol, r.symbol_published])),
        ics=r.ics,
        hs=r.hs,
        notification_type=_notification_type(r),
        deadline=r.comment_deadline,
    )
