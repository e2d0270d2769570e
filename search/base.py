"""The contract every search backend fulfils; one behaviour suite (tests/search) holds them to it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from search.documents import SearchDocument
from search.query import SearchQuery, SearchResult


class SearchBackendError(RuntimeError):
    """The search engine failed; the store of record keeps the documents queued for a later retry."""


class IndexSchemaError(SearchBackendError):
    """The index was built by an older shape of the field table; `stdwatch index rebuild` fixes it."""


class SearchBackend(ABC):
    name: str

    @abstractmethod
    def schema_problem(self) -> str | None:
        """Why the index cannot be used as it is (built by an older version), naming the fix; None when fine."""

    @abstractmethod
    def index(self, docs: Sequence[SearchDocument]) -> None:
        """Add or replace documents (by id)."""

    @abstractmethod
    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents; unknown ids are ignored."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Answer a query: ranked page of hits, exact total, facet counts."""

    @abstractmethod
    def count(self) -> int:
        """How many documents the index holds."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @abstractmethod
    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Replace the whole index with `docs`; searches running meanwhile see the old index, never a
        half-built one. Returns how many documents the new index holds."""

    def close(self) -> None:  # noqa: B027 - optional: only backends holding connections override it
        """Release connections."""
