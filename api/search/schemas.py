"""Search API shapes."""

from __future__ import annotations

import datetime
from datetime import date

from pydantic import BaseModel, Field


class HitOut(BaseModel):
    id: str
    kind: str
    code: str
    title: str
    highlight: dict[str, str] = Field(description="Snippets of the original text with matches in <mark>.")
    date: date | None
    status: str | None
    region: str
    member: str | None
    replaced_by: list[str] = Field(
        default_factory=list, description="Successor(s) of a replaced or withdrawn standard."
    )
    deadline: datetime.date | None = Field(  # `date` is a field name here
        default=None, description="Comment deadline of a TBT notification."
    )
    notification_type: str | None = Field(
        default=None,
        description="regular, addendum, revision, corrigendum or supplement (TBT notifications).",
    )
    matched_via: list[str] = Field(
        default_factory=list,
        description="Why the hit matched through a translation of the query (it ranks below hits in the "
        'query\'s own language), e.g. ["纺织品 -> textiles"]; empty for same-language matches.',
    )


class SearchOut(BaseModel):
    total: int
    page: int
    size: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]
