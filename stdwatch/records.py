"""The two kinds of document StdWatch keeps: standards and WTO TBT notifications.

Records are plain dataclasses. ``record_from_json`` reads StdWatch's JSON Lines format, which is the flat
interchange format of the demo records (`code`, `title_zh`, ... / `symbol`, `member`, ...) plus optional keys
of our own; ``to_json`` writes it back, so a record round-trips.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from stdwatch.dates import parse_date, resolve_relative_date, shown
from stdwatch.identifiers import (
    CodeError,
    Family,
    Region,
    member_region,
    parse_standard_code,
    parse_tbt_symbol,
    slug,
)


class RecordError(ValueError):
    """A record that cannot be accepted: the field at fault (when one is) and the reason."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class Kind(StrEnum):
    STANDARD = "standard"
    TBT = "tbt_notification"


class Status(StrEnum):
    CURRENT = "current"
    UPCOMING = "upcoming"
    WITHDRAWN = "withdrawn"
    REPLACED = "replaced"


class Degree(StrEnum):
    """Degree of correspondence with an international standard (ISO/IEC Guide 21, GB/T 1.2-2020)."""

    IDT = "IDT"
    MOD = "MOD"
    NEQ = "NEQ"


class NotificationType(StrEnum):
    """What a TBT document is to its notification: the notification itself, or an addendum, corrigendum,
    revision or supplement of it (always what the symbol's last suffix says)."""

    REGULAR = "regular"
    ADDENDUM = "addendum"
    CORRIGENDUM = "corrigendum"
    REVISION = "revision"
    SUPPLEMENT = "supplement"


class StatusSource(StrEnum):
    """Where a standard's status comes from: a source stated it, or StdWatch worked it out from the dates and
    the replacement links (stdwatch.status)."""

    SOURCE = "source"
    DERIVED = "derived"


# What Chinese sources print for a status (openstd, std.samr, hbba: 有更新版 = a newer edition replaces it).
_STATUS_WORDS = {
    "现行": Status.CURRENT,
    "現行": Status.CURRENT,
    "即将实施": Status.UPCOMING,
    "即將實施": Status.UPCOMING,
    "废止": Status.WITHDRAWN,
    "廢止": Status.WITHDRAWN,
    "被代替": Status.REPLACED,
    "有更新版": Status.REPLACED,
    "active": Status.CURRENT,
    "superseded": Status.REPLACED,
    "replaced": Status.REPLACED,
}
_DEGREE_WORDS = {"等同": Degree.IDT, "修改": Degree.MOD, "非等效": Degree.NEQ}


@dataclass(frozen=True)
class Adoption:
    """An international or foreign standard this one adopts, and how closely."""

    code: str
    degree: Degree | None = None


# Which fields a record read from a line states (the keys the line had, JSON null included). A load merges by
# field: what the line leaves out keeps the stored value (issue 10, item 3). None means the record states
# every field and replaces the stored one whole. Not content: no part of the hash, the JSON or equality.
def _stated() -> Any:
    return field(default=None, compare=False, repr=False, metadata={"internal": True})


@dataclass
class StandardRecord:
    code: str
    code_published: str
    family: Family
    region: Region
    title_zh: str | None = None
    title_zh_hant: str | None = None
    title_en: str | None = None
    status: Status | None = None
    status_source: StatusSource | None = None
    published: date | None = None
    effective: date | None = None
    withdrawn: date | None = None
    ics: list[str] = field(default_factory=list)
    ccs: list[str] = field(default_factory=list)
    responsible: str | None = None
    drafting_bodies: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    adopts: list[Adoption] = field(default_factory=list)
    class_no: str | None = None  # CNS 類號, e.g. C4474; not part of the code's identity
    # Singapore eShop: the edition as the page prints it (a year), the year the edition was last reaffirmed
    # (`SS 554:2016 (2021)`), the number of pages and the scope text.
    edition: str | None = None
    reaffirmed: str | None = None
    pages: int | None = None
    scope: str | None = None
    source_url: str | None = None
    stated_fields: frozenset[str] | None = _stated()

    kind = Kind.STANDARD

    @property
    def id(self) -> str:
        return slug(self.code)

    @property
    def key(self) -> str:
        return parse_standard_code(self.code).key

    @property
    def title(self) -> str:
        return self.title_zh or self.title_zh_hant or self.title_en or ""


