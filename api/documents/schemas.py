"""Document API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class VersionOut(BaseModel):
    version: int
    recorded_at: datetime
    content_hash: str
    changed_fields: list[str]
    record: dict[str, Any]


class RelatedOut(BaseModel):
    relation: str
    code: str
    id: str | None
    kind: str | None
    title: str | None


class ChainOut(BaseModel):
    base: str
    documents: list[RelatedOut]
    current: dict[str, Any]


class DocumentOut(BaseModel):
    id: str
    kind: str
    code: str
    version: int
    content_hash: str
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime
    record: dict[str, Any]
    history: list[VersionOut]
    related: list[RelatedOut]
    notification_chain: ChainOut | None = None
