"""China's WTO/TBT-SPS enquiry point (www.tbt-sps.gov.cn): the list of foreign notifications with their
CHINESE titles, attached to the notification with the same symbol so Chinese queries find foreign measures.

`POST /tbt/find` (JSON) after `GET /login/getSession?v=<ms>` as the site's own page does before each request.
The detail endpoint returns AES-encrypted data; it is deliberately not used.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing.common import ParseError, json_body, page_count, text
from crawlers.spiders.base import StdWatchSpider
from stdwatch.identifiers import CodeError, parse_tbt_symbol
from stdwatch.records import Kind


class TbtSpsCnSpider(StdWatchSpider):
    name = "tbt_sps_cn"

    def session(self, page: int) -> scrapy.Request:
        stamp = int(time.time() * 1000) + page
        return scrapy.Request(
            self.url("/login/getSession", v=stamp),
            dont_filter=True,
            callback=self.find,
            cb_kwargs={"page": page},
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.session(1)

    def find(self, response: Response, page: int) -> Any:
        body = {
            "keyword": self.args.code or "",
            "productsCovered": "",
            "members": "",
            "hsCode": "",
            "purposeReason": "",
            "affectedcorrQt": "",
            "responsibleorganization": "",
            "icsCode": "",
            "startTbdate": "",
            "endTbdate": "",
            "page": page,
            "type": 1,
            "rows": self.config.get("page_size", 20),
        }
        yield scrapy.Request(
            self.url("/tbt/find"),
            method="POST",
            body=json.dumps(body, ensure_ascii=False),
            headers={"Content-Type": "application/json;charset=UTF-8"},
            callback=self.parse_find,
            cb_kwargs={"page": page},
            dont_filter=True,
        )

    def parse_find(self, response: Response, page: int) -> Any:
        rows, total = self._rows(response.text)
        fresh = 0
        for row in rows:
            try:
                symbol = str(parse_tbt_symbol(row.get("tbtno") or ""))
            except CodeError:
                continue  # SPS or national rows in the same list: not TBT notifications
            self.found()
            data = {
                "symbol": symbol,
                "title_zh": text(row.get("tbtitle")),
                "member_name": text(row.get("areaName")),
                "distribution_date": text(row.get("tbdate")),
                "source_url": self.url("/tbt/find"),
            }
            data = {k: v for k, v in data.items() if v}
            fingerprint = json.dumps(data, ensure_ascii=False, sort_keys=True)
            source_id = str(row.get("tbtid") or symbol)
            if self.unchanged(source_id, fingerprint):
                continue
            fresh += 1
            yield RecordItem(
                source_id=source_id, url=response.url, data=data, kind=Kind.TBT, fingerprint=fingerprint
            )
        size = int(self.config.get("page_size", 20))
        pages = page_count(total, size) if total else (page + 1 if len(rows) == size else page)
        if self.more_pages(page, pages, fresh):
            yield self.session(page + 1)

    @staticmethod
    def _rows(body: str) -> tuple[list[dict[str, Any]], int]:
        data = json_body(body, "tbt-sps /tbt/find")
        try:
            inner = data["data"]
            rows = inner["data"]
        except (KeyError, TypeError) as exc:
            raise ParseError(f"tbt-sps /tbt/find: unexpected response ({exc!r})") from None
        if not isinstance(rows, list):
            raise ParseError("tbt-sps /tbt/find: data.data is not a list")
        return rows, int(inner.get("total") or inner.get("totalCount") or 0)
