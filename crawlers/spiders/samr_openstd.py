"""openstd.samr.gov.cn: national standards (GB, GB/T, GB/Z), newest first, or one standard by its code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing import openstd
from crawlers.parsing.common import ParseError
from crawlers.spiders.base import SpiderArgs, StdWatchSpider


class OpenstdArgs(SpiderArgs):
    # The site moved /bzgk/gb/ to /bzgk/std/ (301); links in older pages still use the former.
    detail_path: str = "/bzgk/std/newGbInfo"


class SamrOpenstdSpider(StdWatchSpider):
    name = "samr_openstd"
    args_model = OpenstdArgs
    args: OpenstdArgs

    def list_url(self, page: int) -> str:
        params: dict[str, Any] = {"page": page, "pageSize": self.config.get("page_size", 50), "p.p1": 0,
                                  "p.p90": "circulation_date", "p.p91": "desc"}
        if self.args.code:
            params["p.p2"] = self.args.code
        return self.url("/bzgk/std/std_list", **params)

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.list_url(1), callback=self.parse_list)

    def parse_list(self, response: Response) -> Any:
        try:
            listing = openstd.parse_list(response.text)
        except ParseError as error:
            if item := self.failed(response, error):
                yield item
            return
        fresh = 0
        for row in listing.rows:
            if self.unchanged(row.hcno, row.fingerprint):
                continue
            fresh += 1
            yield scrapy.Request(self.url(self.args.detail_path, hcno=row.hcno), callback=self.parse_detail,
                                 cb_kwargs={"row": row})
        if self.more_pages(listing.page, listing.pages, fresh):
            yield scrapy.Request(self.list_url(listing.page + 1), callback=self.parse_list)

    def parse_detail(self, response: Response, row: openstd.ListRow) -> Any:
        try:
            data = openstd.parse_detail(response.text, response.url)
        except ParseError as error:
            if item := self.failed(response, error):
                yield item
            return
        data.setdefault("status", row.status)
        yield RecordItem(source_id=row.hcno, url=response.url, data=data, fingerprint=row.fingerprint)
