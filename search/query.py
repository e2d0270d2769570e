"""Backend-neutral search requests and results: what the API asks and what every backend answers."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from search.fields import BY_NAME, FilterKind


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class SearchQuery:
    """Free text plus filters. `filters` maps a field of search.fields to its accepted values (equality) or
    prefixes (prefix fields) or ("true",) / ("false",) (open filters): values within one filter are
    alternatives, different filters all apply. `ranges` maps a range field to (from, to), either end open."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[date | None, date | None]] = field(default_factory=dict)
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    size: int = 20
    as_of: date | None = None  # the day `open_for_comments` is judged on; None: the day the query is compiled

    def __post_init__(self) -> None:
        kinds = (FilterKind.EQUALITY, FilterKind.PREFIX, FilterKind.OPEN)
        for name in self.filters:
            if name not in BY_NAME or BY_NAME[name].filter not in kinds:
                raise ValueError(f"{name!r} is not a filter field")
        for name in self.ranges:
            if name not in BY_NAME or BY_NAME[name].filter is not FilterKind.RANGE:
                raise ValueError(f"{name!r} is not a range field")

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
    replaced_by: tuple[str, ...] = ()  # the successor(s) of a replaced or withdrawn standard
    deadline: datetime.date | None = None  # a TBT notification's comment deadline (`date` is a field)
    notification_type: str | None = None
    # Why a hit matched through a translation of the query (issue 11): ("纺织品 -> textiles",); empty otherwise.
    matched_via: tuple[str, ...] = ()


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # Some shards did not answer (a cluster node down) or the search timed out: hits and counts may be short.
    partial: bool = False
    # More documents match than the backend counted (its count_bound): `total` is "at least", and the facets
    # may count only part of the matches (issue 12; search/backends/sqlite_fts5.py argues why).
    total_is_lower_bound: bool = False
