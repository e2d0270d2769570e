"""The one block detector: is a response a block page (WAF 403, proxy/login 401/407, captcha, login wall)
rather than the source's data? Such a page is counted as 'blocked' and reported, never read as 'no results'
and never quarantined as a broken layout."""

from __future__ import annotations

from scrapy.http import Response

# Markers of block pages seen at our sources (ttbz's Knownsec/jiasule WAF page, recorded 2026-01-27) and of
# common firewalls; they only name the kind of page, the status already says it is a block.
WAF_MARKERS = (
    "wafblock",
    "notice-jiasule",
    "知道创宇",
    "error_403",
    "cdn-cgi",
    "Access Denied",
    "Request blocked",
    "安全威胁",
)
# A challenge or login wall comes with status 200; it is small and carries none of the data we parse.
CHALLENGE_MARKERS = ("captcha", "请输入验证码", "滑动验证", "人机验证", 'type="password"', "请先登录")
BLOCK_STATUSES = (401, 403, 407)
CHALLENGE_MAX_BYTES = 30000


def block_reason(response: Response) -> str | None:
    """Why a response is a block page, or None if it is not one."""
    body = response.text[:20000] if hasattr(response, "text") else ""
    if response.status in BLOCK_STATUSES:
        waf = next((m for m in WAF_MARKERS if m in body), None)
        return f"HTTP {response.status}" + (f" ({waf} page)" if waf else "")
    if (
        response.status == 200
        and len(response.body) < CHALLENGE_MAX_BYTES
        and any(m in body for m in CHALLENGE_MARKERS)
    ):
        return "captcha or login page"
    return None
