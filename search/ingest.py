"""The one ingest path: records -> store of record (versioned) -> search index.

`stdwatch load`, the demo and (later) the crawlers' pipeline all come through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.base import SearchBackend
from search.indexer import sync_index
from stdwatch.loading import LineError, read_records, record_files
from stdwatch.records import Kind, Record
from stdwatch.store import DocumentRepository, UpsertResult

BATCH = 2000


@dataclass
class IngestReport:
    stored: UpsertResult = field(default_factory=UpsertResult)
    indexed: int = 0
    rejected: list[LineError] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.stored.new + self.stored.updated + self.stored.unchanged


def store_records(repo: DocumentRepository, items: Iterable[Record | LineError], report: IngestReport,
                  progress: Callable[[int], None] | None = None) -> None:
    """Upsert records in batches; collect the errors among them."""
    batch: list[Record] = []
    for item in items:
        if isinstance(item, LineError):
            report.rejected.append(item)
        else:
            batch.append(item)
        if len(batch) >= BATCH:
            report.stored += repo.upsert_many(batch)
            batch = []
        if progress:
            progress(1)
    if batch:
        report.stored += repo.upsert_many(batch)


def load_paths(paths: list[Path], repo: DocumentRepository, backend: SearchBackend, kind: Kind | None = None,
               progress: Callable[[int], None] | None = None) -> IngestReport:
    """Load record files or folders into the store, then bring the index up to date."""
    report = IngestReport()
    for path in paths:
        for file in record_files(path):
            store_records(repo, read_records(file, kind), report, progress)
    report.indexed = sync_index(repo, backend)
    return report
