"""Search API shapes."""

from __future__ import annotations

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


class SearchOut(BaseModel):
    total: int
    page: int
    size: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]
