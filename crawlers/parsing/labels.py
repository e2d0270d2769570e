"""Label-driven extraction: find each configured label on the page, take the value printed next to it.

Works for label/value laid out as th/td, td/td, dt/dd, label/span, div/div or strong/text, so a redesign that keeps
the labels keeps working, and one that drops them fails loudly (ParseError) instead of yielding empty records.
"""

from __future__ import annotations

import logging
import re
import tomllib
from functools import lru_cache
from typing import Any

from parsel import Selector

from config.settings import CONFIG_DIR
from crawlers.parsing.common import ParseError, node_text, text
from stdwatch.identifiers import CodeError, parse_standard_code

log = logging.getLogger(__name__)

_CANDIDATES = "//th|//td|//dt|//dd|//label|//span|//div|//strong|//b|//p|//li"
# An adopted standard as adoption fields print it: `IEC 62133-2:2017`, `ISO 9001:2015+A1:2020`, and national
# codes with amendments before the edition year, `BS 7671+A1-A3 : 2008` (Singapore eShop). Bounded pieces: the
# match costs linear time.
_CODE = re.compile(
    r"\b(?P<prefix>[A-Z]{2,6}(?:[/ ][A-Z]{2,6}){0,3}) ?(?P<number>[A-Z]?\d{1,6}(?:[-.]\d{1,4}){0,4})"
    r"(?P<before>(?: ?\+ ?A\d{1,3}(?: ?- ?A\d{1,3})?){0,10})(?: ?: ?(?P<year>\d{4}))?"
    r"(?P<after>(?: ?\+ ?A\d{1,3}(?: ?: ?\d{4})?){0,10})"
)
_AMENDMENTS = re.compile(r"A(\d{1,3})(?: ?- ?A(\d{1,3}))?")
_DEGREE = re.compile(r"\b(IDT|MOD|NEQ)\b|(等同|修改|非等效)")
_MAX_AMENDMENTS = 20


@lru_cache(maxsize=1)
def label_maps() -> dict[str, Any]:
    with (CONFIG_DIR / "label_maps.toml").open("rb") as handle:
        return tomllib.load(handle)


def _label_of(node: Selector) -> str | None:
    own = text(" ".join(node.xpath("./text()").getall()))
    return own.rstrip(":：").strip() if own else None


def extract(html: str, profile: str) -> dict[str, str]:
    """field -> value for every configured label found on the page (first occurrence wins)."""
    config = label_maps()[profile]
    labels: dict[str, str] = config["labels"]
    page = Selector(text=html)
    found: dict[str, str] = {}
    for node in page.xpath(_CANDIDATES):
        label = _label_of(node)
        if not label or label not in labels or labels[label] in found:
            continue
        sibling = node.xpath("following-sibling::*[1]")
        value = node_text(sibling[0]) if sibling else None
        if not value:  # `<strong>Status:</strong> Current` — the value is the parent's remaining text
            parent_text = node_text(node.xpath("..")[0]) or ""
            value = text(parent_text.replace(node_text(node) or "", "", 1).lstrip(":："))
        if value:
            found[labels[label]] = value
    missing = [f for f in config.get("required", []) if f not in found]
    if missing:
        raise ParseError(
            f"{profile}: unknown layout, none of the labels for {missing} found "
            f"(labels are configured in config/label_maps.toml)"
        )
    return found


def _amendments(before: str) -> str:
    """`+A1-A3` (amendments 1 to 3, printed before the year) -> `+A1+A2+A3`, the form codes carry them in."""
    numbers: list[int] = []
    for first, last in _AMENDMENTS.findall(before):
        stop = int(last) if last else int(first)
        numbers += range(int(first), min(stop, int(first) + _MAX_AMENDMENTS) + 1)
    return "".join(f"+A{n}" for n in dict.fromkeys(numbers))


def _adopted_code(match: re.Match[str]) -> str | None:
    code = f"{match['prefix']} {match['number']}" + (f":{match['year']}" if match["year"] else "")
    code += _amendments(match["before"]) + re.sub(r"\s", "", match["after"])
    try:
        return str(parse_standard_code(code))
    except CodeError:
        log.warning("adoption: %r is not a standard code; left out", code)
        return None


def adoptions(value: str | None) -> list[dict[str, str | None]]:
    """Standards named in an adoption field (ISO/IEC/EN/ASTM and national codes such as BS), with the degree
    when the text states it."""
    if not value:
        return []
    degree = _DEGREE.search(value)
    word = {"等同": "IDT", "修改": "MOD", "非等效": "NEQ"}
    level = (degree.group(1) or word[degree.group(2)]) if degree else None
    codes = (_adopted_code(m) for m in _CODE.finditer(_DEGREE.sub(" ", text(value) or "")))
    return [{"code": code, "degree": level} for code in dict.fromkeys(c for c in codes if c)]
