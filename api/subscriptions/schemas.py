"""Subscription API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from stdwatch.accounts import Frequency, Language, SubscriptionKind

# Values are text or lists of text; checked by api.subscriptions.validation so errors name `query.<name>`.
QueryParams = dict[str, Any]


class SubscriptionIn(BaseModel):
    """A new subscription: `query` for kind=search, `profile` for kind=profile, `codes` for kind=watchlist."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "锂电池 TBT",
                    "kind": "search",
                    "emails": ["qa@example.com"],
                    "frequency": "daily",
                    "language": "zh",
                    "query": {"q": "锂电池", "kind": ["tbt_notification"], "member": ["USA"], "hs": ["8507"]},
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    kind: SubscriptionKind
    query: QueryParams | None = Field(default=None, description="The parameters /api/search takes, as JSON.")
    profile: str | None = Field(default=None, description="Key of an industry profile (GET /api/profiles).")
    codes: list[str] | None = Field(default=None, description="Standard codes or TBT symbols, any spelling.")
    emails: list[EmailStr] = Field(
        min_length=1, max_length=50, description="Each address gets a confirmation link before anything else."
    )
    frequency: Frequency = Frequency.DAILY
    language: Language = Language.ZH
    active: bool = True


class SubscriptionPatch(BaseModel):
    """Fields to change; the result must still be a valid subscription."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: SubscriptionKind | None = None
    query: QueryParams | None = None
    profile: str | None = None
    codes: list[str] | None = None
    emails: list[EmailStr] | None = Field(default=None, min_length=1, max_length=50)
    frequency: Frequency | None = None
    language: Language | None = None
    active: bool | None = None


class RecipientOut(BaseModel):
    id: int
    email: str
    status: str = Field(description="pending (awaiting confirmation), confirmed, or unsubscribed")
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None


class SubscriptionOut(BaseModel):
    id: int
    name: str
    kind: SubscriptionKind
    query: dict[str, list[str]]
    profile: str | None
    codes: list[str]
    frequency: Frequency
    language: Language
    active: bool
    created_at: datetime
    updated_at: datetime
    recipients: list[RecipientOut]


class ProfileOut(BaseModel):
    key: str
    name_zh: str
    name_en: str
    hs: list[str]
    ics: list[str]
    keywords_zh: list[str]
    keywords_en: list[str]


class LinkOut(BaseModel):
    """What a confirmation or unsubscribe link did (or, for GET /api/unsubscribe, what its POST will do)."""

    status: str
    email: str
    subscription: str
    message: str


class PreviewHit(BaseModel):
    """A document version the subscription would have alerted on, and why."""

    document_id: str
    version: int
    reason: str
    details: dict[str, Any]
    code: str
    title: str


class PreviewOut(BaseModel):
    subscription_id: int
    days: int
    matches: list[PreviewHit]
