"""Records every crawl run and its stats in the store (`stdwatch crawls`, GET /api/crawls).

A look-up by code (`--code`) that the source answered with nothing is recorded with finish reason `not_found`,
so the caller reads the outcome from the run, never from log text. A blocked, failed or quarantined look-up is
never taken for "not found": the source may well know the code."""

from __future__ import annotations

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawlers.middlewares import BLOCKED_STAT
from crawlers.store import CrawlStore

RUN_ID_STAT = "stdwatch/run_id"
LOOKUP_FOUND_STAT = "stdwatch/lookup_found"  # answers the source gave to a look-up by code
NOT_FOUND = "not_found"
FAILURES = ("blocked", "errors", "quarantined")
STAT_NAMES = {
    "pages": "response_received_count",
    "new": "stdwatch/new",
    "updated": "stdwatch/updated",
    "unchanged": "stdwatch/unchanged",
    "quarantined": "stdwatch/quarantined",
    "blocked": BLOCKED_STAT,
    "errors": "log_count/ERROR",
}


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.crawls = CrawlStore.of(crawler).crawls
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        args = getattr(spider, "args", None)
        self.run_id = self.crawls.start_run(spider.name, args.model_dump() if args else {})
        self.crawler.stats.set_value(RUN_ID_STAT, self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = self.crawler.stats
        counters = {name: int(stats.get_value(key, 0) or 0) for name, key in STAT_NAMES.items()}
        errors = int(stats.get_value("spider_exceptions_count", 0) or 0)
        counters["errors"] = max(counters["errors"], errors)
        code = getattr(getattr(spider, "args", None), "code", None)
        found = int(stats.get_value(LOOKUP_FOUND_STAT, 0) or 0)
        self.crawls.finish_run(self.run_id, lookup_reason(reason, code, found, counters), counters)


def lookup_reason(reason: str, code: str | None, found: int, counters: dict[str, int]) -> str:
    """`not_found` for a look-up by code that ended normally with no answer from the source; else `reason`."""
    if reason != "finished" or not code or found:
        return reason
    return reason if any(counters.get(name) for name in FAILURES) else NOT_FOUND
