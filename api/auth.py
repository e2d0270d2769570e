"""Who is calling: API keys (`Authorization: Bearer <key>` or `X-API-Key: <key>`) and the role a route needs.

Use in routes:
    def handler(user: CurrentUser) -> ...                        # any valid key (401 otherwise)
    def handler(user: Annotated[UserInfo, Depends(require_role(Role.ADMIN))]) -> ...   # 403 below admin
    def handler(user: OptionalUser) -> ...                       # None when no key was sent
    app.include_router(router, dependencies=[Depends(search_access)])   # open unless search_open=False
The rule for what each role may do is written in stdwatch/accounts.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.errors import ErrorOut
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository, UserInfo

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="stdwatch"'}


def _presented_key(request: Request) -> str | None:
    """The key from `Authorization: Bearer ...` or `X-API-Key`; None when neither header is sent."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(
                401, "the Authorization header must be `Bearer <API key>`", headers=_CHALLENGE
            )
        return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key and key.strip() else None


async def accounts(services: ServicesDep) -> AccountRepository:
    """The account store, on the store of record's engine (async: no I/O, so no thread-pool hop)."""
    return AccountRepository(services.repo.engine)


AccountsDep = Annotated[AccountRepository, Depends(accounts)]


async def optional_user(request: Request, services: ServicesDep) -> UserInfo | None:
    """The caller, or None when no key was sent; a key that was sent but is not valid is always a 401.

    Async, with a thread-pool hop only to check a key that was sent (a database read): every search and
    document request runs this, most without a key, and a hop costs 0.05-0.2 ms of CPU."""
    key = _presented_key(request)
    if key is None:
        return None
    user = await run_in_threadpool(AccountRepository(services.repo.engine).authenticate, key)
    if user is None:
        raise HTTPException(
            401, "the API key is not valid (unknown, revoked, or its user is disabled)", headers=_CHALLENGE
        )
    return user


OptionalUser = Annotated[UserInfo | None, Depends(optional_user)]


async def current_user(user: OptionalUser) -> UserInfo:
    """The authenticated caller; 401 when no key was sent. (async: no I/O, so no thread-pool hop)"""
    if user is None:
        raise HTTPException(
            401,
            "an API key is required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`",
            headers=_CHALLENGE,
        )
    return user


CurrentUser = Annotated[UserInfo, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[UserInfo], Awaitable[UserInfo]]:
    """A dependency giving the caller if their role allows any of `roles` (higher roles include lower ones);
    403 naming the role needed otherwise."""
    if not roles:
        raise ValueError("require_role needs at least one role")
    needed = min(roles, key=lambda r: r.rank)

    async def check(user: CurrentUser) -> UserInfo:  # async: no I/O, so no thread-pool hop
        if not any(user.role.allows(role) for role in roles):
            raise HTTPException(
                403,
                f"this needs the {needed.value} role or higher; "
                f"your API key's user has the {user.role.value} role",
            )
        return user

    return check


async def search_access(user: OptionalUser, services: ServicesDep) -> None:
    """Search and documents are open to anonymous readers unless STDWATCH_SEARCH_OPEN=false (then 401 without
    a key); a key that is sent must be valid either way. (async: no I/O, so no thread-pool hop per request)"""
    if user is None and not services.settings.search_open:
        raise HTTPException(
            401,
            "search is closed to anonymous readers on this server: send an API key "
            "(`Authorization: Bearer <key>` or `X-API-Key: <key>`)",
            headers=_CHALLENGE,
        )


_MEANINGS = {
    401: "No API key, or one that is not valid (unknown, revoked, user disabled)",
    403: "The key's user lacks the role the route needs; the message names it",
}


def auth_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for 401/403, in the {"error", "message"} shape."""
    return {code: {"model": ErrorOut, "description": _MEANINGS[code]} for code in codes}


SubscriberUser = Annotated[UserInfo, Depends(require_role(Role.SUBSCRIBER))]
AdminUser = Annotated[UserInfo, Depends(require_role(Role.ADMIN))]

__all__ = [
    "AccountsDep",
    "AdminUser",
    "CurrentUser",
    "OptionalUser",
    "SubscriberUser",
    "UserInfo",
    "auth_responses",
    "require_role",
    "search_access",
]
