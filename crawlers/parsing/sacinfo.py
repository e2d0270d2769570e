"""hbba.sacinfo.org.cn (行业标准) and dbba.sacinfo.org.cn (地方标准): stdQueryList JSON and stdDetail pages.

stdQueryList dates are epoch milliseconds; stdDetail shares std.samr's page header and dt/dd layout and adds
起草单位 / 起草人 sections and 代替标准 where a standard replaces another.
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawlers.parsing.common import (
    ListedRecord,
    ListingPage,
    ParseError,
    json_body,
    label_pairs,
    split_list,
    text,
)
from crawlers.parsing.std_samr import page_header, section_texts
from stdwatch.dates import parse_date


def _iso(value: Any) -> str | None:
    day = parse_date(value) if value not in (None, "") else None
    return day.isoformat() if day else None


def parse_query_list(body: str) -> ListingPage:
    data = json_body(body, "sacinfo stdQueryList")
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise ParseError("sacinfo stdQueryList: JSON without a 'records' list")
    rows = []
    for item in data["records"]:
        if not item.get("pk") or not item.get("code"):
            raise ParseError("sacinfo stdQueryList: a record without 'pk' or 'code'")
        rows.append(
            ListedRecord(
                str(item["pk"]),
                {
                    "code": text(item["code"]),
                    "title_zh": text(item.get("chName")),
                    "status": text(item.get("status")),
                    "published": _iso(item.get("issueDate")),
                    "effective": _iso(item.get("actDate")),
                    "replaces": split_list(item.get("reviseStdCode")),
                },
            )
        )
    return ListingPage(
        rows, int(data.get("current") or 1), int(data.get("pages") or 1), int(data.get("total") or 0)
    )


def parse_detail(html: str, url: str) -> dict[str, Any]:
    page = Selector(text=html)
    pairs = label_pairs(page, "//dt[contains(@class,'basicInfo-item')]", "following-sibling::dd[1]")
    if not pairs.get("标准号"):
        raise ParseError("sacinfo stdDetail: no 标准号 in the basic information; the layout may have changed")
    drafting = [d for item in section_texts(page, "起草单位") for d in split_list(item)]
    record = {
        **page_header(page),
        "code": pairs["标准号"],
        "published": pairs.get("发布日期"),
        "effective": pairs.get("实施日期"),
        "ccs": split_list(pairs.get("中国标准分类号")),
        "ics": split_list(pairs.get("国际标准分类号")),
        "responsible": pairs.get("批准发布部门"),
        "replaces": split_list(pairs.get("代替标准")),
        "drafting_bodies": drafting,
        "source_url": url,
    }
    return {k: v for k, v in record.items() if v not in (None, "", [])}
