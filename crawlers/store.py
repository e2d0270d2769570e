"""The store of record as the crawl process sees it: one engine, migrated, shared by pipeline and extension."""

from __future__ import annotations

from functools import lru_cache

from config.settings import get_settings
from stdwatch.store import CrawlRepository, DocumentRepository, create_engine_for, migrate


@lru_cache(maxsize=1)
def repositories() -> tuple[DocumentRepository, CrawlRepository]:
    engine = create_engine_for(get_settings().resolved_database_url)
    migrate(engine)
    return DocumentRepository(engine), CrawlRepository(engine)
