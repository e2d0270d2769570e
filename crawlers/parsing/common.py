"""Helpers every site parser shares: label-driven extraction, text clean-up, the parse error."""

# Chinese pages print full-width punctuation (colon, comma, semicolon); strings below match it on purpose.

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from parsel import Selector

_SACINFO_TAG = re.compile(r"</?sacinfo>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ListedRecord:
    """One row of a source's listing: its id at the source and the record fields the listing shows."""

    source_id: str
    record: dict[str, Any]
    detail_path: str | None = None  # where a listing mixes catalogues (std.samr), which detail page to fetch

    @property
    def fingerprint(self) -> str:
        """What the listing showed; unchanged next time means the detail page need not be fetched again."""
        return json.dumps(self.record, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ListingPage:
    """One page of a source's listing: its rows and where it stands in the paging."""

    rows: list[Any]
    page: int
    pages: int
    total: int = 0


class ParseError(ValueError):
    """A page that does not have the structure the parser knows; it goes to quarantine with this reason."""


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def json_body(body: str, what: str) -> Any:
    """A JSON response body; anything else is a page the parser does not know."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what}: not JSON ({exc.msg})") from None


def text(value: str | None) -> str | None:
    """Collapse whitespace (incl. &nbsp;); None for empty."""
    if value is None:
        return None
    cleaned = _SPACE.sub(" ", value.replace("\xa0", " ")).strip()
    return cleaned or None


def node_text(selector: Selector) -> str | None:
    return text(" ".join(selector.xpath(".//text()").getall()))


def strip_sacinfo(value: str) -> str:
    """std.samr wraps search hits in <sacinfo> tags, even inside codes
    (`<sacinfo>JB</sacinfo><sacinfo>/</sacinfo>…`)."""
    return _SACINFO_TAG.sub("", value)


def label_pairs(page: Selector, label_xpath: str, value_xpath: str) -> dict[str, str | None]:
    """Label -> value for pages that lay out fields as label/value siblings, matched by label text so a moved
    row does not shift values into the wrong field."""
    pairs: dict[str, str | None] = {}
    for label in page.xpath(label_xpath):
        key = text(" ".join(label.xpath(".//text()").getall()))
        if not key:
            continue
        key = key.rstrip(":：").strip()
        value = label.xpath(value_xpath)
        pairs[key] = node_text(value[0]) if value else None
    return pairs


def split_list(value: str | None, separators: str = "、，,;；") -> list[str]:
    if not value:
        return []
    parts = re.split(f"[{re.escape(separators)}]", value)
    return [p.strip() for p in parts if p and p.strip()]


def require(fields: dict[str, Any], *names: str, page: str) -> None:
    missing = [n for n in names if not fields.get(n)]
    if missing:
        raise ParseError(f"{page}: expected field(s) {missing} not found; the page layout may have changed")
