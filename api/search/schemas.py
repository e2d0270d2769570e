"""Search API shapes."""

from __future__ import annotations

import dataclasses
import datetime
from datetime import date

from pydantic import BaseModel, Field, TypeAdapter

from search.query import SearchHit, SearchQuery, SearchResult


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
    total: int = Field(description="Matching documents; at least this many when total_is_lower_bound.")
    total_is_lower_bound: bool = Field(
        default=False,
        description="More documents match than the engine counts (STDWATCH_SEARCH_COUNT_BOUND, 10,000): show "
        '"10,000+". Facet counts are then lower bounds too; the embedded engine ranks the first pages among '
        "the newest matches.",
    )
    page: int
    size: int
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]
    partial: bool = Field(
        default=False,
        description="True when part of the index did not answer (a cluster node down) or the search timed out: "
        "total, hits and facets may then be short.",
    )


@dataclasses.dataclass(frozen=True)
class _SearchAnswer:
    """SearchOut's fields in its order, with the backend's hits as they are (serialised, not validated)."""

    total: int
    total_is_lower_bound: bool
    page: int
    size: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    partial: bool


_ANSWER = TypeAdapter(_SearchAnswer)


def search_json(result: SearchResult, query: SearchQuery) -> bytes:
    """The JSON body of a search answer, in SearchOut's shape, encoded in one pass by pydantic.

    Building HitOut models and letting FastAPI validate them again cost three times as much as encoding the
    backend's hits directly; the hits are already typed, and tests/api/test_search_api.py checks that every
    answer validates as SearchOut and that HitOut and SearchHit name the same fields in the same order."""
    return _ANSWER.dump_json(
        _SearchAnswer(
            total=result.total,
            total_is_lower_bound=result.total_is_lower_bound,
            page=query.page,
            size=query.size,
            hits=result.hits,
            facets=result.facets,
            partial=result.partial,
        )
    )
