"""One error shape for every failure: {"error": code, "message": text}; user input never yields a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from search.base import SearchBackendError

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """A request that is well-formed but asks for something impossible (e.g. date_from after date_to)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": "invalid_request", "message": _describe(exc)})

    @app.exception_handler(BadRequest)
    async def _bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse(status_code=400, content={"error": "bad_request", "message": exc.message})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code,
                            content={"error": "http_error", "message": str(exc.detail)})

    @app.exception_handler(SearchBackendError)
    async def _backend(_: Request, exc: SearchBackendError) -> JSONResponse:
        log.error("search backend failed: %s", exc)
        return JSONResponse(status_code=503, content={"error": "search_unavailable",
                                                      "message": "the search engine is unavailable; retry later"})
