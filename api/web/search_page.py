"""`/`: the search page. The same parameters and the same backend call as GET /api/search; the page adds
facet links, highlighted snippets, sorting and paging, with the whole state in the address."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.web.render import current_user, error_page, page, services_of
from search.fields import BY_NAME, FilterKind
from search.params import PAGING, ParamError, query_from_params
from search.query import SearchQuery, SortOrder
from stdwatch.accounts import Role

router = APIRouter(include_in_schema=False)
PAGE_ONLY = ("lang",)  # parameters of the page itself, not of the search
EXPORT_PATH = "/api/search/export"
YEAR_FACET = "year"
FILTERABLE = (FilterKind.EQUALITY, FilterKind.PREFIX)


@dataclass(frozen=True)
class FacetLink:
    value: str
    count: int
    href: str | None  # None: the facet counts a field that cannot be filtered on
    selected: bool


@dataclass(frozen=True)
class Chip:
    name: str
    value: str
    href: str


def search_params(request: Request) -> list[tuple[str, str]]:
    """The search's parameters in the order given (the raw query string, as the API reads it)."""
    raw = request.scope.get("query_string", b"").decode("utf-8", errors="strict")
    return [(k, v) for k, v in parse_qsl(raw, keep_blank_values=True) if k not in PAGE_ONLY]


def _as_dict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        if name == "q" or value.strip():  # an empty filter box in a form means "no filter"
            out.setdefault(name, []).append(value)
    return out


def href(pairs: list[tuple[str, str]], drop: tuple[str, ...] = (), **add: str) -> str:
    """`/?...` with parameters removed, then added; any change of the result set goes back to page 1."""
    kept = [(k, v) for k, v in pairs if k not in drop and k not in add and k != "page"]
    kept += list(add.items())
    return f"/?{urlencode(kept)}" if kept else "/"


def facet_links(
    pairs: list[tuple[str, str]], facets: dict[str, dict[str, int]]
) -> dict[str, list[FacetLink]]:
    chosen = _as_dict(pairs)
    out: dict[str, list[FacetLink]] = {}
    for name, counts in facets.items():
        links = []
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            if name == YEAR_FACET:
                target = href(
                    pairs, drop=("date_from", "date_to"), date_from=f"{value}-01-01", date_to=f"{value}-12-31"
                )
                selected = chosen.get("date_from") == [f"{value}-01-01"] and chosen.get("date_to") == [
                    f"{value}-12-31"
                ]
            elif name in BY_NAME and BY_NAME[name].filter in FILTERABLE:
                target = href(pairs, drop=(name,), **{name: value})
                selected = value in ",".join(chosen.get(name, [])).split(",")
            else:
                target, selected = None, False
            links.append(FacetLink(str(value), count, target, selected))
        if links:
            out[name] = links[:30]
    return out


def chips(pairs: list[tuple[str, str]]) -> list[Chip]:
    """The filters in force, each with the address that removes it."""
    return [
        Chip(name, value, href([p for p in pairs if p != (name, value)]))
        for name, value in pairs
        if name not in ("q", *PAGING) and value.strip()
    ]


def _subscribe_query(pairs: list[tuple[str, str]]) -> str:
    return urlencode([(k, v) for k, v in pairs if k not in PAGING and (k == "q" or v.strip())])


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    services = services_of(request)
    user = current_user(request)
    if user is None and not services.settings.search_open:
        return error_page(request, 401, "search is closed to anonymous readers on this server: sign in first")
    try:
        pairs = search_params(request)
        query = query_from_params(_as_dict(pairs))
    except UnicodeError:
        return error_page(request, 400, "the address is not valid UTF-8")
    except ParamError as exc:
        return error_page(request, 400, str(exc))
    result = services.backend.search(query)
    pages = max(1, -(-result.total // query.size))
    return page(
        request,
        "search.html",
        {
            "query": query,
            "result": result,
            "facets": facet_links(pairs, result.facets),
            "chips": chips(pairs),
            "hidden": [(k, v) for k, v in pairs if k not in ("q", "sort", "page")],
            "sorts": [s.value for s in SortOrder],
            "pages": pages,
            "prev_href": _page_href(pairs, query, query.page - 1) if query.page > 1 else None,
            "next_href": _page_href(pairs, query, query.page + 1) if query.page < pages else None,
            "export": _export_links(request, pairs),
            "subscribe_query": _subscribe_query(pairs) if _can_subscribe(user, query) else None,
            "clear_href": href([p for p in pairs if p[0] == "q"]),
        },
    )


def _page_href(pairs: list[tuple[str, str]], query: SearchQuery, number: int) -> str:
    kept = [(k, v) for k, v in pairs if k != "page"] + [("page", str(number))]
    return f"/?{urlencode(kept)}"


def _export_links(request: Request, pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Links to the export of this result set, once the export endpoint exists in this app."""
    # the OpenAPI document lists every API route (and is built once per app)
    if EXPORT_PATH not in request.app.openapi().get("paths", {}):
        return {}
    kept = [(k, v) for k, v in pairs if k not in ("page", "size")]
    return {fmt: f"{EXPORT_PATH}?{urlencode([*kept, ('format', fmt)])}" for fmt in ("csv", "xlsx")}


def _can_subscribe(user: object, query: SearchQuery) -> bool:
    role = getattr(user, "role", None)
    has_criteria = bool(query.text or query.filters or query.ranges)
    return has_criteria and (role is None or role.allows(Role.SUBSCRIBER))
