"""One error shape for every failure: {"error": code, "message": text}; user input never yields a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from search.base import SearchBackendError

log = logging.getLogger(__name__)


class BadRequest(Exception):
    """A request that is well-formed but asks for something impossible (e.g. date_from after date_to)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ErrorOut(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: str
    message: str


_MEANINGS = {
    400: "A parameter the route does not accept, or values it cannot use together",
    401: "No valid API key or session",
    403: "The user's role does not allow this",
    404: "Not found; the message names what was looked for",
    409: "Conflicts with what is stored",
    422: "A parameter or body field of the wrong type or out of range; the message names it",
    503: "A service the answer needs is unavailable; retry later",
}
# Starlette's words when a request body cannot be decoded at all (not UTF-8): answered like JSON that does not
# parse, which FastAPI reports as a 422 naming the body, so a client meets one answer for one kind of mistake.
_UNREADABLE_BODY = "There was an error parsing the body"


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error answers it can give, all in the {"error", "message"} shape."""
    return {code: {"model": ErrorOut, "description": _MEANINGS[code]} for code in codes}


def only_params(*accepted: str) -> Callable[[Request], None]:
    """A dependency that answers 400 for a query parameter the route does not know, so a misspelt filter is
    never silently ignored."""

    def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - set(accepted))
        if unknown:
            listed = ", ".join(accepted) if accepted else "none"
            raise BadRequest(f"unknown query parameter(s) {unknown}; this route accepts: {listed}")

    return check


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
        if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
            return JSONResponse(
                status_code=422,
                content={
                    "error": "invalid_request",
                    "message": "body: cannot be read; send UTF-8 encoded JSON",
                },
            )
        # The headers carry protocol facts the client needs (`Allow` on a 405, `WWW-Authenticate` on a 401).
        return JSONResponse(
            status_code=exc.status_code,
            headers=exc.headers,
            content={"error": "http_error", "message": str(exc.detail)},
        )

    @app.exception_handler(SearchBackendError)
    async def _backend(_: Request, exc: SearchBackendError) -> JSONResponse:
        log.error("search backend failed: %s", exc)
        return JSONResponse(
            status_code=503,
            content={
                "error": "search_unavailable",
                "message": "the search engine is unavailable; retry later",
            },
        )
