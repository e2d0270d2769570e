"""Label-driven extraction: find each configured label on the page, take the value printed next to it.

Works for label/value laid out as th/td, td/td, dt/dd, label/span, div/div or strong/text, so a redesign that keeps
the labels keeps working, and one that drops them fails loudly (ParseError) instead of yielding empty records.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Any

from parsel import Selector

from config.settings import CONFIG_DIR
from crawlers.parsing.common import ParseError, node_text, text

_CANDIDATES = "//th|//td|//dt|//dd|//label|//span|//div|//strong|//b|//p|//li"
_CODE = re.compile(r"\b(?:ISO/IEC|ISO|IEC|EN|ASTM)\s?[A-Z]?\d+(?:[-.]\d+)*(?:\s?:\s?\d{4})?(?:\+A\d+(?::\d{4})?)?")
_DEGREE = re.compile(r"\b(IDT|MOD|NEQ)\b|(等同|修改|非等效)")


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
        raise ParseError(f"{profile}: unknown layout, none of the labels for {missing} found "
                         f"(labels are configured in config/label_maps.toml)")
    return found


def adoptions(value: str | None) -> list[dict[str, str | None]]:
    """ISO/IEC codes named in an adoption field, with the degree when the text states it."""
    if not value:
        return []
    degree = _DEGREE.search(value)
    word = {"等同": "IDT", "修改": "MOD", "非等效": "NEQ"}
    level = (degree.group(1) or word[degree.group(2)]) if degree else None
    return [{"code": code, "degree": level} for code in dict.fromkeys(m.strip() for m in _CODE.findall(value))]