@dataclass
class TbtNotification:
    symbol: str
    symbol_published: str
    member: str
    member_name: str | None = None
    distribution_date: date | None = None
    comment_deadline: date | None = None
    comment_deadline_text: str | None = None
    proposed_adoption: date | None = None
    proposed_adoption_text: str | None = None
    proposed_entry_into_force: date | None = None
    proposed_entry_into_force_text: str | None = None
    title: str | None = None
    title_zh: str | None = None
    description: str | None = None
    objective: str | None = None
    products: str | None = None
    hs: list[str] = field(default_factory=list)
    ics: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    objectives: list[str] = field(default_factory=list)
    notification_type: NotificationType = NotificationType.REGULAR
    agency: str | None = None
    notified_under: str | None = None
    relevant_documents: str | None = None
    countries_affected: list[str] = field(default_factory=list)
    open_for_comments: bool | None = None
    text_links: list[str] = field(default_factory=list)
    source_url: str | None = None
    stated_fields: frozenset[str] | None = _stated()

    kind = Kind.TBT

    @property
    def id(self) -> str:
        return slug(self.symbol)

    @property
    def key(self) -> str:
        return str(parse_tbt_symbol(self.symbol).base)

    @property
    def base_symbol(self) -> str | None:
        """The base notification an addendum, revision or corrigendum belongs to; None for a base."""
        parsed = parse_tbt_symbol(self.symbol)
        return None if parsed.is_base else str(parsed.base)

    @property
    def region(self) -> Region:
        return member_region(self.member)

    @property
    def display_title(self) -> str:
        return self.title_zh or self.title or ""


Record = StandardRecord | TbtNotification


# ---------------------------------------------------------------------------------------------- reading
# Longest text a field may hold, in characters (issue 10, item 5: a 5 MB title made every search slow). Real
# titles are under 300 characters; TBT descriptions and product lists run to a few thousand.
TEXT_LIMIT = 1_000
LONG_TEXT_LIMIT = 20_000
URL_LIMIT = 2_000
LIST_ITEM_LIMIT = 500
LIST_LENGTH_LIMIT = 1_000
FIELD_LIMITS = {
    "scope": LONG_TEXT_LIMIT,
    "edition": 100,
    "description": LONG_TEXT_LIMIT,
    "objective": LONG_TEXT_LIMIT,
    "products": LONG_TEXT_LIMIT,
    "relevant_documents": LONG_TEXT_LIMIT,
    "source_url": URL_LIMIT,
}
ITEM_LIMITS = {"text_links": URL_LIMIT}


def _checked(text: str, key: str, limit: int) -> str:
    """Text a store and an index can hold: bounded, valid Unicode, no NUL (PostgreSQL refuses it)."""
    if len(text) > limit:
        raise RecordError(f"longer than the limit of {limit:,} characters ({len(text):,})", key)
    if "\x00" in text:
        raise RecordError("contains a NUL character", key)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise RecordError("not valid Unicode text (a lone surrogate)", key) from None
    return text


