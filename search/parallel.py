"""Analysis in worker processes for large index syncs (issue 12: both cores work during a bulk load).

Analysis (segmentation, folding, bigrams) is pure CPU in Python and holds the GIL, so threads cannot share it;
processes can. Only analysis moves: the index write and the queue bookkeeping stay in the ingest flow's own
process and order, so the flow's guarantee holds unchanged (a document leaves the queue only after the index
committed it). The pool starts only for a large queue (its processes load the dictionaries, ~1-2 s) and is
kept for the flow's life, so a daily sync of a few thousand documents never pays for it.

Off by default (STDWATCH_INGEST_WORKERS=1): measured on 2 shared cores (bench/bench_scale.py, 60,000 records)
it was no faster. Reading + analysing is ~62 ms per 1,000 documents out of ~280 ms of ingest; the store of
record's upsert and the index write stay in one process, and unpickling the analysed documents sent back costs
~17 ms per 1,000. Sending back ready-made index rows instead would be the next step.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from config.settings import Settings
from search.documents import IndexedDocument, index_document, search_document
from search.factory import analyzer_for

if TYPE_CHECKING:
    from search.analysis import Analyzer

log = logging.getLogger(__name__)
_worker_analyzer: Analyzer | None = None


def _start_worker(settings: Settings) -> None:
    global _worker_analyzer
    _worker_analyzer = analyzer_for(settings)


Stored = dict[str, Any]  # a stored document's data (StoredDocument.data)


def _analyse(data: list[Stored], analyzer: Analyzer) -> list[IndexedDocument]:
    # search_document (reading the record) costs twice index_document: both run where the part goes.
    return [index_document(search_document(d), analyzer) for d in data]


def _analyse_in_worker(data: list[Stored]) -> list[IndexedDocument]:
    assert _worker_analyzer is not None, "the pool initializer builds the analyzer"
    return _analyse(data, _worker_analyzer)


class ParallelAnalysis:
    """Splits a batch into `workers` parts: all but one go to worker processes, this process analyses the
    first meanwhile; the parts come back in order."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = workers
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

    def analyse(self, docs: list[Stored]) -> list[IndexedDocument]:
        """Stored documents' data -> analysed search documents, in order."""
        size = -(-len(docs) // self.workers) or 1
        parts = [docs[i : i + size] for i in range(0, len(docs), size)] or [[]]
        futures = self._submit(parts[1:])
        analysed = _analyse(parts[0], self.analyzer)
        for part, future in zip(parts[1:], futures, strict=True):
            try:
                analysed += future.result() if future else self._here(part)
            except BrokenProcessPool:
                analysed += self._here(part)
        return analysed

    def _submit(self, parts: list[list[Stored]]) -> list[Future[list[IndexedDocument]] | None]:
        try:
            pool = self._executor()
            return [pool.submit(_analyse_in_worker, part) for part in parts]
        except BrokenProcessPool:
            return [None] * len(parts)

    def _here(self, part: list[Stored]) -> list[IndexedDocument]:
        """A dead worker (killed, out of memory) loses nothing: its part is analysed in this process, and
        the next batch starts a fresh pool."""
        log.warning("an analysis worker process died; analysing its part in the ingest process")
        self.close()
        return _analyse(part, self.analyzer)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
