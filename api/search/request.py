"""Search parameters read from the raw query string, so that an unknown parameter or undecodable text is
refused (400 naming it) instead of silently ignored; shared by /api/search and its export."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from api.errors import BadRequest
from search.params import ParamError, query_from_params
from search.query import SearchQuery


def raw_params(request: Request) -> dict[str, list[str]]:
    """The query string's parameters, each with its values; BadRequest when it is not UTF-8."""
    raw = request.scope.get("query_string", b"")
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeError:
        raise BadRequest("the query string is not valid UTF-8 (percent-encode the text as UTF-8)") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def checked_query(params: dict[str, list[str]]) -> SearchQuery:
    """The validated SearchQuery of search parameters; BadRequest names the faulty parameter."""
    try:
        return query_from_params(params)
    except ParamError as exc:
        raise BadRequest(str(exc)) from None


def search_query(request: Request) -> SearchQuery:
    """The validated SearchQuery of a request's query string; BadRequest names the faulty parameter."""
    return checked_query(raw_params(request))
