"""ttbz.org.cn (全国团体标准信息平台): group standards. Since 2026 the site answers scripted requests with a WAF
403 page; the block middleware counts that as 'blocked', never as 'no results'."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing import ttbz
from crawlers.parsing.common import ParseError
from crawlers.spiders.base import StdWatchSpider


class TtbzGroupSpider(StdWatchSpider):
    name = "ttbz_group"

    def search_url(self, page: int) -> str:
        return self.url("/Home/Standard", searchType=2, key=self.args.code or "", page=page,
                        ps=self.config.get("page_size", 100))

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.search_url(1), callback=self.parse_search)

    def parse_search(self, response: Response) -> Any:
        try:
            listing = ttbz.parse_search(response.text)
        except ParseError as error:
            if item := self.failed(response, error):
                yield item
            return
        fresh = 0
        for row in listing.rows:
            if self.unchanged(row.detail_id, row.fingerprint):
                continue
            fresh += 1
            yield scrapy.Request(self.url(f"/StandardManage/Detail/{row.detail_id}/"), callback=self.parse_detail,
                                 cb_kwargs={"row": row})
        if self.more_pages(listing.page, listing.pages, fresh):
            yield scrapy.Request(self.search_url(listing.page + 1), callback=self.parse_search)

    def parse_detail(self, response: Response, row: ttbz.ListRow) -> Any:
        try:
            detail = ttbz.parse_detail(response.text, response.url)
        except ParseError as error:
            if item := self.failed(response, error):
                yield item
            return
        data = {**{k: v for k, v in row.record.items() if v not in (None, "", [])}, **detail}
        yield RecordItem(source_id=row.detail_id, url=response.url, data=data, fingerprint=row.fingerprint)
