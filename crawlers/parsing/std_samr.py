"""std.samr.gov.cn (全国标准信息公共服务平台): gbQueryPage / gbAdvancedSearchPage JSON and the detail pages.

gbQueryPage rows carry `<sacinfo>` hit tags inside codes; detail pages lay fields out as
`<dt class="basicInfo-item name">label</dt><dd class="basicInfo-item value">value</dd>` plus `h2.title-text`
sections (代替以下标准, 起草单位 ...). gbAdvancedSearchPage adds TOTAL_REPE (replaced), TA_NAME (TC), DRAFT_UNIT,
ADOPT_NO / ADOPT_LEVEL (adoption); no real recording of it exists yet, so its fixture is synthetic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from parsel import Selector

from crawlers.parsing.common import ParseError, label_pairs, node_text, split_list, strip_sacinfo, text

DETAIL_PATHS = {"BV_GB": "/gb/search/gbDetailed", "BV_HB": "/hb/search/stdHBDetailed",
                "BV_DB": "/db/search/stdDBDetailed"}


@dataclass(frozen=True)
class QueryRow:
    source_id: str
    table: str
    record: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return json.dumps(self.record, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class QueryPage:
    rows: list[QueryRow]
    total: int
    page: int
    page_size: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _json(body: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or "rows" not in data:
        raise ParseError(f"{what}: JSON without 'rows'")
    return data


def _code(row: dict[str, Any]) -> str:
    code = row.get("STD_CODE") or strip_sacinfo(row.get("C_STD_CODE") or "")
    return text(strip_sacinfo(code)) or ""


def _query_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": _code(row), "title_zh": text(strip_sacinfo(row.get("C_C_NAME") or row.get("C_NAME") or "")),
        "title_en": text(row.get("C_E_NAME") or row.get("E_NAME")), "status": text(row.get("STATE")),
        "published": text(row.get("ISSUE_DATE")), "effective": text(row.get("ACT_DATE")),
        "ccs": split_list(row.get("CCS")), "ics": split_list(row.get("ICS")),
    }


def parse_query_page(body: str, page_size: int = 20) -> QueryPage:
    """Rows of the gbQueryPage search JSON."""
    data = _json(body, "std.samr gbQueryPage")
    rows = []
    for row in data["rows"]:
        if not row.get("id"):
            raise ParseError("std.samr gbQueryPage: a row without 'id'")
        rows.append(QueryRow(str(row["id"]).upper(), str(row.get("TABLE_NAME") or "BV_GB"), _query_record(row)))
    return QueryPage(rows, int(data.get("total") or 0), int(data.get("pageNumber") or 1), page_size)


def parse_advanced_page(body: str) -> list[dict[str, Any]]:
    """Rows of gbAdvancedSearchPage: the fields openstd lacks (replaced, TC, drafting units, adoption)."""
    data = _json(body, "std.samr gbAdvancedSearchPage")
    records = []
    for row in data["rows"]:
        record = _query_record(row)
        record["replaces"] = split_list(strip_sacinfo(row.get("TOTAL_REPE") or ""))
        record["responsible"] = text(row.get("TA_NAME"))
        record["drafting_bodies"] = split_list(row.get("DRAFT_UNIT"))
        if row.get("ADOPT_NO"):
            record["adopts"] = [{"code": text(row["ADOPT_NO"]), "degree": text(row.get("ADOPT_LEVEL"))}]
        records.append({k: v for k, v in record.items() if v not in (None, "", [])})
    return records


def section_texts(page: Selector, title: str) -> list[str]:
    """Text of the nodes between the h2.title-text heading `title` and the next heading."""
    heading = page.xpath(f"//h2[contains(@class,'title-text')][normalize-space()='{title}']/..")
    if not heading:
        return []
    texts = []
    for sibling in heading[0].xpath("following-sibling::*"):
        if "para-title" in (sibling.attrib.get("class") or ""):
            break
        if value := node_text(sibling):
            texts.append(value)
    return texts


def page_header(page: Selector) -> dict[str, Any]:
    """Title, English title and status from the `div.page-header` both std.samr and hbba/dbba pages have."""
    header = page.css("div.page-header")
    if not header:
        return {}
    status = [node_text(s) for s in header[0].css("span.label-primary")]
    return {"title_zh": node_text(header[0].css("h4")[0]) if header[0].css("h4") else None,
            "title_en": node_text(header[0].css("h5")[0]) if header[0].css("h5") else None,
            "status": next((s for s in status if s in ("现行", "即将实施", "废止", "被代替", "有更新版")), None)}


def parse_detail(html: str, url: str) -> dict[str, Any]:
    """Record fields from gbDetailed / stdHBDetailed / stdDBDetailed pages."""
    page = Selector(text=html)
    pairs = label_pairs(page, "//dt[contains(@class,'basicInfo-item')]", "following-sibling::dd[1]")
    if not pairs.get("标准号"):
        raise ParseError("std.samr detail: no 标准号 in the dt/dd basic information; the layout may have changed")
    ics = page.xpath("//dt[normalize-space()='国际标准分类号']/following-sibling::dd[1]/span/text()").get()
    replaces = split_list(pairs.get("全部代替标准") or pairs.get("部分代替标准"))
    drafting = section_texts(page, "起草单位")
    record = {
        **page_header(page), "code": pairs["标准号"], "published": pairs.get("发布日期"), "effective": pairs.get("实施日期"),
        "ccs": split_list(pairs.get("中国标准分类号")), "ics": split_list(text(ics) or pairs.get("国际标准分类号")),
        "responsible": pairs.get("归口单位") or pairs.get("主管部门"), "replaces": replaces,
        "drafting_bodies": [d for item in drafting for d in split_list(item)], "source_url": url,
    }
    return {k: v for k, v in record.items() if v not in (None, "", [])}


def parse_search_html(html: str) -> list[QueryRow]:
    """The server-rendered 国家标准检索 result list (one `div.panel.post` per standard; 2019 layout)."""
    page = Selector(text=html)
    rows = []
    for panel in page.css("div.panel.post"):
        link = panel.css("table.s-title a[pid]")
        if not link:
            continue
        labelled: dict[str, str | None] = {}
        for media in panel.css("div.media-inner"):
            label = node_text(media.css("div.media-left")[0]) if media.css("div.media-left") else None
            if label:
                labelled[label] = node_text(media.css("div.media-body")[0])
        spans = [node_text(s) for s in panel.css("div.post-flex span")]
        after = {spans[i]: spans[i + 1] for i in range(len(spans) - 1) if spans[i]}
        dates = [text(d) for d in panel.css("time.post-date::text").getall()]
        code = text(strip_sacinfo("".join(link[0].css("span.en-code").xpath(".//text()").getall())))
        title = text("".join(link[0].xpath("./text()").getall()))
        record = {
            "code": code, "title_zh": title, "title_en": labelled.get("英文标题"),
            "status": node_text(panel.css("div.post-head span.s-status")[0]) if panel.css("div.post-head span.s-status") else None,
            "ics": split_list(after.get("国际标准分类号（ICS）")), "ccs": split_list(after.get("中国标准分类号（CCS）")),
            "responsible": labelled.get("归口单位"),
            "published": dates[0] if dates else None, "effective": dates[1] if len(dates) > 1 else None,
        }
        rows.append(QueryRow(link[0].attrib["pid"].upper(), link[0].attrib.get("tid", "BV_GB"),
                             {k: v for k, v in record.items() if v not in (None, "", [])}))
    if not rows and "s-title" not in html:
        raise ParseError("std.samr search page: no result panels and no result markup")
    return rows
