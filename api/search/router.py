"""GET /api/search: free text (Chinese simplified or traditional, English, codes) with filters and facets."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServicesDep
from api.errors import BadRequest
from api.search.schemas import HitOut, SearchOut
from search.query import SearchQuery, SortOrder
from stdwatch.identifiers import Region
from stdwatch.records import Kind, Status

router = APIRouter(prefix="/api", tags=["search"])

MultiValue = Annotated[list[str], Query(description="Repeat the parameter or separate values by commas.")]


def _values(raw: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for item in raw for v in item.split(",") if v.strip())


def _checked(name: str, raw: list[str], allowed: list[str]) -> tuple[str, ...]:
    values = _values(raw)
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise BadRequest(f"{name}: unknown value(s) {wrong}; expected any of {allowed}")
    return values


def _classification(name: str, raw: list[str], pattern: str, strip: str) -> tuple[str, ...]:
    values = tuple(v.translate({ord(c): None for c in strip}) for v in _values(raw))
    wrong = [v for v in values if not re.fullmatch(pattern, v)]
    if wrong:
        raise BadRequest(f"{name}: {wrong} are not {name.upper()} code prefixes")
    return values


@router.get("/search", response_model=SearchOut)
def search(
    services: ServicesDep,
    q: Annotated[str, Query(max_length=500, description="Words, a standard code or a TBT symbol.")] = "",
    kind: MultiValue = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    region: MultiValue = [],  # noqa: B006
    status: MultiValue = [],  # noqa: B006
    member: MultiValue = [],  # noqa: B006
    ics: MultiValue = [],  # noqa: B006
    hs: MultiValue = [],  # noqa: B006
    date_from: date | None = None,
    date_to: date | None = None,
    sort: SortOrder = SortOrder.RELEVANCE,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    """Search standards and TBT notifications; facets count kind, region, member, status and year."""
    if date_from and date_to and date_from > date_to:
        raise BadRequest(f"date_from ({date_from}) is after date_to ({date_to})")
    query = SearchQuery(
        text=q, kinds=_checked("kind", kind, [k.value for k in Kind]),
        regions=_checked("region", region, [r.value for r in Region]),
        statuses=_checked("status", status, [s.value for s in Status]),
        members=tuple(m.upper() for m in _values(member)),
        ics_prefixes=_classification("ics", ics, r"\d{2}(\.\d{1,3}){0,2}", " "),
        hs_prefixes=_classification("hs", hs, r"\d{2,10}", ". "),
        date_from=date_from, date_to=date_to, sort=sort, page=page, size=size,
    )
    result = services.backend.search(query)
    return SearchOut(total=result.total, page=page, size=size, facets=result.facets,
                     hits=[HitOut(**{k: v for k, v in asdict(h).items() if k != "score"}) for h in result.hits])
