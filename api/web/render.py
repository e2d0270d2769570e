"""Rendering a page: the Jinja2 environment and the context every template gets (language, user, CSRF)."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import partial
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from alerts.services import Services
from api.web.i18n import COOKIE, LANGUAGES, language_of, maybe, translate
from api.web.session import CSRF_FIELD, browser_secret, session_user, set_cookies, web_keys
from stdwatch.store.accounts import AccountRepository, UserInfo

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
_MARK = re.compile(r"(</?mark>)")


def marked(snippet: str | None) -> Markup:
    """A search snippet with only its <mark> tags kept as HTML (the backends escape the text already; this
    escapes anything else again, so no other tag can get through)."""
    parts = _MARK.split(snippet or "")
    return Markup("".join(p if _MARK.fullmatch(p) else str(escape(unescape(p))) for p in parts))


def day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


TEMPLATES.env.filters["marked"] = marked
TEMPLATES.env.filters["day"] = day


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def accounts_of(request: Request) -> AccountRepository:
    return AccountRepository(services_of(request).repo.engine)


def current_user(request: Request) -> UserInfo | None:
    return session_user(request, accounts_of(request))


def url_with(request: Request, **changes: str | None) -> str:
    """This page's address with some query parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render `template` with the common context; remembers `?lang=` in a cookie."""
    lang = language_of(request)
    other = "en" if lang == "zh" else "zh"
    keys = web_keys(request)
    base: dict[str, Any] = {
        "lang": lang,
        "t": partial(translate, lang),
        "label": partial(maybe, lang),
        "user": current_user(request),
        "csrf_field": CSRF_FIELD,
        "csrf_token": keys.csrf_token(browser_secret(request)),
        "other_lang": other,
        "other_lang_url": url_with(request, lang=other),
        "path": request.url.path,
    }
    response = TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status)
    set_cookies(request, response)
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(COOKIE, asked, max_age=365 * 86400, httponly=True, samesite="lax", path="/")
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", {"status": status, "message": message}, status=status)