def _scalar_text(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(f"must be text, got {type(value).__name__}", key)
    if isinstance(value, float) and not math.isfinite(value):
        raise RecordError(f"must be text, got {value}", key)
    if isinstance(value, int) and value.bit_length() > 64:
        raise RecordError("a number too large to be a text value", key)
    return str(value).strip()


def _text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    text = _checked(_scalar_text(value, key), key, FIELD_LIMITS.get(key, TEXT_LIMIT))
    return text or None


def _list(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = _checked(value, key, LIST_ITEM_LIMIT * LIST_LENGTH_LIMIT).replace("；", ";").replace(",", ";")
        value = value.split(";")
    if not isinstance(value, list):
        raise RecordError(f"must be a list, got {type(value).__name__}", key)
    if len(value) > LIST_LENGTH_LIMIT:
        raise RecordError(f"more than the limit of {LIST_LENGTH_LIMIT:,} items ({len(value):,})", key)
    limit = ITEM_LIMITS.get(key, LIST_ITEM_LIMIT)
    items = (_checked(_scalar_text(v, key), key, limit) for v in value)
    return [item for item in items if item]


def _bool(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if word in ("true", "1", "yes"):
        return True
    if word in ("false", "0", "no"):
        return False
    raise RecordError(f"must be true or false, got {shown(value)}", key)


# The longest real standard (GB 50016's handbook editions, SS 638) runs to hundreds of pages, not millions.
MAX_PAGES = 100_000


def _pages(obj: dict[str, Any]) -> int | None:
    value = obj.get("pages")
    if value is None or value == "":
        return None
    text = _scalar_text(value, "pages")
    if not text.isascii() or not text.isdigit() or not 0 < int(text[:7]) <= MAX_PAGES:
        raise RecordError(
            f"must be a whole number of pages from 1 to {MAX_PAGES:,}, got {shown(value)}", "pages"
        )
    return int(text)


def _year(obj: dict[str, Any], key: str, default: str | None = None) -> str | None:
    text = _text(obj, key)
    if text is None:
        return default
    if not re.fullmatch(r"(?:19|20)\d{2}", text):
        raise RecordError(f"must be a year such as 2021, got {shown(text)}", key)
    return text


def _notification_type(obj: dict[str, Any], relation: str | None) -> NotificationType:
    """The type the symbol gives; a line that states another one is wrong about the document it names."""
    actual = NotificationType(relation or "regular")
    text = _text(obj, "notification_type")
    if text is not None and text.lower() != actual.value:
        expected = [t.value for t in NotificationType]
        reason = f"{shown(text)} does not match the symbol, which makes it {actual.value!r}"
        if text.lower() not in expected:
            reason = f"unknown notification type {shown(text)} (expected one of {expected})"
        raise RecordError(reason, "notification_type")
    return actual


def _date(obj: dict[str, Any], key: str) -> date | None:
    try:
        return parse_date(obj.get(key))
    except ValueError as exc:
        raise RecordError(str(exc), key) from None


def _status(obj: dict[str, Any]) -> Status | None:
    text = _text(obj, "status")
    if text is None:
        return None
    if text in _STATUS_WORDS or text.lower() in _STATUS_WORDS:
        return _STATUS_WORDS.get(text) or _STATUS_WORDS[text.lower()]
    try:
        return Status(text.lower())
    except ValueError:
        raise RecordError(
            f"unknown status {shown(text)} (expected one of {[s.value for s in Status]})", "status"
        ) from None


def _status_source(obj: dict[str, Any], status: Status | None) -> StatusSource | None:
    text = _text(obj, "status_source")
    if text is None:
        return StatusSource.SOURCE if status else None
    try:
        return StatusSource(text)
    except ValueError:
        raise RecordError(
            f"unknown status source {shown(text)} (expected source or derived)", "status_source"
        ) from None


def _degree(value: Any) -> Degree | None:
    if value in (None, ""):
        return None
    text = _scalar_text(value, "adopts")
    if text in _DEGREE_WORDS:
        return _DEGREE_WORDS[text]
    try:
        return Degree(text.upper())
    except ValueError:
        raise RecordError(
            f"unknown adoption degree {shown(text)} (expected IDT, MOD or NEQ)", "adopts"
        ) from None


def _codes(values: list[str], key: str) -> list[str]:
    try:
        return [str(parse_standard_code(v)) for v in values]
    except CodeError as exc:
        raise RecordError(str(exc), key) from None


def _adoptions(obj: dict[str, Any]) -> list[Adoption]:
    raw = obj.get("adopts") or []
    if not isinstance(raw, list):
        raise RecordError("must be a list of {code, degree}", "adopts")
    if len(raw) > LIST_LENGTH_LIMIT:
        raise RecordError(f"more than the limit of {LIST_LENGTH_LIMIT:,} items ({len(raw):,})", "adopts")
    result = []
    for item in raw:
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, dict) or not item.get("code"):
            raise RecordError("each entry needs a 'code'", "adopts")
        code = _codes([_scalar_text(item["code"], "adopts")], "adopts")[0]
        result.append(Adoption(code, _degree(item.get("degree"))))
    return result


def _identity(obj: dict[str, Any], printed_key: str, key: str, what: str) -> str:
    printed = _text(obj, printed_key) or _text(obj, key)
    if not printed:
        raise RecordError(f"a {what} needs a {key!r}", key)
    return printed


def standard_from_json(obj: dict[str, Any]) -> StandardRecord:
    """Build a standard from the interchange format (or StdWatch's richer superset of it)."""
    printed = _identity(obj, "code_published", "code", "standard")
    try:
        parsed = parse_standard_code(printed)
    except CodeError as exc:
        raise RecordError(str(exc), "code") from None
    status = _status(obj)
    # Code-only records are real (CNS codes cited in BSMI notices): no title is required.
    return StandardRecord(
        code=str(parsed.identity),
        code_published=printed,
        class_no=parsed.class_no or _text(obj, "class_no"),
        family=parsed.family,
        region=parsed.region,
        title_zh=_text(obj, "title_zh"),
        title_zh_hant=_text(obj, "title_zh_hant"),
        title_en=_text(obj, "title_en"),
        status=status,
        status_source=_status_source(obj, status),
        published=_date(obj, "published"),
        effective=_date(obj, "effective"),
        withdrawn=_date(obj, "withdrawn"),
        ics=_list(obj, "ics"),
        ccs=_list(obj, "ccs"),
        responsible=_text(obj, "responsible"),
        drafting_bodies=_list(obj, "drafting_bodies"),
        replaces=_codes(_list(obj, "replaces"), "replaces"),
        replaced_by=_codes(_list(obj, "replaced_by"), "replaced_by"),
        adopts=_adoptions(obj),
        edition=_text(obj, "edition"),
        reaffirmed=_year(obj, "reaffirmed", parsed.reaffirmed),
        pages=_pages(obj),
        scope=_text(obj, "scope"),
        source_url=_text(obj, "source_url"),
    )


def _date_or_text(obj: dict[str, Any], key: str, distributed: date | None) -> tuple[date | None, str | None]:
    """A TBT date item: a date, or text such as `通报后60天` / `To be determined` kept as printed."""
    text_value = _text(obj, f"{key}_text")
    try:
        parsed = parse_date(obj.get(key))
    except ValueError as exc:
        if isinstance(obj.get(key), (int, float)):  # a number is a date or nothing, never text
            raise RecordError(str(exc), key) from None
        parsed = None
        text_value = _text(obj, key)
    if parsed is None and text_value:
        try:
            parsed = resolve_relative_date(text_value, distributed)
        except ValueError as exc:
            raise RecordError(str(exc), key) from None
    return parsed, text_value


def tbt_from_json(obj: dict[str, Any]) -> TbtNotification:
    """Build a TBT notification from the interchange format (or StdWatch's superset of it)."""
    printed = _identity(obj, "symbol_published", "symbol", "TBT notification")
    try:
        parsed = parse_tbt_symbol(printed)
    except CodeError as exc:
        raise RecordError(str(exc), "symbol") from None
    distributed = _date(obj, "distribution_date")
    deadline, deadline_text = _date_or_text(obj, "comment_deadline", distributed)
    adoption, adoption_text = _date_or_text(obj, "proposed_adoption", distributed)
    force, force_text = _date_or_text(obj, "proposed_entry_into_force", distributed)
    return TbtNotification(
        symbol=str(parsed),
        symbol_published=printed,
        member=parsed.member,
        # Our own format writes both (`member` is then the symbol's code); the interchange format names it.
        member_name=_text(obj, "member_name") if "member_name" in obj else _text(obj, "member"),
        distribution_date=distributed,
        comment_deadline=deadline,
        comment_deadline_text=deadline_text,
        proposed_adoption=adoption,
        proposed_adoption_text=adoption_text,
        proposed_entry_into_force=force,
        proposed_entry_into_force_text=force_text,
        title=_text(obj, "title"),
        title_zh=_text(obj, "title_zh"),
        description=_text(obj, "description"),
        objective=_text(obj, "objective"),
        products=_text(obj, "products"),
        hs=[h.replace(".", "").replace(" ", "") for h in _list(obj, "hs")],
        ics=_list(obj, "ics"),
        keywords=_list(obj, "keywords"),
        objectives=_list(obj, "objectives"),
        notification_type=_notification_type(obj, parsed.relation),
        agency=_text(obj, "agency"),
        notified_under=_text(obj, "notified_under"),
        relevant_documents=_text(obj, "relevant_documents"),
        countries_affected=_list(obj, "countries_affected"),
        open_for_comments=_bool(obj, "open_for_comments"),
        text_links=_list(obj, "text_links"),
        source_url=_text(obj, "source_url"),
    )


_BUILDERS: dict[Kind, Callable[[dict[str, Any]], Record]] = {
    Kind.STANDARD: standard_from_json,
    Kind.TBT: tbt_from_json,
}
# Fields that name the document: always taken from the line. Other fields are stated when one of the keys that
# feed them is in the line (most are fed by the key of the same name).
_TBT_DATES = ("comment_deadline", "proposed_adoption", "proposed_entry_into_force")
# The notification type is the symbol's (see _notification_type), so it names the document too.
_IDENTITY = frozenset(
    {
        "code",
        "code_published",
        "family",
        "region",
        "symbol",
        "symbol_published",
        "member",
        "notification_type",
    }
)
_FED_BY = {
    "member_name": ("member_name", "member"),
    "status": ("status", "status_source"),
    "status_source": ("status", "status_source"),
    **{f"{d}{tail}": (d, f"{d}_text") for d in _TBT_DATES for tail in ("", "_text")},
}
REPLACE_KEY = "_replace"


_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls) if not f.metadata.get("internal"))
    for cls in (StandardRecord, TbtNotification)
}


