"""`stdwatch search`: the API's search from the terminal, with the same parameters (search.params) and the
same export rows (search.export)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from search.base import SearchBackend
from search.export import csv_chunks, iter_hits, rows
from search.params import ParamError, accepted, query_from_params
from search.query import SearchQuery, SearchResult

console = Console(stderr=True, soft_wrap=True)
FILTER_HELP = (
    "NAME=VALUE: any /api/search parameter, e.g. -f family=group -f ccs=K82 -f degree=IDT "
    "-f open_for_comments=true -f deadline_from=2025-01-01 (repeat; commas separate values). "
    f"Accepted names: {', '.join(n for n in accepted() if n not in ('q', 'page', 'size'))}"
)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def build_query(text: str, filters: list[str], size: int, page: int) -> SearchQuery:
    """The SearchQuery of the command's arguments, checked exactly as /api/search checks its parameters;
    a bad one ends the command with `name: reason` and status 2."""
    params: dict[str, list[str]] = {"q": [text], "size": [str(size)], "page": [str(page)]}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            console.print(f"[red]error:[/red] --filter {item!r}: write NAME=VALUE", highlight=False)
            raise typer.Exit(2)
        if name.strip() in ("q", "size", "page"):
            console.print(
                f"[red]error:[/red] --filter {name}: use the argument or option instead", highlight=False
            )
            raise typer.Exit(2)
        params.setdefault(name.strip(), []).append(value)
    try:
        return query_from_params(params)
    except ParamError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def print_table(result: SearchResult) -> None:
    table = Table(title=f"{result.total} hits")
    for column in ("code", "title", "date", "status", "successor"):
        table.add_column(column)
    for hit in result.hits:
        table.add_row(hit.code, hit.title, str(hit.date or ""), hit.status or "", ", ".join(hit.replaced_by))
    Console().print(table)


def print_json(result: SearchResult) -> None:
    body = {"total": result.total, "hits": [asdict(h) for h in result.hits], "facets": result.facets}
    sys.stdout.write(json.dumps(body, ensure_ascii=False, default=str, indent=2) + "\n")


def write_csv(backend: SearchBackend, query: SearchQuery) -> None:
    """Every hit (not one page), as the API's CSV export, to standard output."""
    for chunk in csv_chunks(rows(iter_hits(backend, replace(query, page=1)))):
        sys.stdout.buffer.write(chunk)
    sys.stdout.flush()


def run_search(backend: SearchBackend, query: SearchQuery, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.CSV:
        write_csv(backend, query)
        return
    result = backend.search(query)
    if fmt is OutputFormat.JSON:
        print_json(result)
    else:
        print_table(result)
