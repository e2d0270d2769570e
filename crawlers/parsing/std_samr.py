"""std.samr.gov.cn (全国标准信息公共服务平台): gbQueryPage / gbAdvancedSearchPage JSON and the detail pages.

gbQueryPage rows carry `<sacinfo>` hit tags inside codes; detail pages lay fields out as
`<dt class="basicInfo-item name">label</dt><dd class="basicInfo-item value">value</dd>` plus `h2.title-text`
sections (代替以下标准, 起草单位 ...). gbAdvancedSearchPage adds TOTAL_REPE (replaced), TA_NAME (TC),
DRAFT_UNIT, ADOPT_NO / ADOPT_LEVEL (adoption); no real recording of it exists yet (its fixture is
synthetic).
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
    node_text,
    page_count,
    split_list,
    strip_sacinfo,
    text,
)

STATUS_WORDS = ("现行", "即将实施", "废止", "被代替", "有更新版")
DETAIL_PATHS = {
    "BV_GB": "/gb/search/gbDetailed",
    "BV_HB": "/hb/search/stdHBDetailed",
    "BV_DB": "/db/search/stdDBDetailed",
}


def _json(body: str, what: str) -> dict[str, Any]:
    data = json_body(body, what)
    if not isinstance(data, dict) or "rows" not in data:
        raise ParseError(f"{what}: JSON without 'rows'")
    return data


def _code(row: dict[str, Any]) -> str:
    code = row.get("STD_CODE") or strip_sacinfo(row.get("C_STD_CODE") or "")
    return text(strip_sacinfo(code)) or ""


def _query_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": _code(row),
        "title_zh": text(strip_sacinfo(row.get("C_C_NAME") or row.get("C_NAME") or "")),
        "title_en": text(row.get("C_E_NAME") or row.get("E_NAME")),
        "status": text(row.get("STATE")),
        "published": text(row.get("ISSUE_DATE")),
        "effective": text(row.get("ACT_DATE")),
        "ccs": split_list(row.get("CCS")),
        "ics": split_list(row.get("ICS")),
    }


def parse_query_page(body: str, page_size: int = 20) -> ListingPage:
    """Rows of the gbQueryPage search JSON, each with its catalogue's detail page (national, industry,
    local)."""
    data = _json(body, "std.samr gbQueryPage")
    rows = []
    for row in data["rows"]:
        if not row.get("id"):
            raise ParseError("std.samr gbQueryPage: a row without 'id'")
        detail = DETAIL_PATHS.get(str(row.get("TABLE_NAME")), DETAIL_PATHS["BV_GB"])
        rows.append(ListedRecord(str(row["id"]).upper(), _query_record(row), detail))
    total = int(data.get("total") or 0)
    return ListingPage(rows, int(data.get("pageNumber") or 1), page_count(total, page_size), total)


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
    return {
        "title_zh": node_text(header[0].css("h4")[0]) if header[0].css("h4") else None,
        "title_en": node_text(header[0].css("h5")[0]) if header[0].css("h5") else None,
        "status": next((s for s in status if s in STATUS_WORDS), None),
    }


def parse_detail(html: str, url: str) -> dict[str, Any]:
    """Record fields from gbDetailed / stdHBDetailed / stdDBDetailed pages."""
    page = Selector(text=html)
    pairs = label_pairs(page, "//dt[contains(@class,'basicInfo-item')]", "following-sibling::dd[1]")
    if not pairs.get("标准号"):
        raise ParseError(
            "std.samr detail: no 标准号 in the dt/dd basic information; the layout may have changed"
        )
    ics = page.xpath("//dt[normalize-space()='国际标准分类号']/following-sibling::dd[1]/span/text()").get()
    replaces = split_list(pairs.get("全部代替标准") or pairs.get("部分代替标准"))
    drafting = section_texts(page, "起草单位")
    record = {
        **page_header(page),
        "code": pairs["标准号"],
        "published": pairs.get("发布日期"),
        "effective": pairs.get("实施日期"),
        "ccs": split_list(pairs.get("中国标准分类号")),
        "ics": split_list(text(ics) or pairs.get("国际标准分类号")),
        "responsible": pairs.get("归口单位") or pairs.get("主管部门"),
        "replaces": replaces,
        "drafting_bodies": [d for item in drafting for d in split_list(item)],
        "source_url": url,
    }
    return {k: v for k, v in record.items() if v not in (None, "", [])}
