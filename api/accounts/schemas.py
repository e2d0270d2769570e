"""Accounts API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from stdwatch.accounts import Role


class OrganizationOut(BaseModel):
    id: int
    name: str
    timezone: str


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    disabled: bool
    organization: OrganizationOut
    created_at: datetime


class MeOut(UserOut):
    may: list[str] = Field(description="What this user's role allows (the role ladder, lowest first).")


class UserIn(BaseModel):
    """A new user in an organization (created, with `timezone`, if it does not exist yet)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    organization: str = Field(min_length=1, max_length=200)
    role: Role = Role.SUBSCRIBER
    timezone: str = Field(default="Asia/Shanghai", description="IANA timezone of a new organization.")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200)


class KeyOut(BaseModel):
    id: int
    user_id: int
    prefix: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewKeyOut(BaseModel):
    """A new API key: `key` is shown this once and cannot be recovered (only a hash is stored)."""

    key: str
    info: KeyOut


class NewUserOut(BaseModel):
    user: UserOut
    key: str = Field(description="The user's API key, shown this once; only a hash of it is stored.")
    key_id: int
