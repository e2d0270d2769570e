"""WTO ePing API: TBT notifications (domainIds=1; SPS is not kept), newest by distribution date, or one by
symbol.

Needs the WTO API key (STDWATCH_EPING_KEY, sent as Ocp-Apim-Subscription-Key); without it the run ends at once
with finish reason `missing_api_key` and the CLI exits non-zero: it never pretends to have crawled.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from crawlers.config import EPING_KEY
from crawlers.items import QuarantineItem, RecordItem
from crawlers.parsing import eping
from crawlers.parsing.common import ParseError, json_body, page_count
from crawlers.spiders.base import SpiderArgs, StdWatchSpider
from stdwatch.records import Kind

log = logging.getLogger(__name__)
TBT_DOMAIN = "1"  # ePing's domainIds: 1 TBT, 2 SPS; SPS symbols (G/SPS/N/...) are not a kind StdWatch keeps


class EpingArgs(SpiderArgs):
    members: str | None = None  # comma-separated names or codes; default: config/sources.toml `members`


class WtoEpingSpider(StdWatchSpider):
    name = "wto_eping"
    args_model = EpingArgs
    args: EpingArgs
    country_ids: str | None = None

    def wanted_members(self) -> list[str]:
        if self.args.members:
            return [m.strip() for m in self.args.members.split(",") if m.strip()]
        return list(self.config.get("members", []))

    def since(self) -> str:
        if self.args.full:
            return "1995-01-01"
        newest = self.store.crawls.latest_value(self.name, "distribution_date")
        if newest:
            overlap = timedelta(days=int(self.config.get("overlap_days", 7)))
            return (date.fromisoformat(newest[:10]) - overlap).isoformat()
        return (date.today() - timedelta(days=int(self.config.get("days_back", 60)))).isoformat()

    def search_request(self, page: int) -> scrapy.Request:
        params: dict[str, Any] = {
            "language": 1,
            "domainIds": TBT_DOMAIN,
            "page": page,
            "pageSize": self.config.get("page_size", 100),
        }
        if self.args.code:
            params["documentSymbol"] = self.args.code
        else:
            params["distributionDateFrom"] = self.since()
            if self.country_ids:
                params["countryIds"] = self.country_ids
        return self.api_request(
            self.url("/eping/notifications/search", **params), self.parse_search, cb_kwargs={"page": page}
        )

    def api_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        headers = {"Ocp-Apim-Subscription-Key": self.key, "Accept": "application/json"}
        return scrapy.Request(url, callback=callback, headers=headers, **kwargs)

    async def start(self) -> AsyncIterator[Any]:
        self.key = str(self.settings.get(EPING_KEY) or "")
        if not self.key:
            log.error(
                "the WTO ePing API key is missing: set STDWATCH_EPING_KEY (free key at apiportal.wto.org)"
            )
            raise CloseSpider("missing_api_key")
        if self.wanted_members() and not self.args.code:
            yield self.api_request(self.url("/eping/members", language=1), self.parse_members)
        else:
            yield self.search_request(1)

    def parse_members(self, response: Response) -> Any:
        """Map the members to follow (names or codes, as configured) to ePing's country ids."""
        members = eping.members(json_body(response.text, "ePing members"))
        wanted = self.wanted_members()
        ids = [members[w.casefold()] for w in wanted if w.casefold() in members]
        unknown = [w for w in wanted if w.casefold() not in members]
        if unknown:
            log.warning("ePing knows no member named %s; following the others", unknown)
        if not ids:
            raise CloseSpider("unknown_members")
        self.country_ids = ",".join(dict.fromkeys(ids))
        yield self.search_request(1)

    def parse_search(self, response: Response, page: int) -> Any:
        items, total = self._search_page(response.text)
        self.found(len(items))
        fresh = 0
        for raw in items:
            fingerprint = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
            source_url = f"{response.url.split('?')[0]}?documentSymbol={raw.get('documentSymbol')}"
            try:
                records = eping.map_item(raw, source_url)
            except ParseError as error:
                yield QuarantineItem(response.url, str(error), json.dumps(raw, ensure_ascii=False))
                continue
            for record in records:
                source_id = f"{raw.get('id')}:{record['symbol']}"
                if self.unchanged(source_id, fingerprint):
                    continue
                fresh += 1
                yield RecordItem(
                    source_id=source_id, url=response.url, data=record, kind=Kind.TBT, fingerprint=fingerprint
                )
        if self.more_pages(page, page_count(total, int(self.config.get("page_size", 100))), fresh):
            yield self.search_request(page + 1)

    @staticmethod
    def _search_page(body: str) -> tuple[list[Any], int]:
        data = json_body(body, "ePing search")
        try:
            return list(data["items"]), int(data.get("totalCount") or 0)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ParseError(f"ePing search: unexpected response ({exc!r})") from None
