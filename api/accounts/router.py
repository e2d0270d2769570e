"""GET /api/me; admin: users and their API keys. A key's text is returned once, when it is made."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Path
from fastapi.exceptions import RequestValidationError

from api.accounts.schemas import KeyIn, KeyOut, MeOut, NewKeyOut, NewUserOut, OrganizationOut, UserIn, UserOut
from api.auth import AccountsDep, AdminUser, CurrentUser, auth_responses
from api.errors import error_responses
from stdwatch.accounts import ROLE_RULES, Role
from stdwatch.store.accounts import AccountError, AccountRepository, UserInfo

router = APIRouter(prefix="/api", tags=["accounts"])
_ERRORS = {**auth_responses(401, 403), **error_responses(404, 422)}
UserId = Annotated[int, Path(ge=1)]
KeyId = Annotated[int, Path(ge=1)]


def _user_out(repo: AccountRepository, user: UserInfo) -> UserOut:
    org = repo.organization(user.organization_id)
    assert org is not None  # users.organization_id is a foreign key
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        disabled=user.disabled,
        organization=OrganizationOut(id=org.id, name=org.name, timezone=org.timezone),
        created_at=user.created_at,
    )


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


@router.get("/me", response_model=MeOut, responses=auth_responses(401))
def me(user: CurrentUser, repo: AccountsDep) -> MeOut:
    """Who the API key belongs to, its organization, and what its role allows."""
    may = [ROLE_RULES[role] for role in Role if user.role.allows(role)]
    return MeOut(**_user_out(repo, user).model_dump(), may=may)


@router.get("/users", response_model=list[UserOut], responses=_ERRORS)
def list_users(_: AdminUser, repo: AccountsDep) -> list[UserOut]:
    """Every user (admin)."""
    return [_user_out(repo, u) for u in repo.users()]


@router.post("/users", response_model=NewUserOut, status_code=201, responses=_ERRORS)
def create_user(data: UserIn, _: AdminUser, repo: AccountsDep) -> NewUserOut:
    """Create a user in an organization (admin); the answer holds the user's API key, shown this once."""
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid(
            "timezone", f"unknown timezone {data.timezone!r}; use an IANA name such as Asia/Shanghai"
        ) from None
    try:
        org = repo.ensure_organization(data.organization, data.timezone)
        user = repo.create_user(org.id, str(data.email), data.name, data.role)
    except AccountError as exc:
        raise _invalid("email", str(exc)) from None
    issued = repo.issue_key(user.id, "created with the user")
    return NewUserOut(user=_user_out(repo, user), key=issued.key, key_id=issued.info.id)


@router.post("/users/{user_id}/keys", response_model=NewKeyOut, status_code=201, responses=_ERRORS)
def create_key(user_id: UserId, _: AdminUser, repo: AccountsDep, data: KeyIn | None = None) -> NewKeyOut:
    """Issue another API key for a user (admin); the key is shown this once."""
    if repo.user(user_id) is None:
        raise HTTPException(404, f"no user {user_id}")
    issued = repo.issue_key(user_id, data.label if data else "")
    return NewKeyOut(key=issued.key, info=KeyOut(**issued.info.__dict__))


@router.delete("/keys/{key_id}", response_model=KeyOut, responses=_ERRORS)
def revoke_key(key_id: KeyId, user: CurrentUser, repo: AccountsDep) -> KeyOut:
    """Revoke an API key: admins any key, other users their own keys; it stops working at once."""
    key = repo.key(key_id)
    if key is None:
        raise HTTPException(404, f"no API key {key_id}")
    if key.user_id != user.id and not user.role.allows(Role.ADMIN):
        raise HTTPException(
            403,
            "this needs the admin role or higher to revoke another user's key; "
            f"your API key's user has the {user.role.value} role",
        )
    revoked = repo.revoke_key(key_id)
    assert revoked is not None
    return KeyOut(**revoked.__dict__)
