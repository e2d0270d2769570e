"""The one ingest flow: records -> store of record (versioned) -> search index -> listeners.

Every way documents arrive goes through here: `stdwatch load`, catalogue imports, notification texts, crawl runs
(from the CLI or the scheduler), the API. The store's durable index queue is what connects the steps: a
document stays queued until the backend has taken it, so a failed backend loses nothing; listeners (the alert
matcher) are told after each sync and keep their own durable cursor, so a crash between the steps delays them
but never loses a change.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from config.settings import Settings
from search.base import SearchBackend
from search.documents import search_document
from search.parallel import Batch, ParallelAnalysis
from stdwatch.heap import frozen_heap
from stdwatch.loading import LineError, read_records, record_files
from stdwatch.records import Kind, Record
from stdwatch.store import DocumentRepository, StoredDocument, UpsertResult
from stdwatch.store.repository import IndexedVersion, PendingText

if TYPE_CHECKING:
    from crawlers.runner import CrawlRequest
    from stdwatch.store.crawl_repository import RunInfo

log = logging.getLogger(__name__)
BATCH = 2000  # documents per index transaction (and per hand-over to the analysis workers)
# Records per store-of-record transaction. At a million documents each commit writes every B-tree page it
# touched in the random-key indexes (id, code, code key, versions), so a larger batch shares those pages among
# more records (a bare SQLite table with three such indexes at 1M rows: 2.1 -> 1.4 CPU-s per 40,000 inserts
# from 2,000 to 20,000 per commit, twice that in wall time; at 100k rows the indexes fit and it matters less).
STORE_BATCH = 10_000
# A smaller queue is indexed in-process: starting the worker processes costs ~0.7 s and ~0.5 CPU-s (they load
# the dictionaries), and the pipeline's first batch is not overlapped.
PARALLEL_MIN = 5 * BATCH
Progress = Callable[[int], None]


class Listener(Protocol):
    """Told which documents a sync brought into the index (new or changed versions)."""

    def documents_changed(self, ids: Sequence[str]) -> None: ...


@dataclass
class IngestReport:
    stored: UpsertResult = field(default_factory=UpsertResult)
    indexed: int = 0
    rejected: list[LineError] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.stored.new + self.stored.updated + self.stored.unchanged


@dataclass(frozen=True)
class CrawlOutcome:
    exit_code: int
    run: RunInfo | None
    indexed: int


class IngestFlow:
    def __init__(
        self,
        settings: Settings,
        repo: DocumentRepository,
        backend: SearchBackend,
        listeners: Iterable[Listener] = (),
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.backend = backend
        self.listeners = list(listeners)
        self._parallel: ParallelAnalysis | None = None

    # ------------------------------------------------------------------------------------------ arriving
    def store(self, records: Iterable[Record], merge: bool = False) -> UpsertResult:
        """Store records in batches (the index follows with `sync`). `merge`: records may state only part of a
        document; what they leave empty keeps the stored value."""
        result = UpsertResult()
        for batch in _batches(records, STORE_BATCH):
            result += self.repo.merge_many(batch) if merge else self.repo.upsert_many(batch)
        return result

    def ingest(self, records: Iterable[Record], merge: bool = False) -> IngestReport:
        """Store, then index, then tell listeners."""
        report = IngestReport(stored=self.store(records, merge))
        report.indexed = self.sync()
        return report

    def load_files(
        self,
        paths: Sequence[Path],
        kind: Kind | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> IngestReport:
        """Load record files or folders (JSON Lines); bad lines are collected, the rest are stored. Each line
        merges onto the stored record field by field; with `replace`, it replaces it whole."""
        report = IngestReport()

        def records() -> Iterator[Record]:
            for path in paths:
                for file in record_files(path):
                    for item in read_records(file, kind, replace):
                        if progress:
                            progress(1)
                        if isinstance(item, LineError):
                            report.rejected.append(item)
                        else:
                            yield item

        report.stored = self.store(records())
        report.indexed = self.sync()
        return report

    def crawl(self, request: CrawlRequest) -> CrawlOutcome:
        """Run one spider into the store of record, then bring the index (and the listeners) up to date."""
        from crawlers.runner import run_crawl  # the crawl machinery (Scrapy) loads only when crawling

        code, run = run_crawl(request, self.settings)
        return CrawlOutcome(code, run, self.sync())

    # ------------------------------------------------------------------------------------------ indexing
    def sync(self, progress: Progress | None = None) -> int:
        """Index every queued document, then tell the listeners; returns how many were indexed."""
        # Only ids are kept across batches: holding every indexed document (and its data) alive made Python's
        # garbage collector walk them again and again, a third of a large sync's time (bench_ingest_ab.py).
        done: list[str] = []
        with frozen_heap():
            for pending in self._indexed_batches():
                self.repo.mark_indexed(pending)
                done.extend(doc.id for doc in pending)
                log.debug("indexed %d documents on %s", len(pending), self.backend.name)
                if progress:
                    progress(len(pending))
        self._tell(done)
        return len(done)

    def _indexed_batches(self) -> Iterator[Sequence[StoredDocument | PendingText]]:
        """Index the queue batch by batch, yielding each batch once the backend has committed it (the caller
        then takes it off the queue)."""
        pipeline = self._pipeline_for_queue()
        if pipeline is None:
            while pending := self.repo.pending_index(BATCH):
                self.backend.index([search_document(doc.data) for doc in pending])
                yield pending
            return
        # A pipeline: the workers analyse the next batch while this process writes the one before. The batch
        # in flight is still queued, so the next read skips it.
        parallel, write = pipeline
        ahead: tuple[list[PendingText], Batch] | None = None
        while True:
            queued = self.repo.pending_texts(BATCH, skip=[doc.id for doc in ahead[0]] if ahead else ())
            following = (queued, parallel.submit([doc.text for doc in queued])) if queued else None
            if ahead is not None:
                write(parallel.result(ahead[1]))
                yield ahead[0]
            if following is None:
                return
            ahead = following

    def _pipeline_for_queue(self) -> tuple[ParallelAnalysis, Callable[[list[Any]], None]] | None:
        """Worker processes for a large queue on a backend that writes rows prepared elsewhere (`prepare`,
        pure and picklable, and `index_prepared`; SQLite): STDWATCH_INGEST_WORKERS processes in all, this one
        included (default: one per CPU)."""
        prepare = getattr(self.backend, "prepare", None)
        write = getattr(self.backend, "index_prepared", None)
        if prepare is None or write is None:
            return None
        workers = self.settings.ingest_workers or os.cpu_count() or 1
        if workers < 2 or self.repo.pending_count() < PARALLEL_MIN:
            return None
        if self._parallel is None:
            self._parallel = ParallelAnalysis(self.settings, workers, prepare)
        return self._parallel, write

    def close(self) -> None:
        """Stop the analysis worker processes, if a large sync started them."""
        if self._parallel is not None:
            self._parallel.close()
            self._parallel = None

    def rebuild(self, progress: Progress | None = None) -> int:
        """Build a fresh index from the whole store of record and switch to it in one step."""
        taken: list[IndexedVersion] = []  # ids and versions only (see sync)

        def documents() -> Iterator[StoredDocument]:
            for batch in self.repo.iter_documents():
                taken.extend(IndexedVersion(doc.id, doc.version) for doc in batch)
                yield from batch
                if progress:
                    progress(len(batch))

        with frozen_heap():
            count = self.backend.rebuild(search_document(doc.data) for doc in documents())
        self.repo.mark_indexed(taken)  # versions stored during the rebuild stay queued for the next sync
        return count

    def _tell(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        for listener in self.listeners:
            try:
                listener.documents_changed(ids)
            except Exception:  # a listener's failure must not undo indexing; its own catch-up retries
                log.exception("listener %s failed; its catch-up job will retry", type(listener).__name__)


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
