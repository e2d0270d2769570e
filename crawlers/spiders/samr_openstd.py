"""openstd.samr.gov.cn: national standards (GB, GB/T, GB/Z), newest first, or one standard by its code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.parsing import openstd
from crawlers.spiders.base import SpiderArgs, StdWatchSpider


class OpenstdArgs(SpiderArgs):
    # The site moved /bzgk/gb/ to /bzgk/std/ (301); links in older pages still use the former.
    detail_path: str = "/bzgk/std/newGbInfo"


class SamrOpenstdSpider(StdWatchSpider):
    name = "samr_openstd"
    args_model = OpenstdArgs
    args: OpenstdArgs

    def list_url(self, page: int) -> str:
        params: dict[str, Any] = {
            "page": page,
            "pageSize": self.config.get("page_size", 50),
            "p.p1": 0,
            "p.p90": "circulation_date",
            "p.p91": "desc",
        }
        if self.args.code:
            params["p.p2"] = self.args.code
        return self.url("/bzgk/std/std_list", **params)

    async def start(self) -> AsyncIterator[Any]:
        yield self.list_request(1)

    def parse_list(self, response: Response) -> Any:
        yield from self.follow_listing(response, openstd.parse_list, self.detail_request, self.list_request)

    def list_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(self.list_url(page), callback=self.parse_list)

    def detail_request(self, row: openstd.ListRow) -> scrapy.Request:
        return scrapy.Request(
            self.url(self.args.detail_path, hcno=row.hcno), callback=self.parse_detail, cb_kwargs={"row": row}
        )

    def parse_detail(self, response: Response, row: openstd.ListRow) -> Any:
        yield from self.record_from_detail(response, openstd.parse_detail, row)
