"""openstd.samr.gov.cn (国家标准全文公开系统): the std_list result table and the newGbInfo detail page.

Layout as recorded in 2026 (samples/openstd): the list's columns are 序号 | 标准号 | 语种 | 是否采标 | 标准名称 | 类别 |
状态 | 发布日期 | 实施日期 | 操作, found by their header text, not by position (an older layout had no 语种 column).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from parsel import Selector

from crawlers.parsing.common import ListingPage, ParseError, node_text, require, text
from stdwatch.identifiers import CodeError, parse_standard_code

log = logging.getLogger(__name__)

_HCNO = re.compile(r"showInfo\('([0-9A-Fa-f]{32})'\)")
_PAGES = re.compile(r"color:\s*red;\">\s*(\d+)\s*</a>\s*(?:&nbsp;)?/(?:&nbsp;)?\s*(\d+)")
STATUS_WORDS = ("现行", "即将实施", "废止", "被代替")

# The 备注 row states replacements in prose: `2011-11-01实施,代替GB 13000.1-1993 根据…`
# (what this edition replaces) or `被GB/T 1.1-2020代替` / `由GB/T 1.1-2020代替` (what replaced it).
# Several codes are joined by 、 , ; or 和. Each piece is bounded (no nested repeats): linear time.
_REMARK_CODE = (
    r"[A-Z]{1,6}(?:\d{2,6})?(?:/[A-Z]{1,2})? ?\d{1,6}(?:\.\d{1,4}){0,4}"
    r"(?: ?- ?\d{4}|-\d{2}(?!\d))?"
)
_REMARK_CODES = rf"{_REMARK_CODE}(?: ?(?:、|,|;|和|及|与) ?{_REMARK_CODE})*"
_REPLACED_BY = re.compile(rf"(?:被|由) ?({_REMARK_CODES}) ?(?:全部|部分)?(?:代替|替代)")
_REPLACES = re.compile(rf"(?<![被由])(?:全部|部分)?(?:代替|替代)(?:标准)?[: ]?({_REMARK_CODES})")
_WITHDRAWN = re.compile(r"(\d{4}-\d{2}-\d{2}) ?废止")


@dataclass(frozen=True)
class ListRow:
    hcno: str
    code: str
    title_zh: str | None
    adopts_international: bool
    category: str | None
    status: str | None
    published: str | None
    effective: str | None

    @property
    def source_id(self) -> str:
        return self.hcno

    @property
    def record(self) -> dict[str, str | None]:
        return {"status": self.status}

    @property
    def fingerprint(self) -> str:
        return "|".join(
            str(v) for v in (self.code, self.title_zh, self.status, self.published, self.effective)
        )


def _columns(table: Selector) -> dict[str, int]:
    headers = [node_text(th) or "" for th in table.xpath("./tbody[1]/tr[1]/th")]
    return {name: i for i, name in enumerate(headers)}


def parse_list(html: str) -> ListingPage:
    page = Selector(text=html)
    table = page.css("table.result_list")
    if not table:
        raise ParseError("openstd list: no table.result_list on the page")
    columns = _columns(table[0])
    require(columns, "标准号", "标准名称", "状态", page="openstd list header")
    rows = []
    for tr in table[0].xpath("./tbody[2]/tr"):
        cells = tr.xpath("./td")
        if len(cells) < len(columns):
            continue
        onclick = " ".join(tr.xpath(".//@onclick").getall())
        match = _HCNO.search(onclick)
        if not match:
            raise ParseError("openstd list: a row without showInfo('<hcno>')")

        def cell(name: str, cells: list[Any] = cells) -> str | None:
            return node_text(cells[columns[name]]) if name in columns else None

        rows.append(
            ListRow(
                hcno=match.group(1).upper(),
                code=cell("标准号") or "",
                title_zh=cell("标准名称"),
                adopts_international="采" in (cell("是否采标") or ""),
                category=cell("类别"),
                status=cell("状态"),
                published=cell("发布日期"),
                effective=cell("实施日期"),
            )
        )
    current, pages = 1, 1
    flat = re.sub(r"\s+", " ", html)
    if m := _PAGES.search(flat):
        current, pages = int(m.group(1)), int(m.group(2))
    return ListingPage(rows, current, pages)


def _pairs(page: Selector) -> dict[str, str | None]:
    """div.title / div.content pairs of the detail page, by label."""
    pairs: dict[str, str | None] = {}
    for title in page.css("div.title"):
        label = node_text(title)
        if not label:
            continue
        value = title.xpath("following-sibling::div[contains(@class, 'content')][1]")
        pairs[label] = node_text(value[0]) if value else None
    return pairs


def _row_value(page: Selector, label: str) -> str | None:
    for td in page.css("table.tdlist td"):
        content = node_text(td) or ""
        if content.startswith(label):
            bold = td.xpath("./b")
            return node_text(bold[0]) if bold else text(content[len(label) :].lstrip("：:"))
    return None


def _codes_in(found: list[str]) -> list[str]:
    codes: list[str] = []
    for group in found:
        for piece in re.split(r" ?(?:、|,|;|和|及|与) ?", group):
            try:
                parse_standard_code(piece)
            except CodeError:
                log.warning("openstd 备注: %r is not a standard code; left out", piece)
                continue
            codes.append(piece)
    return list(dict.fromkeys(codes))


def parse_remarks(remark: str | None) -> dict[str, list[str] | str]:
    """`replaces`, `replaced_by` and `withdrawn` as the 备注 row states them (only what it states)."""
    if not remark:
        return {}
    flat = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", remark)).translate(_DASH).upper()
    found: dict[str, list[str] | str] = {
        "replaces": _codes_in(_REPLACES.findall(flat)),
        "replaced_by": _codes_in(_REPLACED_BY.findall(flat)),
    }
    if withdrawn := _WITHDRAWN.search(flat):
        found["withdrawn"] = withdrawn.group(1)
    return {k: v for k, v in found.items() if v}


_DASH = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"), "-")  # dash kinds


def parse_detail(html: str, url: str) -> dict[str, Any]:
    """Record fields (interchange keys) from a newGbInfo page."""
    page = Selector(text=html)
    heading = page.css("table.mk1 h1")
    if not heading:
        raise ParseError("openstd detail: no 'table.mk1 h1' heading with the standard number")
    head = node_text(heading[0]) or ""
    code_match = re.search(r"标准号[：:]\s*(.+?)(?:\s*采)?$", head)
    if not code_match:
        raise ParseError(f"openstd detail: heading {head!r} does not hold a standard number")
    pairs = _pairs(page)
    status = _row_value(page, "标准状态")
    record = {
        "code": code_match.group(1).strip(),
        "title_zh": _row_value(page, "中文标准名称"),
        "title_en": _row_value(page, "英文标准名称"),
        "status": status if status in STATUS_WORDS else None,
        "ccs": [c for c in (pairs.get("中国标准分类号（CCS）") or "").split() if c],
        "ics": [c for c in (pairs.get("国际标准分类号（ICS）") or "").split() if c],
        "published": pairs.get("发布日期"),
        "effective": pairs.get("实施日期"),
        "responsible": pairs.get("归口部门") or pairs.get("主管部门"),
        "source_url": url,
    }
    record.update(parse_remarks(pairs.get("备注")))
    require(record, "code", "title_zh", page="openstd detail")
    # The 采 label only says an international standard is adopted; which one and how closely come from std.samr.
    record["adopts_international"] = bool(heading.css("span.label-warning"))
    return record
