"""Item pipeline: validate -> normalize -> merge with what the store knows -> store of record.

Records go through the same path as `stdwatch load` (stdwatch.records, DocumentRepository.upsert_many): the
store versions every change. Indexing follows from the store's durable queue (`stdwatch crawl` syncs the index
when the crawl ends). A record that fails validation is quarantined with its reason, never dropped silently.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from scrapy.crawler import Crawler

from crawlers.items import QuarantineItem, RecordItem
from crawlers.sources import source
from crawlers.store import CrawlStore
from stdwatch.records import Record, RecordError, merge_records, record_from_json

log = logging.getLogger(__name__)
BATCH = 200


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        store = CrawlStore.of(crawler)
        self.documents, self.crawls = store.documents, store.crawls
        self.pending: list[tuple[RecordItem, Record]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    @property
    def spider_name(self) -> str:
        return self.crawler.spider.name if self.crawler.spider else "unknown"

    def process_item(self, item: Any) -> Any:
        if isinstance(item, QuarantineItem):
            self._quarantine(item.url, item.reason, item.body)
        elif isinstance(item, RecordItem):
            try:
                record = record_from_json(item.data, item.kind)
            except RecordError as exc:
                body = json.dumps(item.data, ensure_ascii=False)
                self._quarantine(item.url, f"invalid record: {exc}", body)
                return item
            self.pending.append((item, record))
            if len(self.pending) >= BATCH:
                self._flush()
        return item

    def close_spider(self) -> None:
        self._flush()

    def _quarantine(self, url: str, reason: str, body: str) -> None:
        self.crawls.quarantine(self.spider_name, url, reason, body)
        self.crawler.stats.inc_value("stdwatch/quarantined")
        log.warning("quarantined %s: %s", url, reason)

    def _flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        merged = self._merge_sources(batch)
        result = self.documents.upsert_many(merged)
        stats = self.crawler.stats
        stats.inc_value("stdwatch/new", result.new)
        stats.inc_value("stdwatch/updated", result.updated)
        stats.inc_value("stdwatch/unchanged", result.unchanged)
        # Only after the store has the records: a crash in between makes the next run fetch them again.
        seen = [(item.source_id, item.fingerprint or "", record.id, item.data) for item, record in batch]
        self.crawls.mark_seen(self.spider_name, seen)

    def _merge_sources(self, batch: list[tuple[RecordItem, Record]]) -> list[Record]:
        """Sources complete each other (openstd, std.samr, hbba ... describe one standard). The stored record
        is overlaid with every source's latest snapshot in a FIXED order (config/sources.toml's), so crawling
        the sources in any order gives the same record and re-crawling an unchanged source changes nothing."""
        ids = list(dict.fromkeys(record.id for _, record in batch))
        snapshots = self.crawls.snapshots(ids)
        for item, record in batch:
            snapshots.setdefault(record.id, {})[(self.spider_name, item.source_id)] = item.data
        stored = {doc.id: doc.data for doc in self.documents.get_many(ids)}
        kinds = {record.id: record.kind for _, record in batch}
        merged = []
        for doc_id in ids:
            result = record_from_json(stored[doc_id]) if doc_id in stored else None
            for key in sorted(snapshots[doc_id], key=lambda k: (source(k[0]).rank, k[1])):
                try:
                    layer = record_from_json(snapshots[doc_id][key], kinds[doc_id])
                except RecordError:
                    continue  # an older snapshot this version no longer accepts; the others still apply
                result = merge_records(result, layer) if result else layer
            if result is not None:
                merged.append(result)
        return merged