_FIELD_SETS = {cls: frozenset(names) - _IDENTITY for cls, names in _FIELD_NAMES.items()}


def _stated_fields(record: Record, obj: dict[str, Any]) -> frozenset[str] | None:
    """The fields the object states (a field fed by several keys counts when any of them is there); None when
    it states them all. Set operations on the keys view: every stored record is read through here."""
    if obj.get(REPLACE_KEY) is True:
        return None
    missing = {
        n for n in _FIELD_SETS[type(record)] - obj.keys() if not any(k in obj for k in _FED_BY.get(n, ()))
    }
    if isinstance(record, StandardRecord) and record.class_no:
        missing.discard("class_no")  # a class number printed inside the code
    if isinstance(record, StandardRecord) and record.reaffirmed:
        missing.discard("reaffirmed")  # a reaffirmation year printed after the code: `SS 554:2016 (2021)`
    return frozenset(_FIELD_NAMES[type(record)]).difference(missing) if missing else None


def record_from_json(obj: Any, kind: Kind | None = None) -> Record:
    """Read one record; the kind comes from the argument, the object's `kind` key, or its keys.

    The record remembers which fields the object stated (see ``apply_update``); `"_replace": true` makes it a
    whole record that replaces the stored one."""
    if not isinstance(obj, dict):
        raise RecordError(f"a record must be a JSON object, got {type(obj).__name__}")
    declared = obj.get("kind")
    if declared is not None:
        try:
            kind = Kind(declared)
        except (ValueError, TypeError):
            raise RecordError(f"unknown kind {shown(declared)}", "kind") from None
    if kind is None:
        kind = Kind.TBT if "symbol" in obj else Kind.STANDARD if "code" in obj else None
    if kind is None:
        raise RecordError("cannot tell the record's kind: no 'kind', 'code' or 'symbol' key")
    if obj.get(REPLACE_KEY) not in (None, True, False):
        raise RecordError("must be true or false", REPLACE_KEY)
    record = _BUILDERS[kind](obj)
    # set in place, not with dataclasses.replace: that re-ran every field's __init__ on every read (bench)
    record.stated_fields = _stated_fields(record, obj)
    return record


