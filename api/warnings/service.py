"""Which TBT notifications are open for comments today, soonest final date for comments first.

Candidates come from the search backend (kind=tbt_notification, distributed within the look-back window,
optionally an industry profile's disjunction and a member), then each notification's chain in the store of
record says the final date now in force (an addendum can move it): one row per notification chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.matcher import profile_queries
from alerts.profiles import IndustryProfile
from alerts.services import Services
from api.documents.service import notification_chain, title_of
from search.params import MAX_PAGE, MAX_SIZE
from search.query import SearchQuery, SortOrder
from stdwatch.store import StoredDocument

# A comment period is usually 60 days; addenda sometimes extend it by months. A notification distributed more
# than a year ago is not looked at.
LOOKBACK_DAYS = 366


@dataclass(frozen=True)
class OpenNotification:
    id: str
    symbol: str
    member: str | None
    title: str | None
    distributed: str | None
    deadline: date
    days_left: int
    deadline_from: str
    products: str | None


@dataclass(frozen=True)
class Board:
    today: date
    notifications: list[OpenNotification]
    members: dict[str, int]  # members with notifications in the window, for the filter


def _queries(profile: IndustryProfile | None, member: str | None, today: date) -> list[SearchQuery]:
    filters: dict[str, tuple[str, ...]] = {"kind": ("tbt_notification",)}
    if member:
        filters["member"] = (member,)
    window = {"date": (today - timedelta(days=LOOKBACK_DAYS), None)}
    bases = profile_queries(profile) if profile else [SearchQuery()]
    return [
        replace(q, filters={**q.filters, **filters}, ranges=window, sort=SortOrder.NEWEST, size=MAX_SIZE)
        for q in bases
    ]


def _all_hits(services: Services, query: SearchQuery) -> Iterator[str]:
    page = 1
    while page <= MAX_PAGE:
        result = services.backend.search(replace(query, page=page))
        yield from (hit.id for hit in result.hits)
        if page * query.size >= result.total or not result.hits:
            return
        page += 1


def _row(services: Services, doc: StoredDocument, today: date) -> OpenNotification | None:
    chain = notification_chain(services.repo, doc)
    current: dict[str, Any] = chain.current if chain else {}
    raw = current.get("comment_deadline") or doc.data.get("comment_deadline")
    if not raw:
        return None
    deadline = date.fromisoformat(str(raw)[:10])
    if deadline < today:
        return None
    base = next((d for d in chain.documents if d.relation == "base"), None) if chain else None
    shown = services.repo.get(base.id) if base and base.id else doc
    data = (shown or doc).data
    return OpenNotification(
        id=(shown or doc).id,
        symbol=(shown or doc).code,
        member=data.get("member"),
        title=title_of(data),
        distributed=data.get("distribution_date"),
        deadline=deadline,
        days_left=(deadline - today).days,
        deadline_from=str(current.get("comment_deadline_from") or doc.code),
        products=data.get("products"),
    )


def today_for(services: Services) -> date:
    """Today in the organization's timezone (a final date for comments is a calendar day there)."""
    return datetime.now(ZoneInfo(services.settings.timezone)).date()


def open_for_comments(
    services: Services, today: date, profile: IndustryProfile | None = None, member: str | None = None
) -> Board:
    """The board for `today`: every chain whose final date for comments is today or later."""
    queries = _queries(profile, member, today)
    ids = list(dict.fromkeys(i for q in queries for i in _all_hits(services, q)))
    rows: dict[str, OpenNotification] = {}
    seen: set[str] = set()
    for doc in services.repo.get_many(ids):
        if doc.code_key in seen:  # one row per chain, whichever of its documents matched
            continue
        seen.add(doc.code_key)
        row = _row(services, doc, today)
        if row is not None:
            rows[doc.code_key] = row
    members = services.backend.search(replace(_queries(None, None, today)[0], size=1)).facets.get(
        "member", {}
    )
    ordered = sorted(rows.values(), key=lambda r: (r.deadline, r.symbol))
    return Board(today, ordered, dict(sorted(members.items())))
