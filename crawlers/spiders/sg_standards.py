"""Singapore Standards eShop (singaporestandardseshop.sg): SS, TR and SS ISO/IEC standards.

Product pages `/Product/SSPdtDetail/<GUID>`; no public listing or search endpoint is known, so the products
to follow are listed in config/sources.toml (`product_ids`) or given with `--arg product_ids=GUID,GUID`.
Fields are read by label (config/label_maps.toml) around the unlabelled code and title headings
(crawlers/parsing/sg_eshop.py); a page without them is quarantined.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from crawlers.items import RecordItem
from crawlers.parsing import sg_eshop
from crawlers.parsing.common import split_list
from crawlers.spiders.base import SpiderArgs, StdWatchSpider

log = logging.getLogger(__name__)


class SgArgs(SpiderArgs):
    product_ids: str | None = None


class SgStandardsSpider(StdWatchSpider):
    name = "sg_standards"
    args_model = SgArgs
    args: SgArgs

    async def start(self) -> AsyncIterator[Any]:
        if self.args.code:
            log.error(
                "the Singapore Standards eShop has no known search endpoint: follow products by their "
                "eShop id with --arg product_ids=<GUID,...> or product_ids in config/sources.toml"
            )
            raise CloseSpider("code_lookup_unsupported")
        for product in self.product_ids():
            yield scrapy.Request(
                self.url(f"/Product/SSPdtDetail/{product}"),
                callback=self.parse_product,
                cb_kwargs={"product": product},
            )

    def product_ids(self) -> list[str]:
        if self.args.product_ids:
            return split_list(self.args.product_ids, ",")
        return list(self.config.get("product_ids", []))

    def parse_product(self, response: Response, product: str) -> Any:
        data = sg_eshop.parse_product(response.text, response.url)
        yield RecordItem(source_id=product, url=response.url, data=data, fingerprint=None)
