"""GET /api/search: free text (Chinese simplified or traditional, English, codes) with filters and facets.

The parameters are those of search.params (derived from the field table); they are read from the raw query
string so that an unknown parameter or undecodable text is refused instead of silently ignored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import ServicesDep
from api.search.export import router as export_router
from api.search.request import search_query
from api.search.schemas import HitOut, SearchOut
from search.params import openapi_parameters

router = APIRouter(prefix="/api", tags=["search"])
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "A parameter is unknown or invalid; the message names it."},
    503: {"description": "The search engine is unavailable or its index must be rebuilt."},
}


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
        total_is_lower_bound=result.total_is_lower_bound,
        page=query.page,
        size=query.size,
        facets=result.facets,
        hits=[HitOut.model_validate(h, from_attributes=True) for h in result.hits],
        partial=result.partial,
    )


router.include_router(export_router)
