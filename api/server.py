"""Running the app under uvicorn, accepting the raw UTF-8 query strings that curl sends.

Browsers percent-encode `?q=锂电池`; curl and many scripts send the UTF-8 bytes as they are, which HTTP/1.1
parsers reject as an invalid request line. We widen h11's request-line pattern to accept such bytes in the
QUERY part only (the path stays strict ASCII) and percent-encode them before the app sees the request, so
`curl '127.0.0.1:8000/api/search?q=锂电池'` works as users expect.
"""

from __future__ import annotations

import re
from typing import Any

import h11._events
import h11._readers
from starlette.types import ASGIApp, Receive, Scope, Send

_TOKEN = r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
_TARGET = rb"[\x21-\x3e\x40-\x7e]+(?:\?[\x21-\x7e\x80-\xff]*)?"
_LENIENT_REQUEST_LINE = re.compile(
    rb"(?P<method>"
    + _TOKEN.encode()
    + rb") (?P<target>"
    + _TARGET
    + rb") HTTP/(?P<http_version>[0-9]\.[0-9])"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def accept_utf8_query_strings() -> None:
    """Let h11 read request lines whose query string holds raw UTF-8 bytes."""
    h11._readers.request_line_re = _LENIENT_REQUEST_LINE
    h11._events.request_target_re = re.compile(_TARGET)


class PercentEncodeQuery:
    """ASGI middleware: percent-encode raw non-ASCII bytes of the query string (decoded as UTF-8 later)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _NON_ASCII.search(scope.get("query_string", b"")):
            # In place: uvicorn logs the request from this same scope and needs it ASCII.
            scope["query_string"] = _NON_ASCII.sub(lambda m: b"%%%02X" % m[0][0], scope["query_string"])
        await self.app(scope, receive, send)


def worker_app() -> ASGIApp:
    """The app as each uvicorn worker process builds it (settings from the environment): several workers need
    an import string, and each process needs the h11 patch of its own."""
    from api.main import create_app

    accept_utf8_query_strings()
    return PercentEncodeQuery(create_app())


def run(app: Any, host: str, port: int, log_level: str = "warning", workers: int = 1) -> None:
    import uvicorn

    accept_utf8_query_strings()
    if workers > 1:
        uvicorn.run(
            "api.server:worker_app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            http="h11",
            log_level=log_level,
        )
        return
    uvicorn.run(PercentEncodeQuery(app), host=host, port=port, http="h11", log_level=log_level)
