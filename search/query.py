"""Backend-neutral search requests and results: what the API asks and what every backend answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

FACETS = ("kind", "region", "member", "status", "year")


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class SearchQuery:
    """Free text plus filters. Values within one filter are alternatives; different filters all apply."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    ics_prefixes: tuple[str, ...] = ()
    hs_prefixes: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class SearchHit:
    id: str
    kind: str
    code: str
    title: str
    highlight: dict[str, str]
    date: date | None
    status: str | None
    region: str
    member: str | None
    score: float | None = None


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
