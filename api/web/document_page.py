"""`/documents/{id}`: one document as GET /api/documents/{id} answers it (api.documents.service), presented:
status badge, lifecycle timeline, TBT final date with days left, the notification chain, related documents."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.documents.service import DocumentDetail, Related, document_detail
from api.studies.service import citing
from api.warnings.service import today_for
from api.web.i18n import language_of, translate
from api.web.render import current_user, error_page, page, services_of

router = APIRouter(include_in_schema=False)
STANDARD_EVENTS = ("published", "effective", "withdrawn")
TBT_EVENTS = ("distribution_date", "comment_deadline", "proposed_adoption", "proposed_entry_into_force")
# Fields shown elsewhere on the page or only internal.
_HIDDEN = {"kind", "_replace"}


@dataclass(frozen=True)
class Event:
    """A point of the lifecycle: a dated event, or a link to a predecessor / successor."""

    label_key: str
    when: str | None = None
    note: str | None = None
    related: Related | None = None


@dataclass(frozen=True)
class Deadline:
    day: date
    days_left: int
    set_by: str


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        if "code" in value:  # an adopted standard: code and degree of equivalence
            return f"{value['code']} ({value['degree']})" if value.get("degree") else str(value["code"])
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def fields(data: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Every field that has a value: (name, text, is a link)."""
    out = []
    for name, value in data.items():
        if name in _HIDDEN or value in (None, "", [], {}):
            continue
        text = _text(value)
        out.append((name, text, name.endswith("url") and text.startswith(("http://", "https://"))))
    return out


def _dated(data: dict[str, Any], current: dict[str, Any], names: tuple[str, ...]) -> list[Event]:
    events = []
    for name in names:
        when = current.get(name) if name in current else data.get(name)
        text = current.get(f"{name}_text") if name in current else data.get(f"{name}_text")
        source = current.get(f"{name}_from")
        if when or text:
            note = source if source and source != data.get("symbol") else None
            events.append(Event(f"ev.{name}", str(when) if when else None, text if not when else note))
    return sorted(events, key=lambda e: e.when or "9999")


def timeline(detail: DocumentDetail) -> list[Event]:
    """Predecessors, the document's dated events in order, then successors."""
    data = detail.document.data
    if detail.document.kind == "tbt_notification":
        return _dated(data, detail.chain.current if detail.chain else {}, TBT_EVENTS)
    before = [Event("rel.replaces", related=r) for r in detail.related if r.relation == "replaces"]
    after = [Event("rel.replaced_by", related=r) for r in detail.related if r.relation == "replaced_by"]
    return before + _dated(data, {}, STANDARD_EVENTS) + after


def deadline(detail: DocumentDetail, today: date) -> Deadline | None:
    current = detail.chain.current if detail.chain else {}
    raw = current.get("comment_deadline") or detail.document.data.get("comment_deadline")
    if not raw:
        return None
    day = date.fromisoformat(str(raw)[:10])
    return Deadline(
        day, (day - today).days, str(current.get("comment_deadline_from") or detail.document.code)
    )


def deadline_text(lang: str, found: Deadline) -> str:
    if found.days_left > 0:
        return translate(lang, "doc.days_left", days=found.days_left)
    if found.days_left == 0:
        return translate(lang, "doc.today")
    return translate(lang, "doc.closed", days=-found.days_left)


def related(detail: DocumentDetail) -> list[Related]:
    """Related documents not already shown in the notification chain."""
    in_chain = {d.id for d in detail.chain.documents} if detail.chain else set()
    return [r for r in detail.related if r.id is None or r.id not in in_chain]


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str) -> HTMLResponse:
    services = services_of(request)
    if current_user(request) is None and not services.settings.search_open:
        return error_page(
            request, 401, "documents are closed to anonymous readers on this server: sign in first"
        )
    detail = document_detail(services.repo, doc_id)
    if detail is None:
        return error_page(request, 404, f"no document with id {doc_id!r}")
    found = deadline(detail, today_for(services))
    data = detail.document.data
    return page(
        request,
        "document.html",
        {
            "doc": detail.document,
            "detail": detail,
            "data": data,
            "title": data.get("title_zh")
            or data.get("title_zh_hant")
            or data.get("title_en")
            or data.get("title"),
            "status": data.get("status") if detail.document.kind == "standard" else None,
            "fields": fields(data),
            "timeline": timeline(detail),
            "deadline": found,
            "deadline_text": deadline_text(language_of(request), found) if found else None,
            "chain": detail.chain.documents if detail.chain else [],
            "related": related(detail),
            "history": list(reversed(detail.history)),
            "studies": citing(services.repo, detail.document),
        },
    )
