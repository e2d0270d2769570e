"""Links to the JSON endpoints land on pages too: alerts/mail.py writes page links (/subscriptions/confirm,
/unsubscribe) into emails, but emails sent before that, and links built from the API's own descriptions, point at
/api/subscriptions/confirm?token=... or /api/unsubscribe?token=...; a browser (it asks for HTML first) opening
one is sent to the page for it, which does what the JSON endpoint does, in the reader's language. API clients,
and the one-click POST of RFC 8058 (List-Unsubscribe-Post, to /api/unsubscribe), are not touched."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

PAGES = {"/api/subscriptions/confirm": "/subscriptions/confirm", "/api/unsubscribe": "/unsubscribe"}


class EmailLinksToPages:
    """ASGI middleware: a GET of an email link by a browser (it asks for HTML first) becomes a 303 to the page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = PAGES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if target and scope["method"] == "GET" and _asks_for_html(scope):
            query = scope.get("query_string", b"").decode("latin-1")
            await RedirectResponse(f"{target}?{query}" if query else target, status_code=303)(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def _asks_for_html(scope: Scope) -> bool:
    return Headers(scope=scope).get("accept", "").lstrip().startswith("text/html")
