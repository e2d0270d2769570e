"""GET /api/warnings: the early-warning board as JSON (the /warnings page shows the same answer)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from alerts.profiles import IndustryProfile, default_profiles
from api.deps import ServicesDep
from api.errors import error_responses, only_params
from api.warnings.service import open_for_comments, today_for

router = APIRouter(prefix="/api", tags=["warnings"])


class OpenNotificationOut(BaseModel):
    id: str
    symbol: str
    member: str | None
    title: str | None
    distributed: str | None
    deadline: date
    days_left: int
    deadline_from: str
    products: str | None


class BoardOut(BaseModel):
    today: date
    notifications: list[OpenNotificationOut]
    members: dict[str, int]


ProfileParam = Annotated[
    str | None, Query(max_length=64, description="Industry profile key (GET /api/profiles).")
]
MemberParam = Annotated[
    str | None, Query(pattern=r"^[A-Za-z]{2,5}$", description="Notifying member, e.g. USA, EU, TPKM.")
]


def profile_named(key: str | None) -> IndustryProfile | None:
    """The profile for a key; 404 naming the known keys when there is none."""
    if not key:
        return None
    profiles = default_profiles()
    if key not in profiles:
        raise HTTPException(404, f"no industry profile {key!r}; known profiles: {', '.join(profiles)}")
    return profiles[key]


def member_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().upper()
    if not code.isalpha() or not 2 <= len(code) <= 5:
        raise HTTPException(422, f"member: {value!r} is not a member code such as USA, EU or TPKM")
    return code


@router.get(
    "/warnings",
    response_model=BoardOut,
    responses=error_responses(400, 404, 422),
    dependencies=[Depends(only_params("profile", "member"))],
)
def warnings(services: ServicesDep, profile: ProfileParam = None, member: MemberParam = None) -> BoardOut:
    """TBT notifications open for comments today, soonest final date for comments first, optionally only an
    industry profile's and one member's."""
    board = open_for_comments(services, today_for(services), profile_named(profile), member_code(member))
    return BoardOut(
        today=board.today,
        notifications=[OpenNotificationOut(**n.__dict__) for n in board.notifications],
        members=board.members,
    )
