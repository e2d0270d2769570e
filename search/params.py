"""Search parameters as users send them (the API's query string, a saved subscription) -> a SearchQuery.

The accepted parameters and their OpenAPI descriptions are derived from the field table (search.fields), so
/api/search, saved searches and the web pages accept exactly the same thing, and an unknown parameter is an
error rather than a filter silently not applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from search.fields import EQUALITY_FILTERS, OPEN_FILTERS, PREFIX_FILTERS, RANGE_FILTERS, Field
from search.query import SearchQuery, SortOrder

MAX_TEXT = 500
MAX_PAGE = 1000
MAX_SIZE = 100
MAX_VALUES = 50
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
PAGING = ("sort", "page", "size")


class ParamError(ValueError):
    """A parameter that cannot be accepted; `field` names it for the 4xx answer."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def accepted() -> list[str]:
    names = ["q", *(f.name for f in EQUALITY_FILTERS + PREFIX_FILTERS + OPEN_FILTERS)]
    names += [f"{f.name}_{end}" for f in RANGE_FILTERS for end in ("from", "to")]
    return [*names, *PAGING]


def _values(raw: str | Sequence[str], commas: bool = True) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw)
    if not all(isinstance(item, str) for item in items):
        raise TypeError("parameter values must be text")
    return [v.strip() for item in items for v in (item.split(",") if commas else [item]) if v.strip()]


def _one(name: str, raw: str | Sequence[str]) -> str:
    values = [raw] if isinstance(raw, str) else list(raw)
    if len(values) > 1:
        raise ParamError(name, "give this parameter once")
    return values[0].strip() if values else ""


def _filter_values(f: Field, raw: str | Sequence[str]) -> tuple[str, ...]:
    values = _values(raw, f.commas)
    if not values:
        raise ParamError(f.name, "empty value; leave the parameter out to not filter")
    if len(values) > MAX_VALUES:
        raise ParamError(f.name, f"at most {MAX_VALUES} values")
    checked = []
    for value in values:
        try:
            checked.append(f.check(value))
        except ValueError as exc:
            raise ParamError(f.name, str(exc)) from None
    return tuple(dict.fromkeys(checked))


def _date(name: str, raw: str | Sequence[str]) -> date | None:
    text = _one(name, raw)
    if not text:
        raise ParamError(name, "empty value; write YYYY-MM-DD or leave the parameter out")
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ParamError(name, f"{text!r} is not a date; write YYYY-MM-DD") from None


def _int(name: str, raw: str | Sequence[str], low: int, high: int) -> int:
    text = _one(name, raw)
    if not re.fullmatch(r"\d{1,7}", text) or not low <= int(text) <= high:
        raise ParamError(name, f"{text!r} is not a whole number from {low} to {high}")
    return int(text)


def query_from_params(params: Mapping[str, str | Sequence[str]]) -> SearchQuery:
    """Validate search parameters (each a string, comma-separated values, or a list of strings)."""
    known = set(accepted())
    unknown = sorted(set(params) - known)
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter; accepted parameters are {', '.join(accepted())}")
    text = _one("q", params.get("q", ""))
    if len(text) > MAX_TEXT:
        raise ParamError("q", f"at most {MAX_TEXT} characters")
    filters = {
        f.name: v
        for f in EQUALITY_FILTERS + PREFIX_FILTERS + OPEN_FILTERS
        if f.name in params and (v := _filter_values(f, params[f.name]))
    }
    for f in OPEN_FILTERS:
        if len(filters.get(f.name, ())) > 1:
            raise ParamError(f.name, "give one value: true or false")
    ranges = {}
    for f in RANGE_FILTERS:
        low = _date(f"{f.name}_from", params[f"{f.name}_from"]) if f"{f.name}_from" in params else None
        high = _date(f"{f.name}_to", params[f"{f.name}_to"]) if f"{f.name}_to" in params else None
        if low or high:
            ranges[f.name] = (low, high)
    sort_text = _one("sort", params["sort"]) if "sort" in params else "relevance"
    if not sort_text:
        raise ParamError("sort", "empty value; leave the parameter out for relevance")
    try:
        sort = SortOrder(sort_text)
    except ValueError:
        raise ParamError("sort", f"{sort_text!r}; expected one of {[s.value for s in SortOrder]}") from None
    page = _int("page", params["page"], 1, MAX_PAGE) if "page" in params else 1
    size = _int("size", params["size"], 1, MAX_SIZE) if "size" in params else 20
    return SearchQuery(text=text, filters=filters, ranges=ranges, sort=sort, page=page, size=size)


def to_params(query: SearchQuery) -> dict[str, list[str]]:
    """The parameters that give back `query` (for saved searches, links and exports)."""
    params: dict[str, list[str]] = {}
    if query.text:
        params["q"] = [query.text]
    for name, values in query.filters.items():
        params[name] = list(values)
    for name, (low, high) in query.ranges.items():
        if low:
            params[f"{name}_from"] = [low.isoformat()]
        if high:
            params[f"{name}_to"] = [high.isoformat()]
    return params


def openapi_parameters() -> list[dict[str, Any]]:
    """OpenAPI descriptions of every accepted parameter, for /api/search and the export endpoint."""
    out: list[dict[str, Any]] = [
        {
            "name": "q",
            "in": "query",
            "required": False,
            "description": "Words (Chinese simplified or traditional, English), a standard code or a TBT symbol.",
            "schema": {"type": "string", "maxLength": MAX_TEXT, "default": ""},
        },
    ]
    for f in OPEN_FILTERS:
        out.append(
            {
                "name": f.name,
                "in": "query",
                "required": False,
                "description": f"{f.description}.",
                "schema": {"type": "string", "enum": list(f.values)},
            }
        )
    for f in EQUALITY_FILTERS + PREFIX_FILTERS:
        item: dict[str, Any] = {"type": "string"}
        if f.values:
            item["enum"] = list(f.values)
        elif f.pattern:
            item["pattern"] = f"^{f.pattern}$"
        how = "prefix" if f in PREFIX_FILTERS else "value"
        multi = (
            "Repeat the parameter or separate values by commas."
            if f.commas
            else "Repeat the parameter for several values."
        )
        out.append(
            {
                "name": f.name,
                "in": "query",
                "required": False,
                "style": "form",
                "explode": True,
                "description": f"{f.description}. Filter by {how}; {multi}",
                "schema": {"type": "array", "items": item, "maxItems": MAX_VALUES},
            }
        )
    for f in RANGE_FILTERS:
        for end in ("from", "to"):
            out.append(
                {
                    "name": f"{f.name}_{end}",
                    "in": "query",
                    "required": False,
                    "description": f"{f.description.split(';')[0]}: {end} this day (inclusive), YYYY-MM-DD.",
                    "schema": {"type": "string", "format": "date"},
                }
            )
    out += [
        {
            "name": "sort",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": [s.value for s in SortOrder], "default": "relevance"},
        },
        {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        },
        {
            "name": "size",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": 20},
        },
    ]
    return out
