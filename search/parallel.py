"""Analysis in worker processes for large index syncs (issue 12: both cores work during a bulk load).

Analysis (reading the record, segmentation, folding, bigrams) is pure CPU in Python and holds the GIL, so
threads cannot share it; processes can. Only analysis moves: the index write and the queue bookkeeping stay in
the ingest flow's own process and order, so the flow's guarantee holds unchanged (a document leaves the queue
only after the index committed it). The pool starts only for a large queue (its processes load the
dictionaries, ~1-2 s) and is kept for the flow's life, so a daily sync of a few thousand documents never pays.

Why it is a pipeline (measured on 2 cores, bench/bench_scale.py): splitting each batch between this process and
a worker, then writing it, left one core idle during every write, and this process still analysed half the
documents and unpickled IndexedDocument objects (~17 ms per 1,000): no faster. Now the workers prepare batch
k+1 while this process writes batch k; they take the stored JSON text (no dict to pickle) and send back the
backend's ready-made rows (`prepare`, plain tuples); this process prepares a third of each batch itself, so
neither side waits long for the other. At 1,000,000 records (every document then prepared in the worker) the
ingest process spent 169 CPU-s (5,900 records per CPU-second; 341 CPU-s in one process before), the workers
211 CPU-s more: the pipeline costs ~15 % more CPU in all, so it pays in wall time only when the second core
is free (on a machine busy with other work, STDWATCH_INGEST_WORKERS=1 is as fast or faster).
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from config.settings import Settings
from search.documents import IndexedDocument, index_document, search_document
from search.factory import analyzer_for

if TYPE_CHECKING:
    from search.analysis import Analyzer

log = logging.getLogger(__name__)
_worker_analyzer: Analyzer | None = None

Stored = str  # a stored document's data as its JSON text (DocumentRepository.pending_texts)
# A backend's pure, picklable row maker (e.g. SqliteFts5Backend.prepare): analysed documents -> rows to write.
Prepare = Callable[[list[IndexedDocument]], list[Any]]


def _start_worker(settings: Settings) -> None:
    global _worker_analyzer
    _worker_analyzer = analyzer_for(settings)
    # The analyzer is this process's whole long-lived heap: out of the collector's sight for good, as
    # stdwatch.heap does for a batch loop (~10 % of a worker's CPU).
    gc.freeze()


def _prepare(data: list[Stored], analyzer: Analyzer, prepare: Prepare) -> list[Any]:
    return prepare([index_document(search_document(json.loads(d)), analyzer) for d in data])


def _prepare_in_worker(data: list[Stored], prepare: Prepare) -> list[Any]:
    assert _worker_analyzer is not None, "the pool initializer builds the analyzer"
    return _prepare(data, _worker_analyzer, prepare)


@dataclass
class Batch:
    """A batch on its way: the rows of the part prepared here, then the other parts, in order, each with its
    future (None: the pool was broken, to do here)."""

    here: list[Any]
    parts: list[list[Stored]]
    futures: list[Future[list[Any]] | None]


class ParallelAnalysis:
    """Stored documents' JSON -> the backend's prepared rows, in `workers - 1` worker processes (this process
    writes meanwhile); the rows come back in the order of the documents."""

    def __init__(self, settings: Settings, workers: int, prepare: Prepare) -> None:
        self.settings = settings
        self.workers = max(2, workers)
        self.prepare = prepare
        self.analyzer = analyzer_for(settings)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the parent may hold threads (a server, the scheduler) and open SQLite handles.
            self._pool = ProcessPoolExecutor(
                self.workers - 1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.settings,),
            )
        return self._pool

    def submit(self, docs: list[Stored]) -> Batch:
        """Start preparing a batch in the workers and prepare this process's share of it meanwhile; `result`
        collects the rest. This process takes the share of half a worker, since it also reads and writes:
        with all of it in one worker, that worker was the bottleneck (it also decodes, builds the rows and
        pickles: ~120 us a document against ~55 us of writing here) and this process waited."""
        own = len(docs) // (2 * (self.workers - 1) + 1)
        rest = docs[own:]
        size = -(-len(rest) // (self.workers - 1)) or 1
        parts = [rest[i : i + size] for i in range(0, len(rest), size)]
        try:
            pool = self._executor()
            futures: list[Future[list[Any]] | None] = [
                pool.submit(_prepare_in_worker, part, self.prepare) for part in parts
            ]
        except BrokenProcessPool:
            futures = [None] * len(parts)
        return Batch(_prepare(docs[:own], self.analyzer, self.prepare), parts, futures)

    def result(self, batch: Batch) -> list[Any]:
        """The batch's rows, in order (waits for the workers)."""
        rows: list[Any] = list(batch.here)
        for part, future in zip(batch.parts, batch.futures, strict=True):
            try:
                rows += future.result() if future else self._here(part)
            except BrokenProcessPool:
                rows += self._here(part)
        return rows

    def _here(self, part: list[Stored]) -> list[Any]:
        """A dead worker (killed, out of memory) loses nothing: its part is prepared in this process, and the
        next batch starts a fresh pool."""
        log.warning("an analysis worker process died; analysing its part in the ingest process")
        self.close()
        return _prepare(part, self.analyzer, self.prepare)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
