"""CNS online catalogue (cnsonline.com.tw, run for BSMI): Taiwan-region national standards, traditional
Chinese.

Detail pages `/?node=detail&generalno=<總號>&classno=<類號>`; result lists
`/?node=result&generalno=<總號>&locale=zh_TW`.
Their layout has not been recorded: fields are read by label (config/label_maps.toml), and a page without the
labels is quarantined.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing import labels
from crawlers.parsing.common import ParseError, split_list
from crawlers.spiders.base import StdWatchSpider
from stdwatch.identifiers import CodeError, parse_standard_code


class CnsSpider(StdWatchSpider):
    name = "cns"

    def numbers(self) -> list[tuple[str, str | None]]:
        if self.args.code:
            try:
                code = parse_standard_code(self.args.code)
            except CodeError as exc:
                raise ValueError(str(exc)) from None
            return [(code.number, code.class_no)]
        return [(str(n), None) for n in self.config.get("generalno", [])]

    async def start(self) -> AsyncIterator[Any]:
        for general, class_no in self.numbers():
            if class_no:
                yield self.detail(general, class_no)
            else:
                yield scrapy.Request(
                    self.url("/", node="result", generalno=general, locale="zh_TW"),
                    callback=self.parse_result,
                )

    def detail(self, general: str, class_no: str) -> scrapy.Request:
        return scrapy.Request(
            self.url("/", node="detail", generalno=general, classno=class_no), callback=self.parse_detail
        )

    def parse_result(self, response: Response) -> Any:
        links = [href for href in response.css("a::attr(href)").getall() if "node=detail" in href]
        if not links and self.args.code:
            # No recorded empty answer exists: a result page without detail links is taken for "no such
            # 總號" when looking one up, and for a changed layout (quarantine) when following the config's.
            return
        if not links:
            raise ParseError("cns result list: no links to detail pages")
        for href in dict.fromkeys(links):
            query = parse_qs(urlsplit(href).query)
            if query.get("generalno") and query.get("classno"):
                yield self.detail(query["generalno"][0], query["classno"][0])

    def parse_detail(self, response: Response) -> Any:
        fields = labels.extract(response.text, "cns")
        self.found()
        general = re.sub(r"^CNS\s*", "", fields["general_no"])
        code = f"CNS {general}" + (f" {fields['class_no']}" if fields.get("class_no") else "")
        data = {
            "code": code,
            "title_zh_hant": fields.get("title_zh_hant"),
            "title_en": fields.get("title_en"),
            "status": fields.get("status"),
            "published": fields.get("published"),
            "ics": split_list(fields.get("ics")),
            "adopts": labels.adoptions(fields.get("adopts")),
            "responsible": fields.get("responsible"),
            "source_url": response.url,
        }
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        yield RecordItem(
            source_id=f"{general}|{fields.get('class_no')}", url=response.url, data=data, fingerprint=None
        )
