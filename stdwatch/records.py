"""The two kinds of document StdWatch keeps: standards and WTO TBT notifications.

Records are plain dataclasses. ``record_from_json`` reads StdWatch's JSON Lines format, which is the flat
interchange format of the demo records (`code`, `title_zh`, ... / `symbol`, `member`, ...) plus optional keys of
our own; ``to_json`` writes it back, so a record round-trips.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from stdwatch.dates import parse_date, resolve_relative_date
from stdwatch.identifiers import (
    CodeError, Family, Region, member_region, parse_standard_code, parse_tbt_symbol, slug,
)


class RecordError(ValueError):
    """A record that cannot be accepted, with the reason."""


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


# What Chinese sources print for a status (openstd, std.samr, hbba: 有更新版 = a newer edition replaces it).
_STATUS_WORDS = {
    "现行": Status.CURRENT, "現行": Status.CURRENT, "即将实施": Status.UPCOMING, "即將實施": Status.UPCOMING,
    "废止": Status.WITHDRAWN, "廢止": Status.WITHDRAWN, "被代替": Status.REPLACED, "有更新版": Status.REPLACED,
    "active": Status.CURRENT, "superseded": Status.REPLACED, "replaced": Status.REPLACED,
}
_DEGREE_WORDS = {"等同": Degree.IDT, "修改": Degree.MOD, "非等效": Degree.NEQ}


@dataclass(frozen=True)
class Adoption:
    """An international or foreign standard this one adopts, and how closely."""

    code: str
    degree: Degree | None = None


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
    source_url: str | None = None

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
    agency: str | None = None
    notified_under: str | None = None
    relevant_documents: str | None = None
    countries_affected: list[str] = field(default_factory=list)
    open_for_comments: bool | None = None
    text_links: list[str] = field(default_factory=list)
    source_url: str | None = None

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
def _text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise RecordError(f"field {key!r} must be text, got {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _list(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("；", ";").replace(",", ";").split(";")]
    if not isinstance(value, list):
        raise RecordError(f"field {key!r} must be a list, got {type(value).__name__}")
    return [str(v).strip() for v in value if str(v).strip()]


def _bool(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "1", "yes"):
        return True
    if str(value).strip().lower() in ("false", "0", "no"):
        return False
    raise RecordError(f"field {key!r} must be true or false, got {value!r}")


def _date(obj: dict[str, Any], key: str) -> date | None:
    value = obj.get(key)
    try:
        return parse_date(value)
    except ValueError as exc:
        raise RecordError(f"field {key!r}: {exc}") from None


def _status(value: Any) -> Status | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text in _STATUS_WORDS or text.lower() in _STATUS_WORDS:
        return _STATUS_WORDS.get(text) or _STATUS_WORDS[text.lower()]
    try:
        return Status(text.lower())
    except ValueError:
        raise RecordError(f"unknown status {text!r} (expected one of {[s.value for s in Status]})") from None


def _degree(value: Any) -> Degree | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text in _DEGREE_WORDS:
        return _DEGREE_WORDS[text]
    try:
        return Degree(text.upper())
    except ValueError:
        raise RecordError(f"unknown adoption degree {text!r} (expected IDT, MOD or NEQ)") from None


def _codes(values: list[str], key: str) -> list[str]:
    try:
        return [str(parse_standard_code(v)) for v in values]
    except CodeError as exc:
        raise RecordError(f"field {key!r}: {exc}") from None


def _adoptions(obj: dict[str, Any]) -> list[Adoption]:
    raw = obj.get("adopts") or []
    if not isinstance(raw, list):
        raise RecordError("field 'adopts' must be a list of {code, degree}")
    result = []
    for item in raw:
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, dict) or not item.get("code"):
            raise RecordError("each 'adopts' entry needs a 'code'")
        code = _codes([str(item["code"])], "adopts")[0]
        result.append(Adoption(code, _degree(item.get("degree"))))
    return result


def standard_from_json(obj: dict[str, Any]) -> StandardRecord:
    """Build a standard from the interchange format (or StdWatch's richer superset of it)."""
    printed = _text(obj, "code_published") or _text(obj, "code")
    if not printed:
        raise RecordError("a standard needs a 'code'")
    try:
        parsed = parse_standard_code(printed)
    except CodeError as exc:
        raise RecordError(str(exc)) from None
    record = StandardRecord(
        code=str(replace(parsed, class_no=None)), code_published=printed, class_no=parsed.class_no or _text(obj, "class_no"), family=parsed.family, region=parsed.region,
        title_zh=_text(obj, "title_zh"), title_zh_hant=_text(obj, "title_zh_hant"), title_en=_text(obj, "title_en"),
        status=_status(obj.get("status")), published=_date(obj, "published"), effective=_date(obj, "effective"),
        withdrawn=_date(obj, "withdrawn"), ics=_list(obj, "ics"), ccs=_list(obj, "ccs"),
        responsible=_text(obj, "responsible"), drafting_bodies=_list(obj, "drafting_bodies"),
        replaces=_codes(_list(obj, "replaces"), "replaces"),
        replaced_by=_codes(_list(obj, "replaced_by"), "replaced_by"),
        adopts=_adoptions(obj), source_url=_text(obj, "source_url"),
    )
    # Code-only records are real (CNS codes cited in BSMI notices): no title is required.
    return record


def _date_or_text(obj: dict[str, Any], key: str, distributed: date | None) -> tuple[date | None, str | None]:
    """A TBT date item: a date, or text such as `通报后60天` / `To be determined` kept as printed."""
    value = obj.get(key)
    text_value = obj.get(f"{key}_text")
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
        text_value = str(value).strip()
    if parsed is None and text_value:
        parsed = resolve_relative_date(text_value, distributed)
    return parsed, (text_value or None)


def tbt_from_json(obj: dict[str, Any]) -> TbtNotification:
    """Build a TBT notification from the interchange format (or StdWatch's superset of it)."""
    printed = _text(obj, "symbol_published") or _text(obj, "symbol")
    if not printed:
        raise RecordError("a TBT notification needs a 'symbol'")
    try:
        parsed = parse_tbt_symbol(printed)
    except CodeError as exc:
        raise RecordError(str(exc)) from None
    distributed = _date(obj, "distribution_date")
    deadline, deadline_text = _date_or_text(obj, "comment_deadline", distributed)
    adoption, adoption_text = _date_or_text(obj, "proposed_adoption", distributed)
    force, force_text = _date_or_text(obj, "proposed_entry_into_force", distributed)
    return TbtNotification(
        symbol=str(parsed), symbol_published=printed, member=parsed.member,
        member_name=_text(obj, "member_name") or _text(obj, "member"), distribution_date=distributed,
        comment_deadline=deadline, comment_deadline_text=deadline_text,
        proposed_adoption=adoption, proposed_adoption_text=adoption_text,
        proposed_entry_into_force=force, proposed_entry_into_force_text=force_text,
        title=_text(obj, "title"), title_zh=_text(obj, "title_zh"), description=_text(obj, "description"),
        objective=_text(obj, "objective"), products=_text(obj, "products"),
        hs=[h.replace(".", "").replace(" ", "") for h in _list(obj, "hs")], ics=_list(obj, "ics"),
        agency=_text(obj, "agency"), notified_under=_text(obj, "notified_under"),
        relevant_documents=_text(obj, "relevant_documents"), countries_affected=_list(obj, "countries_affected"),
        open_for_comments=_bool(obj, "open_for_comments"), text_links=_list(obj, "text_links"),
        source_url=_text(obj, "source_url"),
    )


_BUILDERS = {Kind.STANDARD: standard_from_json, Kind.TBT: tbt_from_json}


def record_from_json(obj: Any, kind: Kind | None = None) -> Record:
    """Read one record; the kind comes from the argument, the object's `kind` key, or its keys."""
    if not isinstance(obj, dict):
        raise RecordError(f"a record must be a JSON object, got {type(obj).__name__}")
    declared = obj.get("kind")
    if declared is not None:
        try:
            kind = Kind(declared)
        except ValueError:
            raise RecordError(f"unknown kind {declared!r}") from None
    if kind is None:
        kind = Kind.TBT if "symbol" in obj else Kind.STANDARD if "code" in obj else None
    if kind is None:
        raise RecordError("cannot tell the record's kind: no 'kind', 'code' or 'symbol' key")
    return _BUILDERS[kind](obj)


# ---------------------------------------------------------------------------------------------- writing
def to_json(record: Record) -> dict[str, Any]:
    """The record as a JSON-ready dict in StdWatch's format (readable back by record_from_json)."""
    out: dict[str, Any] = {"kind": record.kind.value}
    for f in fields(record):
        value = getattr(record, f.name)
        out[f.name] = _jsonable(value)
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
    canonical = json.dumps(to_json(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
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
