"""Scrapy middlewares: block pages are counted and dropped before any spider reads them, and a page that does
not parse goes to quarantine, the crawl going on, whichever spider callback raised the ParseError."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawlers.blocking import block_reason
from crawlers.items import QuarantineItem
from crawlers.parsing.common import ParseError

log = logging.getLogger(__name__)

BLOCKED_STAT = "stdwatch/blocked"


class BlockDetectionMiddleware:
    """Downloader middleware; below HttpCompressionMiddleware (590), so it reads decompressed bodies."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockDetectionMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.url.endswith("/robots.txt"):
            return response
        reason = block_reason(response)
        if reason is None:
            return response
        self.stats.inc_value(BLOCKED_STAT)
        self.stats.set_value("stdwatch/blocked_last", f"{reason}: {response.url}")
        log.warning("blocked by the source: %s at %s", reason, response.url)
        raise IgnoreRequest(f"blocked: {reason} at {response.url}")


class ParseErrorQuarantine:
    """Spider middleware: the one place a ParseError becomes a QuarantineItem (url, reason, body)."""

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> list[QuarantineItem] | None:
        if not isinstance(exception, ParseError):
            return None
        body = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        return [QuarantineItem(url=response.url, reason=str(exception), body=body)]
