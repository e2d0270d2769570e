"""hbba.sacinfo.org.cn: industry standards filed for record (行业标准备案), JSON list and detail pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing import sacinfo
from crawlers.parsing.common import ParseError
from crawlers.spiders.base import StdWatchSpider


class SacinfoHbbaSpider(StdWatchSpider):
    name = "sacinfo_hbba"

    def keys(self) -> list[str]:
        return [self.args.code] if self.args.code else list(self.config.get("keys", [""]))

    def list_request(self, key: str, page: int) -> scrapy.FormRequest:
        form = {"current": str(page), "size": str(self.config.get("page_size", 50)), "key": key, "status": "",
                "ministry": "", "industry": "", "pubdate": "", "date": ""}
        return scrapy.FormRequest(self.url("/stdQueryList"), formdata=form, callback=self.parse_list,
                                  cb_kwargs={"key": key}, dont_filter=True)

    async def start(self) -> AsyncIterator[Any]:
        for key in self.keys():
            yield self.list_request(key, 1)

    def parse_list(self, response: Response, key: str) -> Any:
        try:
            listing = sacinfo.parse_query_list(response.text)
        except ParseError as error:
            if item := self.failed(response, error):
                yield item
            return
        fresh = 0
        for row in listing.rows:
            if self.unchanged(row.pk, row.fingerprint):
                continue
            fresh += 1
            yield scrapy.Request(self.url(f"/stdDetail/{row.pk}"), callback=self.parse_detail,
                                 cb_kwargs={"row": row})
        if self.more_pages(listing.page, listing.pages, fresh):
            yield self.list_request(key, listing.page + 1)

    def parse_detail(self, response: Response, row: sacinfo.ListRow) -> Any:
        try:
            detail = sacinfo.parse_detail(response.text, response.url)
        except ParseError as error:
            if item := self.failed(response, error):
                yield item
            return
        data = {**{k: v for k, v in row.record.items() if v not in (None, "", [])}, **detail}
        yield RecordItem(source_id=row.pk, url=response.url, data=data, fingerprint=row.fingerprint)
