"""Browser sessions and CSRF protection for the web pages.

Signing in with an API key gives a signed session cookie naming the user and the key (never the key itself),
so revoking the key or disabling the user ends the session at the next request. Every POST form carries a
token derived from a random per-browser cookie (double submit, HMAC-bound to the server's secret), so another
site cannot make a signed-in browser post a form. Both cookies are HttpOnly and SameSite=Lax.

The secret is STDWATCH_SECRET_KEY; without it a random per-process secret is used, so sessions and forms
still work but end when the server restarts (and would not be shared by several worker processes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from stdwatch.accounts import parse_key
from stdwatch.signing import Signer, TokenError
from stdwatch.store.accounts import AccountRepository, UserInfo

SESSION_COOKIE = "stdwatch_session"
CSRF_COOKIE = "stdwatch_csrf"
CSRF_FIELD = "csrf_token"
SESSION_PURPOSE = "web-session"
SESSION_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class WebKeys:
    """The secret behind session cookies and CSRF tokens."""

    secret: str

    @classmethod
    def from_setting(cls, configured: str | None) -> WebKeys:
        if configured and len(configured) >= 16:
            return cls(configured)
        return cls(secrets.token_urlsafe(32))

    @property
    def signer(self) -> Signer:
        return Signer(self.secret)

    def csrf_token(self, browser_secret: str) -> str:
        mac = hmac.new(self.secret.encode(), f"csrf:{browser_secret}".encode(), hashlib.sha256)
        return mac.hexdigest()

    def csrf_ok(self, browser_secret: str | None, token: str | None) -> bool:
        if not browser_secret or not token:
            return False
        return hmac.compare_digest(self.csrf_token(browser_secret), token)


def web_keys(request: Request) -> WebKeys:
    keys: WebKeys = request.app.state.web_keys
    return keys


def browser_secret(request: Request) -> str:
    """This browser's CSRF secret: from its cookie, or a new one (set on the response by `set_cookies`)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 16 <= len(existing) <= 100:
        return existing
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(24)
        request.state.new_csrf = fresh
    return fresh


def _cookie_flags(request: Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def set_cookies(request: Request, response: Response) -> None:
    """Give the browser its CSRF cookie if this request made one."""
    fresh = getattr(request.state, "new_csrf", None)
    if fresh:
        response.set_cookie(CSRF_COOKIE, fresh, **_cookie_flags(request))  # type: ignore[arg-type]


def check_csrf(request: Request, token: str | None) -> bool:
    return web_keys(request).csrf_ok(request.cookies.get(CSRF_COOKIE), token)


def sign_in(
    request: Request, response: Response, accounts: AccountRepository, presented: str
) -> UserInfo | None:
    """Check the key; on success put the session cookie on `response` and return the user."""
    user = accounts.authenticate(presented)
    parts = parse_key(presented)
    if user is None or parts is None:
        return None
    key = next((k for k in accounts.keys_of(user.id) if k.prefix == parts.prefix), None)
    if key is None:
        return None
    token = web_keys(request).signer.sign(SESSION_PURPOSE, {"u": user.id, "k": key.id})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        **_cookie_flags(request),  # type: ignore[arg-type]
    )
    return user


def sign_out(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_user(request: Request, accounts: AccountRepository) -> UserInfo | None:
    """The signed-in user, or None (no cookie, a forged or expired one, a revoked key, a disabled user)."""
    cached: UserInfo | bool | None = getattr(request.state, "web_user", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    user = _resolve(request, accounts)
    request.state.web_user = user
    return user


def _resolve(request: Request, accounts: AccountRepository) -> UserInfo | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        payload = web_keys(request).signer.verify(SESSION_PURPOSE, token, max_age=SESSION_MAX_AGE)
    except TokenError:
        return None
    user_id, key_id = payload.get("u"), payload.get("k")
    if not isinstance(user_id, int) or not isinstance(key_id, int):
        return None
    key = accounts.key(key_id)
    user = accounts.user(user_id)
    if key is None or key.revoked_at is not None or key.user_id != user_id or user is None or user.disabled:
        return None
    return user
