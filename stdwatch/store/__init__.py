"""The store of record: every document, every version it has had, and what still needs indexing."""

from stdwatch.store.crawl_repository import CrawlRepository
from stdwatch.store.database import create_engine_for, migrate
from stdwatch.store.repository import DocumentRepository, StoredDocument, UpsertResult

__all__ = [
    "CrawlRepository",
    "DocumentRepository",
    "StoredDocument",
    "UpsertResult",
    "create_engine_for",
    "migrate",
]
