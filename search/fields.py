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

from stdwatch.identifiers import Region
from stdwatch.records import Kind, Status

SCHEMA_VERSION = 2


class FilterKind(StrEnum):
    EQUALITY = "equality"  # the document's value is one of the requested values
    PREFIX = "prefix"  # one of the document's codes starts with one of the requested prefixes
    RANGE = "range"  # the document's value lies within [from, to]


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
        "Family of a standard code: GB, GB/T, GB/Z, industry, local, group, CNS, SS ...",
        facet=False,
        filter=None,
    ),
    Field("year", FieldType.INTEGER, "Year of the document's date", facet=True),
    Field(
        "ics",
        FieldType.KEYWORD,
        "ICS code prefix, e.g. 29 or 29.220 or 29.220.20; digits and dots",
        multi=True,
        filter=FilterKind.PREFIX,
        pattern=r"\d{2}(\.\d{1,3}){0,2}",
        normalize=lambda v: v.replace(" ", ""),
    ),
    Field(
        "hs",
        FieldType.KEYWORD,
        "HS code prefix of 2 to 10 digits, e.g. 8507 or 8507.60 (dots and spaces ignored)",
        multi=True,
        filter=FilterKind.PREFIX,
        pattern=r"\d{2,10}",
        normalize=_digits,
    ),
    Field(
        "date",
        FieldType.DATE,
        "Date of the document (published, or distributed for notifications); YYYY-MM-DD",
        filter=FilterKind.RANGE,
    ),
)
BY_NAME = {f.name: f for f in FIELDS}
FACETS = tuple(f.name for f in FIELDS if f.facet)
# Single-valued fields kept as columns (SQLite) / keyword fields (Elasticsearch); multi-valued codes are tags.
COLUMNS = tuple(f for f in FIELDS if not f.multi and f.name != "year")
EQUALITY_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.EQUALITY)
PREFIX_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.PREFIX)
RANGE_FILTERS = tuple(f for f in FIELDS if f.filter is FilterKind.RANGE)


def tag(field: str, code: str) -> str:
    """Keyword for a code or prefix in a multi-valued code field (`ics` 29.220 -> `ics_29_220`, `hs` 8507.60 ->
    `hs_850760`): a prefix of the code is a prefix of the tag, so prefix filters are tag-prefix look-ups."""
    if field == "hs":
        return "hs_" + "".join(ch for ch in code if ch.isdigit())
    return f"{field}_" + "".join(ch if ch.isalnum() else "_" for ch in code.strip().replace(".", "_"))
