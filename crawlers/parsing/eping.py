"""WTO ePing API (`/eping/notifications/search`) items -> tbt_notification records.

No real API response has been recorded anywhere (SOURCES.md 4a): the field names below are the ones several
independent clients use. The whole mapping is this one table and function, so a real response can correct it
in one place.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from crawlers.parsing.common import ParseError
from stdwatch.dates import parse_date
from stdwatch.identifiers import CodeError, parse_tbt_symbol

log = logging.getLogger(__name__)

# record field <- ePing item field(s), first non-empty wins (plain-text variants preferred over rich text)
FIELD_MAP: dict[str, tuple[str, ...]] = {
    "member_name": ("notifyingMember",),
    "distribution_date": ("distributionDate",),
    "comment_deadline": ("commentDeadlineDate",),
    "proposed_adoption": ("proposedAdoptionDate", "proposedAdoptionDateText"),
    "proposed_entry_into_force": ("proposedEntryIntoForceDate", "proposedEntryIntoForceDateText"),
    "title": ("titlePlain", "title"),
    "description": ("descriptionPlain", "description"),
    "products": ("productsFreeTextPlain", "productsFreeText"),
    "relevant_documents": ("relevantDocumentTitle",),
}
_TAG = re.compile(r"<[^>]+>")
_HS = re.compile(r"(?<![\d.])(\d{2}(?:\.?\d{2}){0,4})(?![\d.])")
_ICS = re.compile(r"(?<![\d.])(\d{2}(?:\.\d{3}(?:\.\d{2})?)?)(?![\d.])")
_LINK_SPLIT = re.compile(r"[\s,;]+")


def clean_html(value: Any) -> str | None:
    """Rich-text fields hold <p>…</p> HTML: to plain text, paragraphs as line breaks."""
    if value in (None, ""):
        return None
    text = re.sub(r"</p\s*>|<br\s*/?>", "\n", str(value), flags=re.IGNORECASE)
    text = html.unescape(_TAG.sub("", text))
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line) or None


def hs_codes(text: str | None) -> list[str]:
    """HS codes from a free-text field such as `850760: Lithium-ion accumulators; 8507.10`."""
    return list(dict.fromkeys(m.replace(".", "") for m in _HS.findall(text or "")))


def ics_codes(text: str | None) -> list[str]:
    """ICS codes (`29.220.20`, `43.040`) from a free-text field."""
    return list(dict.fromkeys(m for m in _ICS.findall(text or "") if "." in m or len(m) == 2))


def _names(items: Any) -> list[str]:
    """Names from a list field in either shape clients report: `[{"name": ...}]` or plain strings (a single
    comma/semicolon-separated string too)."""
    if isinstance(items, str):
        items = re.split(r"[;,\n]", items)
    if not isinstance(items, list):
        return []
    names = [
        str(i.get("name") or "") if isinstance(i, dict) else str(i) if isinstance(i, str) else ""
        for i in items
    ]
    return list(dict.fromkeys(clean for n in names if (clean := (clean_html(n) or "").strip())))


def _structured_codes(items: Any) -> list[str]:
    """`hsCodes` / `icsCodes` as `[{"id", "code", "name"}]` (or plain strings): the codes, in order."""
    if not isinstance(items, list):
        return []
    return [str(i.get("code") or "") if isinstance(i, dict) else str(i) for i in items if i]


def _codes_text(item: dict[str, Any], structured: str, free_text: str) -> str:
    """Both shapes of a code field, structured list first: one text for the code extractors."""
    return " ".join([*_structured_codes(item.get(structured)), clean_html(item.get(free_text)) or ""])


_TYPES = {
    "regular": "regular",
    "new": "regular",
    "addendum": "addendum",
    "corrigendum": "corrigendum",
    "revision": "revision",
    "supplement": "supplement",
}


def notification_type(item: dict[str, Any], symbol: str) -> str:
    """regular / addendum / corrigendum / revision / supplement. `notificationType` comes as a word or as
    `{"id", "name"}`; where the symbol's suffix says otherwise (one item can carry a notification and its
    revision), the symbol wins: it is the document's identity."""
    raw = item.get("notificationType")
    word = str(raw.get("name") or "") if isinstance(raw, dict) else str(raw or "")
    stated = _TYPES.get(word.strip().lower())
    actual = parse_tbt_symbol(symbol).relation or "regular"
    if stated and stated != actual:
        log.info(
            "ePing item %s: notificationType %r but symbol %s; the symbol wins", item.get("id"), word, symbol
        )
    return actual


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


