"""GET /api/search: free text (Chinese simplified or traditional, English, codes) with filters and facets.

The parameters are those of search.params (derived from the field table); they are read from the raw query
string so that an unknown parameter or undecodable text is refused instead of silently ignored.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request

from api.deps import ServicesDep
from api.errors import BadRequest
from api.search.schemas import HitOut, SearchOut
from search.params import ParamError, openapi_parameters, query_from_params
from search.query import SearchQuery

router = APIRouter(prefix="/api", tags=["search"])
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "A parameter is unknown or invalid; the message names it."},
    503: {"description": "The search engine is unavailable or its index must be rebuilt."},
}


def search_query(request: Request) -> SearchQuery:
    """The validated SearchQuery of a request's query string; BadRequest names the faulty parameter."""
    raw = request.scope.get("query_string", b"")
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeError:
        raise BadRequest("the query string is not valid UTF-8 (percent-encode the text as UTF-8)") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    try:
        return query_from_params(params)
    except ParamError as exc:
        raise BadRequest(str(exc)) from None


@router.get(
    "/search",
    response_model=SearchOut,
    responses=ERROR_RESPONSES,
    openapi_extra={"parameters": openapi_parameters()},
)
def search(request: Request, services: ServicesDep) -> SearchOut:
    """Search standards and TBT notifications; facets count kind, region, member, status and year."""
    query = search_query(request)
    result = services.backend.search(query)
    return SearchOut(
        total=result.total,
        page=query.page,
        size=query.size,
        facets=result.facets,
        hits=[HitOut.model_validate(h, from_attributes=True) for h in result.hits],
    )
