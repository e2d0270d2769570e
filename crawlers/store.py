"""The store of record as one crawl sees it: one engine, migrated, shared by its spider, pipeline and
extension, opened from that crawl's own settings (STDWATCH_DATABASE_URL) and closed when its engine stops."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler

from crawlers.config import database_url
from stdwatch.store import CrawlRepository, DocumentRepository, create_engine_for, migrate

# Keyed by crawler, so two crawls in one process never share a store; entries go with their crawler.
_OPEN: WeakKeyDictionary[Crawler, CrawlStore] = WeakKeyDictionary()


class CrawlStore:
    def __init__(self, url: str) -> None:
        self.engine = create_engine_for(url)
        migrate(self.engine)
        self.documents = DocumentRepository(self.engine)
        self.crawls = CrawlRepository(self.engine)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlStore:
        """This crawl's store, opened on first use."""
        store = _OPEN.get(crawler)
        if store is None:
            store = _OPEN[crawler] = cls(database_url(crawler.settings))
            # engine_stopped comes after spider_closed, when the run's stats have been written.
            crawler.signals.connect(store.close, signal=signals.engine_stopped)
        return store

    def close(self) -> None:
        self.engine.dispose()
