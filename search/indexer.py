"""Keeps the search index in step with the store of record, from the store's durable index queue.

A document leaves the queue only after the backend has taken it, so a failed backend loses nothing: the next
sync (or `stdwatch index sync`) retries from the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from search.base import SearchBackend
from search.documents import SearchDocument, search_document
from stdwatch.store import DocumentRepository, StoredDocument

log = logging.getLogger(__name__)


def sync_index(repo: DocumentRepository, backend: SearchBackend, batch_size: int = 2000,
               progress: Callable[[int], None] | None = None) -> int:
    """Index every queued document; returns how many were indexed."""
    done = 0
    while True:
        pending = repo.pending_index(batch_size)
        if not pending:
            return done
        backend.index([search_document(doc.data) for doc in pending])
        repo.mark_indexed(pending)
        done += len(pending)
        log.debug("indexed batch", extra={"count": len(pending), "backend": backend.name})
        if progress:
            progress(len(pending))


def rebuild_index(repo: DocumentRepository, backend: SearchBackend,
                  progress: Callable[[int], None] | None = None) -> int:
    """Build a fresh index from the whole store of record and switch to it in one step."""
    taken: list[StoredDocument] = []

    def documents() -> Iterator[SearchDocument]:
        for batch in repo.iter_documents():
            taken.extend(batch)
            yield from (search_document(doc.data) for doc in batch)
            if progress:
                progress(len(batch))

    count = backend.rebuild(documents())
    repo.mark_indexed(taken)  # versions stored during the rebuild stay queued for the next sync
    return count
