"""What every StdWatch spider shares: validated arguments, the source's config, incremental bookkeeping, and
the listing/detail flow. A ParseError raised in any callback is quarantined by crawlers.middlewares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from pydantic import BaseModel, Field, field_validator
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawlers.extensions import LOOKUP_FOUND_STAT
from crawlers.items import RecordItem
from crawlers.sources import source
from crawlers.store import CrawlStore

TRUE = ("1", "true", "yes", "on")


class SpiderArgs(BaseModel):
    """`-a name=value` arguments, as every spider accepts them."""

    base_url: str = Field(description="Site root: the real site by default, a mirror or a replay server.")
    code: str | None = Field(default=None, description="Look up one standard by its code instead of listing.")
    full: bool = Field(default=False, description="Recrawl everything, not only what is new or changed.")
    max_pages: int | None = Field(default=None, ge=1, description="Stop listing after this many pages.")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
        return value.rstrip("/")


class StdWatchSpider(scrapy.Spider):
    args: SpiderArgs
    args_model: ClassVar[type[SpiderArgs]] = SpiderArgs
    store: CrawlStore

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        registered = source(self.name)  # an unregistered spider fails here, loudly
        raw = {k: v for k, v in kwargs.items() if k in self.args_model.model_fields}
        raw.setdefault("base_url", registered.base_url)
        if isinstance(raw.get("full"), str):
            raw["full"] = raw["full"].lower() in TRUE
        self.args = self.args_model(**raw)
        self.config = registered.options
        self.known: dict[str, str] = {}
        super().__init__(name, **{k: v for k, v in kwargs.items() if k not in self.args_model.model_fields})

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.set("DOWNLOAD_DELAY", source(cls.name).download_delay, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> StdWatchSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = CrawlStore.of(crawler)
        if not spider.args.full:
            spider.known = spider.store.crawls.seen(spider.name)
        return spider

    # ------------------------------------------------------------------------------------------ helpers
    def url(self, path: str, **params: Any) -> str:
        query = urlencode({k: "" if v is None else v for k, v in params.items()})
        return f"{self.args.base_url}{path}" + (f"?{query}" if query else "")

    def unchanged(self, source_id: str, fingerprint: str) -> bool:
        """Seen before with the same listing: skip its detail page (unless --full) and count it unchanged."""
        same = not self.args.full and self.known.get(source_id) == fingerprint
        if same:
            self.crawler.stats.inc_value("stdwatch/unchanged")
        return same

    def found(self, answers: int = 1) -> None:
        """Count what the source answered to a look-up by code; a look-up with no answer is `not_found`."""
        if self.args.code and answers:
            self.crawler.stats.inc_value(LOOKUP_FOUND_STAT, answers)

    def more_pages(self, page: int, pages: int, fresh: int) -> bool:
        """Follow the listing? Not when this page held nothing new (incremental), nor past max_pages."""
        if self.args.code or page >= pages:
            return False
        if self.args.max_pages and page >= self.args.max_pages:
            return False
        return self.args.full or fresh > 0

    def follow_listing(
        self,
        response: Response,
        parse: Callable[[str], Any],
        detail: Callable[[Any], scrapy.Request],
        next_page: Callable[[int], scrapy.Request],
    ) -> Iterator[Any]:
        """The list-page flow every listing source shares: parse, request the detail page of each new or
        changed row, and go on to the next page while pages still hold something new."""
        listing = parse(response.text)
        self.found(len(listing.rows))  # seen before or not, a listed row is the source knowing the code
        fresh = 0
        for row in listing.rows:
            if self.unchanged(row.source_id, row.fingerprint):
                continue
            fresh += 1
            yield detail(row)
        if self.more_pages(listing.page, listing.pages, fresh):
            yield next_page(listing.page + 1)

    def record_from_detail(
        self, response: Response, parse: Callable[[str, str], dict[str, Any]], row: Any
    ) -> Iterator[Any]:
        """A detail page's record, completed by what its listing row showed (the page wins where both say)."""
        detail = parse(response.text, response.url)
        listed = {k: v for k, v in row.record.items() if v not in (None, "", [])}
        data = {**listed, **{k: v for k, v in detail.items() if v not in (None, "", [])}}
        yield RecordItem(source_id=row.source_id, url=response.url, data=data, fingerprint=row.fingerprint)
