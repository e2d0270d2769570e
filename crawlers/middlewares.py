"""Recognise block pages (WAF 403s, rate limits, captchas, login walls) so they are counted as 'blocked' and
never read as 'no results'."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

log = logging.getLogger(__name__)

BLOCKED_STAT = "stdwatch/blocked"
# Markers of block pages seen at our sources (ttbz's Knownsec/jiasule WAF page, recorded 2026-01-27) and of
# common firewalls, captchas and login walls. A block page is small and carries none of the data we parse.
WAF_MARKERS = ("wafblock", "notice-jiasule", "知道创宇", "cdn-cgi", "Access Denied", "Request blocked", "安全威胁")
CHALLENGE_MARKERS = ("captcha", "请输入验证码", "滑动验证", "人机验证", "type=\"password\"", "请先登录")


def block_reason(response: Response) -> str | None:
    """Why a response is a block page, or None if it is not one."""
    try:
        body = response.text[:20000]
    except AttributeError:
        body = ""
    if response.status in (401, 403, 407):
        waf = next((m for m in WAF_MARKERS if m in body), None)
        return f"HTTP {response.status}" + (f" ({waf} page)" if waf else "")
    if response.status == 200 and len(response.body) < 30000 and any(m in body for m in CHALLENGE_MARKERS):
        return "captcha or login page"
    return None


class BlockDetectionMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockDetectionMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.url.endswith("/robots.txt"):
            return response
        reason = block_reason(response)
        if reason is None:
            return response
        self.stats.inc_value(BLOCKED_STAT)
        self.stats.set_value("stdwatch/blocked_last", f"{reason}: {response.url}")
        log.warning("blocked by the source: %s at %s", reason, response.url)
        raise IgnoreRequest(f"blocked: {reason} at {response.url}")
