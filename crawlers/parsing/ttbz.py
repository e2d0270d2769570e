"""ttbz.org.cn (全国团体标准信息平台): the Home/Standard search list and StandardManage/Detail pages
(as recorded in 2022). The firewall page it answers scripted requests with since 2026: crawlers.blocking."""

# Chinese pages print full-width punctuation (a colon here); the strings below match it on purpose.

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawlers.parsing.common import ListedRecord, ListingPage, ParseError, node_text, split_list, text

_DETAIL_ID = re.compile(r"/StandardManage/Detail/(\d+)")


def parse_search(html: str) -> ListingPage:
    page = Selector(text=html)
    tables = page.css("table.standard_list_table")
    if not tables:
        raise ParseError("ttbz search: no table.standard_list_table")
    headers = [node_text(th) or "" for th in tables[0].xpath(".//tr[1]/th")]
    columns = {name: i for i, name in enumerate(headers)}
    if not {"标准编号", "标准名称"} <= set(columns):
        raise ParseError(f"ttbz search: unexpected columns {headers}")
    rows = []
    for tr in tables[0].xpath(".//tr[td]"):
        cells = tr.xpath("./td")
        link = " ".join(tr.xpath(".//a/@href").getall())
        match = _DETAIL_ID.search(link)
        if not match or len(cells) < len(columns):
            continue
        cell = {name: node_text(cells[i]) for name, i in columns.items()}
        listed = {
            "code": cell.get("标准编号"),
            "title_zh": cell.get("标准名称"),
            "responsible": cell.get("团体名称"),
            "status": cell.get("状态"),
        }
        rows.append(ListedRecord(match.group(1), listed))
    current = int(page.css("input#page::attr(value)").get() or 1)
    pages = int(page.css("input#PageCount::attr(value)").get() or 1)
    return ListingPage(rows, current, pages)


def _table_pairs(table: Selector) -> dict[str, str | None]:
    pairs: dict[str, str | None] = {}
    for tr in table.xpath(".//tr[td]"):
        cells = tr.xpath("./td")
        for label, value in zip(cells[::2], cells[1::2], strict=False):  # an odd last cell has no value
            key = node_text(label)
            if key:
                pairs[key.rstrip(":： ")] = node_text(value)
    return pairs


def _first_heading(table: Selector) -> str:
    headings = table.xpath(".//th")
    return (node_text(headings[0]) or "") if headings else ""


def parse_detail(html: str, url: str) -> dict[str, Any]:
    page = Selector(text=html)
    tables = page.css("table.tctable")
    details = next((t for t in tables if "标准详细信息" in _first_heading(t)), None)
    if details is None:
        raise ParseError("ttbz detail: no 'tctable' with 标准详细信息; the layout may have changed")
    pairs = _table_pairs(details)
    group = next((_table_pairs(t) for t in tables if t is not details), {})
    if not pairs.get("标准编号"):
        raise ParseError("ttbz detail: no 标准编号 in 标准详细信息")
    ccs = (pairs.get("中国标准分类号") or "").split()
    record = {
        "code": pairs["标准编号"],
        "title_zh": pairs.get("中文标题"),
        "title_en": pairs.get("英文标题"),
        "status": pairs.get("标准状态"),
        "published": pairs.get("发布日期"),
        "effective": pairs.get("实施日期"),
        "ics": (pairs.get("国际标准分类号") or "").split()[:1],
        "ccs": ccs[:1],
        "responsible": group.get("团体名称"),
        "drafting_bodies": split_list(pairs.get("起草单位")),
        "source_url": url,
    }
    return {k: text(v) if isinstance(v, str) else v for k, v in record.items() if v not in (None, "", [])}
