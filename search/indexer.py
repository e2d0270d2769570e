"""Keeps the search index in step with the store of record, from the store's durable index queue.

A document leaves the queue only after the backend has taken it, so a failed backend loses nothing: the next
sync (or `stdwatch index sync`) retries from the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from search.base import SearchBackend
from search.documents import search_document
from stdwatch.store import DocumentRepository

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
    """Empty the index and index the whole store of record again."""
    backend.clear()
    repo.requeue_all()
    return sync_index(repo, backend, progress=progress)
