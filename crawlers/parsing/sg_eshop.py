"""Singapore Standards eShop product page (`/Product/SSPdtDetail/<GUID>`) -> a standard record.

Read from the page's visible text, since the only real page known is its text (samples/sg_standards,
SS 638:2018): the code and the title are unlabelled headings, the scope follows unlabelled, then label/value
pairs whose labels come from config/label_maps.toml ([sg_standards]): Status, Edition (a year; the page gives
no publication date), No. of Pages, ICS Classification (one "code description" per line), Committee, Available
for Purchase, Adoption (`BS 7671+A1-A3 : 2008 MOD`). A page with neither a code heading nor a configured label
is an unknown layout.
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawlers.parsing.common import ParseError, text
from crawlers.parsing.labels import adoptions, label_maps
from stdwatch.identifiers import MAX_CODE_LENGTH, CodeError, Family, StandardCode, parse_standard_code

_ICS = re.compile(r"^(\d{2}(?:\.\d{3}(?:\.\d{2})?)?)\b")
_MULTILINE = {"ics"}  # fields whose value goes on over several lines


def _chunks(page: str) -> list[str]:
    """The visible text, one chunk per text node (HTML) or line (text), in reading order."""
    if "<" in page and re.search(r"<(?:html|body|div|p|h\d|table)\b", page, re.IGNORECASE):
        nodes = Selector(text=page).xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
        pieces = nodes.getall()
    else:
        pieces = page.splitlines()
    return [t for piece in pieces if (t := text(piece))]


def _label_at(chunk: str, labels: list[str]) -> str | None:
    for label in labels:  # longest first: "ICS Classification" before "ICS"
        if chunk == label or chunk.startswith((f"{label} ", f"{label}:", f"{label}\uff1a")):
            return label
    return None


def _continues(chunk: str, labels: list[str]) -> bool:
    """An ICS line after the first one: `91.140.50 Electricity supply systems`."""
    return bool(_ICS.match(chunk)) and not _label_at(chunk, labels)


def _pairs(chunks: list[str], labels: dict[str, str]) -> tuple[dict[str, str], int | None]:
    """field -> value for each configured label (first occurrence wins), and where the first label is."""
    ordered = sorted(labels, key=len, reverse=True)
    found: dict[str, str] = {}
    first: int | None = None
    i = 0
    while i < len(chunks):
        label = _label_at(chunks[i], ordered)
        i += 1
        if label is None:
            continue
        first = i - 1 if first is None else first
        field = labels[label]
        value = [v] if (v := chunks[i - 1][len(label) :].lstrip(" :\uff1a")) else []
        if not value and i < len(chunks) and not _label_at(chunks[i], ordered):
            value, i = [chunks[i]], i + 1
        while field in _MULTILINE and i < len(chunks) and _continues(chunks[i], ordered):
            value, i = [*value, chunks[i]], i + 1
        if value and field not in found:
            found[field] = "\n".join(value)
    return found, first


def _singapore_code(chunk: str) -> StandardCode | None:
    """The Singapore code a chunk is (SS, SS ISO/IEC/EN/CP, TR; with corrigenda, amendments and a
    reaffirmation year), or None: a menu's `ISO 9001` or a title is not the product's heading."""
    if len(chunk) > MAX_CODE_LENGTH:
        return None
    try:
        code = parse_standard_code(chunk)
    except CodeError:
        return None
    return code if code.family is Family.SS else None


def _heading(chunks: list[str], stop: int) -> tuple[int, str] | None:
    for i, chunk in enumerate(chunks[:stop]):
        if _singapore_code(chunk) is not None:
            return i, chunk
    return None


def sg_code(printed: str) -> dict[str, str]:
    """`code` for the record (the edition with its corrigenda and amendments), `code_published` as the page
    prints it, and the reaffirmation year when one is given (`SS 554:2016 (2021)`)."""
    shown = text(printed) or ""
    code = _singapore_code(shown)
    if code is None:
        raise ParseError(f"sg_standards: {printed!r} is not a Singapore standard code")
    found = {"code": str(code.identity), "code_published": shown}
    if code.reaffirmed:
        found["reaffirmed"] = code.reaffirmed
    return found


def parse_product(page: str, url: str) -> dict[str, Any]:
    """Record fields (interchange keys, plus `edition`, `pages`, `scope`, `reaffirmed` that the record keeps
    and `availability` that it does not) from an eShop product page, given as HTML or as its visible text."""
    chunks = _chunks(page)
    fields, first_label = _pairs(chunks, label_maps()["sg_standards"]["labels"])
    stop = first_label if first_label is not None else len(chunks)
    heading = _heading(chunks, stop)
    if "code" in fields:
        printed = fields["code"]
    elif heading is not None:
        printed = heading[1]
    else:
        raise ParseError(
            "sg_standards: unknown layout, no Singapore standard code heading and no code label "
            "(labels are configured in config/label_maps.toml)"
        )
    record: dict[str, Any] = sg_code(printed)
    if heading is not None:
        rest = chunks[heading[0] + 1 : stop]
        record["title_en"] = fields.get("title_en") or (rest[0] if rest else None)
        record["scope"] = "\n".join(rest[1:]) or None
    record.update(
        {
            "status": fields.get("status"),
            "edition": fields.get("edition"),
            "responsible": fields.get("responsible"),
            "pages": int(m.group(0)) if (m := re.search(r"\d+", fields.get("pages", ""))) else None,
            "ics": [m.group(1) for line in fields.get("ics", "").splitlines() if (m := _ICS.match(line))],
            "adopts": adoptions(fields.get("adopts")),
            "availability": fields.get("availability"),
            "published": fields.get("published"),
            "source_url": url,
        }
    )
    return {k: v for k, v in record.items() if v not in (None, "", [])}
