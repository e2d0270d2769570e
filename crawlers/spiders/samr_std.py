"""std.samr.gov.cn: the national catalogue's JSON search (national, industry, local) plus detail pages, and
for a looked-up code the advanced search, for what openstd lacks: replaced standards, TC, drafting units,
adoption."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing import std_samr
from crawlers.parsing.common import ListedRecord
from crawlers.spiders.base import StdWatchSpider
from stdwatch.identifiers import CodeError, Family, parse_standard_code

# gbAdvancedSearchPage `tid`: 1 plans, 2 national, 3 industry, 4 local.
_TID = {Family.INDUSTRY: 3, Family.LOCAL: 4}


class SamrStdSpider(StdWatchSpider):
    name = "samr_std"

    def query_url(self, page: int) -> str:
        months = "" if self.args.code or self.args.full else self.config.get("issue_months", "")
        return self.url(
            "/gb/search/gbQueryPage",
            searchText=self.args.code or "",
            ics="",
            state="",
            ISSUE_DATE=months,
            sortOrder="asc",
            pageSize=self.config.get("page_size", 20),
            pageNumber=page,
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.query_request(1)
        if self.args.code:
            yield self.advanced_request(self.args.code)

    def advanced_request(self, code: str) -> scrapy.Request:
        try:
            tid = _TID.get(parse_standard_code(code).family, 2)
        except CodeError:
            tid = 2
        url = self.url("/gb/search/gbAdvancedSearchPage", tid=tid, std_p7=code, limit=20, offset=0)
        return scrapy.Request(
            url, callback=self.parse_advanced, headers={"Referer": self.url("/gb/search/gbAdvancedSearch")}
        )

    def parse_query(self, response: Response) -> Any:
        size = int(self.config.get("page_size", 20))
        yield from self.follow_listing(
            response,
            lambda body: std_samr.parse_query_page(body, size),
            self.detail_request,
            self.query_request,
        )

    def query_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(self.query_url(page), callback=self.parse_query)

    def detail_request(self, row: ListedRecord) -> scrapy.Request:
        return scrapy.Request(
            self.url(row.detail_path or std_samr.DETAIL_PATHS["BV_GB"], id=row.source_id),
            callback=self.parse_detail,
            cb_kwargs={"row": row},
        )

    def parse_detail(self, response: Response, row: ListedRecord) -> Any:
        yield from self.record_from_detail(response, std_samr.parse_detail, row)

    def parse_advanced(self, response: Response) -> Any:
        records = std_samr.parse_advanced_page(response.text)
        self.found(len(records))
        for data in records:
            data["source_url"] = response.url
            yield RecordItem(
                source_id=f"advanced:{data.get('code')}", url=response.url, data=data, fingerprint=None
            )
