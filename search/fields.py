"""The one table of filterable and facetable document fields.

The SQLite columns, the Elasticsearch mapping, the API's query parameters (with their OpenAPI descriptions), the
facets and the plan's filters are all derived from FIELDS: adding a filter means adding one row here (and its
tests). Bump SCHEMA_VERSION whenever a row changes what an index stores; an index built by an older shape is then
refused until `stdwatch index rebuild`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from stdwatch.identifiers import CodeError, Family, Region, clean, parse_standard_code
from stdwatch.records import Degree, Kind, Status

SCHEMA_VERSION = 3


class FilterKind(StrEnum):
    EQUALITY = "equality"  # the document's value is one of the requested values
    PREFIX = "prefix"  # one of the document's codes starts with one of the requested prefixes
    RANGE = "range"  # the document's value lies within [from, to]
    OPEN = "open"  # `true`: the document's date field (`source`) is today or later; `false`: it is past


class FieldType(StrEnum):
    KEYWORD = "keyword"
    DATE = "date"
    INTEGER = "integer"


def _same(value: str) -> str:
    return value


def _upper(value: str) -> str:
    return value.upper()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch not in ". ")


def _lower(value: str) -> str:
    return value.lower()


def _code_key(value: str) -> str:
    """A standard code as its edition-less key (`ISO 9001:2015` -> `ISO 9001`), so any edition finds it. Text
    that is no code the parser knows is kept folded: it finds a record that adopts exactly that."""
    try:
        return parse_standard_code(value).key
    except CodeError:
        return clean(value)[:100] or value


# A free-text value: starts with a visible character, no control characters (after stripping spaces).
_FREE_TEXT = r"[^\s\x00-\x1f][^\x00-\x1f]{{0,{}}}"
_FAMILIES = {f.value.lower(): f.value for f in Family}


def _family(value: str) -> str:
    return _FAMILIES.get(value.lower().replace(" ", ""), value)


def _first(n: int) -> Callable[[str], str]:
    def top(value: str) -> str:
        return value.replace(".", "")[:n]

    return top


# Level of a standard by its code family (issue 11): PRC national families, then the other levels as they are.
LEVELS: dict[str, str] = {
    Family.GB: "national",
    Family.GB_T: "national",
    Family.GB_Z: "national",
    Family.CNS: "national",
    Family.SS: "national",
    Family.INDUSTRY: "industry",
    Family.LOCAL: "local",
    Family.GROUP: "group",
    Family.ENTERPRISE: "enterprise",
    Family.ISO: "international",
    Family.IEC: "international",
    Family.ISO_IEC: "international",
    Family.OTHER: "other",
}
NOTIFICATION_TYPES = ("regular", "addendum", "revision", "corrigendum", "supplement")


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    description: str
    multi: bool = False
    facet: bool = False
    filter: FilterKind | None = None
    values: tuple[str, ...] = ()  # the allowed values, when they are a closed set
    pattern: str | None = None  # what one requested value must look like (after normalising)
    normalize: Callable[[str], str] = _same
    facet_key: Callable[[str], str] = _same  # what a facet counts of a multi-valued code (its top level)
    commas: bool = True  # a comma separates requested values (not in free-text values such as committees)
    source: str | None = None  # OPEN filters: the date field they test

    def check(self, raw: str) -> str:
        """One requested value, normalised; ValueError says what is wrong with it."""
        value = self.normalize(raw.strip())
        if self.values and value not in self.values:
            raise ValueError(f"unknown value {raw!r}; expected any of {list(self.values)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ValueError(f"{raw!r} is not a valid {self.name} value ({self.description.split(';')[0]})")
        return value


FIELDS: tuple[Field, ...] = (
    Field(
        "kind",
        FieldType.KEYWORD,
        "Kind of document",
        facet=True,
        filter=FilterKind.EQUALITY,
        values=tuple(k.value for k in Kind),
    ),
    Field(
        "region",
        FieldType.KEYWORD,
        "Region: cn (PRC), tw (Taiwan-region CNS), sg (Singapore), intl, other",
        facet=True,
        filter=FilterKind.EQUALITY,
        values=tuple(r.value for r in Region),
    ),
    Field(
        "member",
        FieldType.KEYWORD,
        "Notifying WTO member as in the TBT symbol, e.g. USA, EU, CHN, TPKM",
        facet=True,
        filter=FilterKind.EQUALITY,
        pattern=r"[A-Z]{2,5}",
        normalize=_upper,
    ),
    Field(
        "status",
        FieldType.KEYWORD,
        "Status of a standard",
        facet=True,
        filter=FilterKind.EQUALITY,
        values=tuple(s.value for s in Status),
    ),
    Field(
        "family",
        FieldType.KEYWORD,
        "Family of a standard code: GB, GB/T, GB/Z, industry, local, group, enterprise, CNS, SS, ISO, IEC",
        facet=True,
        filter=FilterKind.EQUALITY,
        values=tuple(f.value for f in Family),
        normalize=_family,
    ),
    Field(
        "level",
        FieldType.KEYWORD,
        "Level of a standard: national (GB, GB/T, GB/Z, CNS, SS), industry, local, group, enterprise, "
        "international",
        facet=True,
        filter=FilterKind.EQUALITY,
        values=tuple(dict.fromkeys(LEVELS.values())),
        normalize=_lower,
    ),
    Field("year", FieldType.INTEGER, "Year of the document's date", facet=True),
    Field(
        "ics",
        FieldType.KEYWORD,
        "ICS code prefix, e.g. 29 or 29.220 or 29.220.20; digits and dots. The facet counts ICS fields (29)",
        multi=True,
        facet=True,
        filter=FilterKind.PREFIX,
        pattern=r"\d{2}(\.\d{1,3}){0,2}",
        normalize=lambda v: v.replace(" ", ""),
        facet_key=_first(2),
    ),
    Field(
        "ccs",
        FieldType.KEYWORD,
        "CCS (China Standard Classification) prefix, e.g. K or K8 or K82; the facet counts first-level "
        "categories (K)",
        multi=True,
        facet=True,
        filter=FilterKind.PREFIX,
        pattern=r"[A-Z]\d{0,2}",
        normalize=_upper,
        facet_key=_first(1),
    ),
    Field(
        "hs",
        FieldType.KEYWORD,
        "HS code prefix of 2 to 10 digits, e.g. 8507 or 8507.60 (dots and spaces ignored). The facet counts "
        "HS chapters (85)",
        multi=True,
        facet=True,
        filter=FilterKind.PREFIX,
        pattern=r"\d{2,10}",
        normalize=_digits,
        facet_key=_first(2),
    ),
    Field(
        "degree",
        FieldType.KEYWORD,
        "Degree of correspondence with an adopted international standard: IDT, MOD, NEQ",
        multi=True,
        facet=True,
        filter=FilterKind.EQUALITY,
        values=tuple(d.value for d in Degree),
        normalize=_upper,
    ),
    Field(
        "adopted",
        FieldType.KEYWORD,
        "Adopted international or foreign standard, any edition, e.g. ISO 9001 or IEC 62133-2:2017",
        multi=True,
        filter=FilterKind.EQUALITY,
        pattern=_FREE_TEXT.format(100),
        normalize=_code_key,
        commas=False,
    ),
    Field(
        "committee",
        FieldType.KEYWORD,
        "Responsible committee or body exactly as the facet lists it, e.g. SAC/TC 17 (repeat the parameter "
        "for several)",
        facet=True,
        filter=FilterKind.EQUALITY,
        pattern=_FREE_TEXT.format(300),
        commas=False,
    ),
    Field(
        "notification_type",
        FieldType.KEYWORD,
        "Type of a TBT notification: regular, addendum, revision, corrigendum, supplement",
        facet=True,
        filter=FilterKind.EQUALITY,
        values=NOTIFICATION_TYPES,
        normalize=_lower,
    ),
    Field(
        "date",
        FieldType.DATE,
        "Date of the document (published, or distributed for notifications); YYYY-MM-DD",
        filter=FilterKind.RANGE,
    ),
    Field(
        "deadline",
        FieldType.DATE,
        "Comment deadline of a TBT notification; YYYY-MM-DD",
        filter=FilterKind.RANGE,
    ),
    Field(
        "open_for_comments",
        FieldType.KEYWORD,
        "true: TBT notifications whose comment deadline is today or later; false: those whose deadline has "
        "passed (notifications without a stated deadline are neither)",
        filter=FilterKind.OPEN,
        values=("true", "false"),
        normalize=_lower,
        source="deadline",
    ),
)
BY_NAME = {f.name: f for f in FIELDS}
FACETS = tuple(f.name for f in FIELDS if f.facet)
# Single-valued fields kept as columns (SQLite) / keyword fields (Elasticsearch). Multi-valued fields keep
# their values (equality filters) or their facet keys (prefix filters) as lists; prefix filters use tags.
COLUMNS = tuple(f for f in FIELDS if not f.multi and f.name != "year" and f.filter is not FilterKind.OPEN)
MULTI = tuple(f for f in FIELDS if f.multi)
EQUALITY_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.EQUALITY)
PREFIX_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.PREFIX)
RANGE_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.RANGE)
OPEN_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.OPEN)
DATE_COLUMNS = tuple(f.name for f in COLUMNS if f.type is FieldType.DATE)


def multi_values(field: Field, codes: list[str]) -> list[str]:
    """What a multi-valued field keeps beside its tags: the values, or for prefix fields their facet keys."""
    keys = codes if field.filter is FilterKind.EQUALITY else [field.facet_key(c) for c in codes]
    return list(dict.fromkeys(k for k in keys if k))


def tag(field: str, code: str) -> str:
    """Keyword for a code or prefix in a multi-valued code field (`ics` 29.220 -> `ics_29_220`, `hs` 8507.60 ->
    `hs_850760`): a prefix of the code is a prefix of the tag, so prefix filters are tag-prefix look-ups."""
    if field == "hs":
        return "hs_" + "".join(ch for ch in code if ch.isdigit())
    if field == "ccs":
        return "ccs_" + code.strip().lower()
    return f"{field}_" + "".join(ch if ch.isalnum() else "_" for ch in code.strip().replace(".", "_"))
