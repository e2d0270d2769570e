"""GET /api/search: free text (Chinese simplified or traditional, English, codes) with filters and facets.

The parameters are those of search.params (derived from the field table); they are read from the raw query
string so that an unknown parameter or undecodable text is refused instead of silently ignored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.search.export import router as export_router
from api.search.request import search_query
from api.search.schemas import SearchOut, search_json
from search.base import SearchBackend
from search.params import openapi_parameters
from search.query import SearchQuery

router = APIRouter(prefix="/api", tags=["search"])
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "A parameter is unknown or invalid; the message names it."},
    503: {"description": "The search engine is unavailable or its index must be rebuilt."},
}


def _answer(backend: SearchBackend, query: SearchQuery) -> bytes:
    return search_json(backend.search(query), query)


@router.get(
    "/search",
    response_model=SearchOut,
    responses=ERROR_RESPONSES,
    openapi_extra={"parameters": openapi_parameters()},
)
async def search(request: Request, services: ServicesDep) -> Response:
    """Search standards and TBT notifications; facets count kind, region, member, status and year."""
    # Async with one explicit thread-pool hop for the engine work and the JSON encoding together: a sync
    # handler with a response_model costs two hops (the handler, then FastAPI's validation of what it returned),
    # and a hop cost 0.05-0.2 ms of CPU in bench/bench_api.py (a code look-up costs ~1 ms in all). The engine
    # stays off the event loop: Elasticsearch waits on the network, and a slow query must not stall the worker's
    # other connections. Parsing the query string (no I/O) stays on the loop.
    query = search_query(request)
    body = await run_in_threadpool(_answer, services.backend, query)
    return Response(body, media_type="application/json")


router.include_router(export_router)