def _date_or_text(value: Any) -> Any:
    """ISO datetimes become dates; texts such as 'To be determined' stay as printed."""
    if value in (None, ""):
        return None
    try:
        day = parse_date(str(value)[:10]) if re.match(r"\d{4}-\d{2}-\d{2}", str(value)) else None
    except ValueError:
        day = None
    return day.isoformat() if day else clean_html(value)


def symbols(item: dict[str, Any]) -> list[str]:
    """`documentSymbol` may hold several comma-joined symbols (a notification and its revision, say)."""
    raw = str(item.get("documentSymbol") or "")
    if str(item.get("area") or "").upper() == "SPS" or "G/SPS/" in raw.upper():
        # StdWatch keeps TBT notifications only; the spider asks ePing for TBT (domainIds=1).
        raise ParseError(
            f"ePing item {item.get('id')}: {raw or 'an item'} is an SPS notification; only TBT "
            f"notifications are kept"
        )
    found = []
    for part in re.split(r"[,;\n]+", raw):
        if part.strip():
            try:
                found.append(str(parse_tbt_symbol(part)))
            except CodeError as exc:
                raise ParseError(f"ePing item {item.get('id')}: {exc}") from None
    if not found:
        raise ParseError(f"ePing item {item.get('id')}: no documentSymbol")
    return found


def map_item(item: dict[str, Any], source_url: str) -> list[dict[str, Any]]:
    """One record per document symbol of an ePing item, all sharing the item's fields."""
    if not isinstance(item, dict):
        raise ParseError("ePing item is not an object")
    record: dict[str, Any] = {}
    for field, keys in FIELD_MAP.items():
        value = _first(item, keys)
        if field in (
            "distribution_date",
            "comment_deadline",
            "proposed_adoption",
            "proposed_entry_into_force",
        ):
            record[field] = _date_or_text(value)
        else:
            record[field] = clean_html(value)
    objectives = _names(item.get("objectives"))
    free_text = clean_html(item.get("objectivesFreeText"))
    record["objectives"] = objectives
    record["objective"] = "; ".join([*objectives, *([free_text] if free_text else [])]) or None
    record["keywords"] = _names(item.get("keywords"))
    record["hs"] = hs_codes(_codes_text(item, "hsCodes", "hsCodeText"))
    record["ics"] = ics_codes(_codes_text(item, "icsCodes", "icsCodeText"))
    record["countries_affected"] = (
        ["all trading partners"] if item.get("allTradingPartners") else _names(item.get("countriesAffected"))
    )
    record["open_for_comments"] = (
        item.get("isOpenForComments") if isinstance(item.get("isOpenForComments"), bool) else None
    )
    links = [item.get("notifiedDocumentLink"), item.get("linkToNotification")]
    record["text_links"] = [
        u for raw in links if raw for u in _LINK_SPLIT.split(str(raw)) if u.startswith("http")
    ]
    record["source_url"] = source_url
    clean = {k: v for k, v in record.items() if v not in (None, "", [])}
    records = []
    for symbol in symbols(item):
        records.append({"symbol": symbol, **clean, "notification_type": notification_type(item, symbol)})
    return records


def members(data: Any) -> dict[str, str]:
    """`/eping/members` -> {name or code, case-folded: ePing country id}. The envelope is not documented: both
    `{"items": [...]}` and a bare list are read, with the id in `id`/`value`/`code` and the name in `name`/`text`."""
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParseError("ePing members: no list of members")
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        member_id = item.get("id") or item.get("value") or item.get("code")
        if not member_id:
            continue
        for key in ("name", "text", "code", "iso3", "id"):
            if item.get(key):
                found[str(item[key]).casefold()] = str(member_id)
    return found
