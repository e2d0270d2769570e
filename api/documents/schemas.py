"""Document API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.studies.schemas import StudyRefOut

RECORD_DESCRIPTION = (
    "The whole record in StdWatch's record format (README: record format). Beside the interchange keys, a "
    "standard carries `edition`, `reaffirmed` (the year an edition was reaffirmed: `SS 554:2016 (2021)`), "
    "`pages` and `scope` where its source states them (Singapore eShop; the committee is `responsible`); a TBT "
    "notification carries `keywords`, `objectives` and `notification_type` (regular, addendum, corrigendum, "
    "revision or supplement, as its symbol says)."
)


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
    record: dict[str, Any] = Field(description=RECORD_DESCRIPTION)
    history: list[VersionOut]
    related: list[RelatedOut]
    notification_chain: ChainOut | None = None
    studies: list[StudyRefOut] = Field(default_factory=list, description="Published studies naming it.")
