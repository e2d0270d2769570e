"""ttbz.org.cn (全国团体标准信息平台): group standards. Since 2026 the site answers scripted requests with a
WAF 403 page; the block middleware counts that as 'blocked', never as 'no results'."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.parsing import ttbz
from crawlers.parsing.common import ListedRecord
from crawlers.spiders.base import StdWatchSpider


class TtbzGroupSpider(StdWatchSpider):
    name = "ttbz_group"

    def search_url(self, page: int) -> str:
        return self.url(
            "/Home/Standard",
            searchType=2,
            key=self.args.code or "",
            page=page,
            ps=self.config.get("page_size", 100),
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.search_request(1)

    def parse_search(self, response: Response) -> Any:
        yield from self.follow_listing(response, ttbz.parse_search, self.detail_request, self.search_request)

    def search_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(self.search_url(page), callback=self.parse_search)

    def detail_request(self, row: ListedRecord) -> scrapy.Request:
        return scrapy.Request(
            self.url(f"/StandardManage/Detail/{row.source_id}/"),
            callback=self.parse_detail,
            cb_kwargs={"row": row},
        )

    def parse_detail(self, response: Response, row: ListedRecord) -> Any:
        yield from self.record_from_detail(response, ttbz.parse_detail, row)
