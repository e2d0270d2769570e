"""The one block detector (crawlers/blocking.py), every path of it, and the two middlewares that act on what a
spider cannot use: block pages are counted and dropped, pages that do not parse go to quarantine."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawlers.blocking import CHALLENGE_MARKERS, block_reason
from crawlers.items import QuarantineItem
from crawlers.middlewares import BLOCKED_STAT, BlockDetectionMiddleware, ParseErrorQuarantine
from crawlers.parsing import ttbz
from crawlers.parsing.common import ParseError
from tests.crawlers.sites import TTBZ, read

URL = "http://www.ttbz.org.cn/Home/Standard"
WAF_PAGE = read(TTBZ / "Home_Standard_search_HTTP403_WAF_2026-01-27.html")
RESULT_PAGE = read(TTBZ / "Home_Standard_search_TGZAEPI001-2018_2022-07-19.html")


def html(body: str, status: int = 200, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url, status=status, body=body.encode(), encoding="utf-8")


def test_the_recorded_waf_page_is_a_block_not_a_page_without_results() -> None:
    with pytest.raises(ParseError):
        ttbz.parse_search(WAF_PAGE)  # read as a result page, it would be quarantined as a changed layout
    assert block_reason(html(WAF_PAGE, 403)) == "HTTP 403 (wafblock page)"
    assert block_reason(html(RESULT_PAGE)) is None


@pytest.mark.parametrize("status", [401, 403, 407])
def test_refusals_are_blocks_whatever_the_page_says(status: int) -> None:
    assert block_reason(html("<html><body>no</body></html>", status)) == f"HTTP {status}"
    assert block_reason(Response(URL, status=status, body=b"\x00\x01")) == f"HTTP {status}"  # not even text


@pytest.mark.parametrize("marker", CHALLENGE_MARKERS)
def test_a_small_challenge_or_login_page_is_a_block(marker: str) -> None:
    assert (
        block_reason(html(f"<html><body><form>{marker}<input name='x'/></form></body></html>"))
        == "captcha or login page"
    )


def test_a_large_page_that_mentions_a_captcha_is_data() -> None:
    page = RESULT_PAGE + "<!-- captcha -->" + " " * 30000
    assert block_reason(html(page)) is None
    assert block_reason(html("<html><body>captcha</body></html>", 404)) is None  # an error, not a block


def test_the_middleware_counts_and_drops_blocks_but_lets_robots_txt_through() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider()
    middleware = BlockDetectionMiddleware.from_crawler(crawler)
    robots = html("Access Denied", 403, "http://www.ttbz.org.cn/robots.txt")
    assert middleware.process_response(Request(robots.url), robots) is robots  # robots.txt: Scrapy's own
    with pytest.raises(IgnoreRequest, match="blocked: HTTP 403"):
        middleware.process_response(Request(URL), html(WAF_PAGE, 403))
    assert crawler.stats.get_value(BLOCKED_STAT) == 1
    assert crawler.stats.get_value("stdwatch/blocked_last") == f"HTTP 403 (wafblock page): {URL}"
    page = html(RESULT_PAGE)
    assert middleware.process_response(Request(URL), page) is page


def test_a_parse_error_from_any_callback_becomes_a_quarantine_item() -> None:
    page = html("<html><body><h2>系统升级中</h2></body></html>")
    quarantine = ParseErrorQuarantine()
    assert quarantine.process_spider_exception(page, ParseError("no table")) == [
        QuarantineItem(URL, "no table", "<html><body><h2>系统升级中</h2></body></html>")
    ]
    assert quarantine.process_spider_exception(page, KeyError("bug")) is None  # a bug stays an error