# ---------------------------------------------------------------------------------------------- writing
def to_json(record: Record) -> dict[str, Any]:
    """The record as a JSON-ready dict in StdWatch's format (readable back by record_from_json)."""
    out: dict[str, Any] = {"kind": record.kind.value}
    for f in fields(record):
        if not f.metadata.get("internal"):
            out[f.name] = _jsonable(getattr(record, f.name))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Adoption):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    return value


def content_hash(record: Record) -> str:
    """A stable hash of what the record says; equal records hash equal across runs and machines."""
    return json_hash(to_json(record))


def json_hash(data: dict[str, Any]) -> str:
    """content_hash of a record already turned into JSON by to_json."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def merge_records(old: Record, new: Record) -> Record:
    """One record from two sources describing the same document: what the new source states wins, what it
    leaves empty keeps the old value (openstd has no replaced-by; std.samr has no English title ...)."""
    if old.kind is not new.kind:
        return new
    merged = to_json(old)
    for key, value in to_json(new).items():
        if value not in (None, "", []):
            merged[key] = value
    return record_from_json(merged)


# ---------------------------------------------------------------------------------------------- updating
def apply_update(stored: Record | None, update: Record) -> Record:
    """The whole record the store keeps after `update` arrives: the fields it states (JSON null clears one)
    over the stored record; all of it when it states every field or came with `"_replace": true`."""
    if stored is None or update.stated_fields is None or stored.kind is not update.kind:
        return replace(update, stated_fields=None)
    changes = {name: getattr(update, name) for name in update.stated_fields}
    merged = replace(stored, **changes, stated_fields=None)
    if isinstance(merged, TbtNotification):
        merged = _resolve_periods(merged)
    return merged


def _resolve_periods(record: TbtNotification) -> TbtNotification:
    """A distribution date that arrives after `通报后60天` turns the period into a date."""
    changes: dict[str, Any] = {}
    for name in _TBT_DATES:
        text = getattr(record, f"{name}_text")
        if getattr(record, name) is None and text:
            try:
                changes[name] = resolve_relative_date(text, record.distribution_date)
            except ValueError as exc:
                raise RecordError(str(exc), name) from None
    return replace(record, **changes) if changes else record


def non_empty_update(record: Record) -> Record:
    """The record as an update that states only its non-empty fields (a catalogue row: an empty cell keeps the
    stored value instead of clearing it)."""
    names = {f.name for f in fields(record) if not f.metadata.get("internal")}
    stated = {n for n in names if n in _IDENTITY or getattr(record, n) not in (None, "", [])}
    return replace(record, stated_fields=frozenset(stated))
