"""hbba.sacinfo.org.cn: industry standards filed for record (行业标准备案), JSON list and detail pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.parsing import sacinfo
from crawlers.parsing.common import ListedRecord
from crawlers.spiders.base import StdWatchSpider


class SacinfoHbbaSpider(StdWatchSpider):
    name = "sacinfo_hbba"

    def keys(self) -> list[str]:
        return [self.args.code] if self.args.code else list(self.config.get("keys", [""]))

    def list_request(self, key: str, page: int) -> scrapy.FormRequest:
        form = {
            "current": str(page),
            "size": str(self.config.get("page_size", 50)),
            "key": key,
            "status": "",
            "ministry": "",
            "industry": "",
            "pubdate": "",
            "date": "",
        }
        return scrapy.FormRequest(
            self.url("/stdQueryList"),
            formdata=form,
            callback=self.parse_list,
            cb_kwargs={"key": key},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[Any]:
        for key in self.keys():
            yield self.list_request(key, 1)

    def parse_list(self, response: Response, key: str) -> Any:
        yield from self.follow_listing(
            response, sacinfo.parse_query_list, self.detail_request, lambda page: self.list_request(key, page)
        )

    def detail_request(self, row: ListedRecord) -> scrapy.Request:
        return scrapy.Request(
            self.url(f"/stdDetail/{row.source_id}"), callback=self.parse_detail, cb_kwargs={"row": row}
        )

    def parse_detail(self, response: Response, row: ListedRecord) -> Any:
        yield from self.record_from_detail(response, sacinfo.parse_detail, row)
