"""The `stdwatch` command: set up, load, index, search, serve, demo."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.commands import search as search_cli
from api.commands.demo import demo as demo_command
from api.commands.outbox import outbox
from api.commands.scheduler import jobs as jobs_command
from api.commands.scheduler import scheduler as scheduler_command
from api.commands.store_check import require_store
from api.commands.users import user_app
from api.deps import Services
from config.settings import Settings, get_settings
from search.base import SearchBackendError
from search.ingest import CrawlOutcome
from stdwatch.loading import LineError, count_lines, read_records, record_files
from stdwatch.records import Kind, StandardRecord, to_json

app = typer.Typer(help="StdWatch: standards database and TBT early warning.", no_args_is_help=True)
index_app = typer.Typer(help="Keep the search index in step with the store of record.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(user_app, name="user")
console = Console(stderr=True, soft_wrap=True)

HostOpt = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s",
    )


def _services(settings: Settings | None = None, create: bool = False) -> Services:
    """Services on the configured store; without `create` (only `init` and `demo` create one), a data folder
    with no store ends the command saying where it looked and to run `stdwatch init` (exit status 2)."""
    settings = settings or get_settings()
    _setup_logging(settings)
    if logging.getLogger().level >= logging.WARNING:
        # elastic_transport logs every retry as a warning with a whole traceback; the command reports the
        # failure itself in one line (SearchBackendError below)
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    if not create:
        require_store(settings)
    return Services.from_settings(settings)


@contextmanager
def open_services(settings: Settings | None = None, create: bool = False) -> Iterator[Services]:
    """Services for one command, always closed; a missing store, or a backend that cannot serve (unreachable,
    or an index built by an older version) ends the command with its message instead of a traceback."""
    try:
        services = _services(settings, create)
    except SearchBackendError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    try:
        yield services
    except SearchBackendError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        services.close()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@app.command()
def init() -> None:
    """Create the data folder, migrate the store of record and create the search index."""
    with open_services(create=True) as services:
        console.print(f"store: {services.settings.resolved_database_url}")
        if problem := services.backend.schema_problem():
            console.print(f"[yellow]index: {problem}[/yellow]", highlight=False)
        else:
            console.print(f"index: {services.backend.name} ({services.backend.count()} documents)")


def _load(services: Services, paths: list[Path], kind: Kind | None, replace: bool = False) -> int:
    files = [f for p in paths for f in record_files(p)]
    with _progress() as progress:
        task = progress.add_task("loading", total=count_lines(files))
        report = services.flow.load_files(
            files, kind, progress=lambda n: progress.advance(task, n), replace=replace
        )
    stored = report.stored
    console.print(
        f"read {report.read + len(report.rejected)} lines: {stored.new} new, {stored.updated} updated, "
        f"{stored.unchanged} unchanged, {len(report.rejected)} rejected; indexed {report.indexed}"
    )
    for error in report.rejected:
        console.print(f"[red]rejected[/red] {error}", highlight=False)
    return 1 if report.rejected else 0


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="JSON Lines files or folders of them.")],
    kind: Annotated[
        Kind | None, typer.Option(help="Kind of every record, when file names do not tell.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Every line replaces the stored record whole (fields it leaves out are cleared) instead of "
            'merging field by field; `"_replace": true` does this for one line.',
        ),
    ] = False,
) -> None:
    """Load records (StdWatch JSON Lines or the flat interchange format); bad lines are named, exit 1."""
    with open_services() as services:
        try:
            code = _load(services, paths, kind, replace)
        except OSError as exc:  # a missing or unreadable file or folder: named, nothing half-done to report
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            code = 2
    raise typer.Exit(code)


@app.command()
def convert(
    paths: Annotated[list[Path], typer.Argument(help="Interchange-format files or folders.")],
    out: Annotated[Path, typer.Option(help="StdWatch JSON Lines file to write.")],
    kind: Annotated[Kind | None, typer.Option(help="Kind of every record.")] = None,
) -> None:
    """Convert interchange-format records into StdWatch's record format (how the demo dataset is made)."""
    errors = 0
    with out.open("w", encoding="utf-8") as handle:
        for file in [f for p in paths for f in record_files(p)]:
            for item in read_records(file, kind):
                if isinstance(item, LineError):
                    console.print(f"[red]rejected[/red] {item}", highlight=False)
                    errors += 1
                    continue
                handle.write(json.dumps(to_json(item), ensure_ascii=False) + "\n")
    raise typer.Exit(1 if errors else 0)


@app.command("import-catalogue")
def import_catalogue(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx catalogue.")],
    profile: Annotated[
        str, typer.Option(help="Column map from config/catalogue_profiles.toml: cns, ss, generic ...")
    ] = "generic",
    check: Annotated[
        bool,
        typer.Option(
            help="Do not load: report for each listed code whether it is current, "
            "withdrawn or replaced, and by what."
        ),
    ] = False,
    out: Annotated[Path | None, typer.Option(help="With --check: also write the report as CSV here.")] = None,
) -> None:
    """Load a catalogue of standards (bad rows are named, good rows load), or check a list of codes."""
    from stdwatch.catalogue import RowError, read_catalogue, read_listed_codes

    if out is not None and not check:
        # Without --check the rows would be LOADED into the database: a company's list must never be.
        console.print(
            "[red]error:[/red] --out writes the report of --check; add --check (nothing was loaded)"
        )
        raise typer.Exit(2)
    try:
        items = list(read_listed_codes(file, profile) if check else read_catalogue(file, profile))
    except (ValueError, OSError) as exc:  # CatalogueError names the file (and row); nothing was loaded
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    errors = [i for i in items if isinstance(i, RowError)]
    for error in errors:
        console.print(f"[red]rejected[/red] {file}: {error}", highlight=False)
    with open_services() as services:
        if check:
            for status in _report_status(services, items, out):
                if status.status == "invalid":  # a code that cannot be read is a rejected row too
                    console.print(
                        f"[red]rejected[/red] {file}: row {status.row}: {status.note}", highlight=False
                    )
                    errors.append(RowError(status.row or 0, status.note, status.listed))
        else:
            records = [i for i in items if isinstance(i, StandardRecord)]
            report = services.flow.ingest(records, merge=True)
            stored = report.stored
            console.print(
                f"{len(records) + len(errors)} rows: {stored.new} new, {stored.updated} updated, "
                f"{stored.unchanged} unchanged, {len(errors)} rejected; indexed {report.indexed}"
            )
    raise typer.Exit(1 if errors else 0)


def _report_status(services: Services, rows: list, out: Path | None) -> list:  # type: ignore[type-arg]
    """One report line for every input row: rejected rows with their reason, the others with their status."""
    import csv

    from stdwatch.status_check import check_rows

    reports = check_rows(services.repo, rows)
    table = Table(title="status of the listed standards")
    for column in ("row", "listed", "found", "status", "replaced by", "note"):
        table.add_column(column)
    for r in reports:
        table.add_row(str(r.row), r.listed, r.found or "", r.status, ", ".join(r.replaced_by), r.note)
    Console(width=200).print(table)
    if out:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "listed", "found", "status", "replaced_by", "note"])
            writer.writerows(
                [r.row, r.listed, r.found or "", r.status, "; ".join(r.replaced_by), r.note] for r in reports
            )
    return reports


@app.command("load-notification")
def load_notification(
    files: Annotated[
        list[Path], typer.Argument(help="Notification form texts (WTO English or Chinese relay).")
    ],
    symbol: Annotated[
        str | None, typer.Option(help="The document symbol, when the text does not print it.")
    ] = None,
) -> None:
    """Parse TBT notification form texts (items 1-11) and load them; says which items a text lacks."""
    from crawlers.parsing.notification_text import ITEMS, parse_notification
    from stdwatch.records import RecordError, tbt_from_json

    records, failed = [], 0
    for file in files:
        parsed = parse_notification(file.read_text(encoding="utf-8"))
        if symbol:
            parsed.record["symbol"] = symbol
        missing = ", ".join(f"{n} ({ITEMS[n][0]})" for n in parsed.missing)
        try:
            records.append(tbt_from_json(parsed.record))
            console.print(
                f"{file}: {parsed.record['symbol']}" + (f"; items not found: {missing}" if missing else ""),
                highlight=False,
            )
        except RecordError as exc:
            failed += 1
            console.print(f"[red]rejected[/red] {file}: {exc}", highlight=False)
    with open_services() as services:
        report = services.flow.ingest(records, merge=True)
    stored = report.stored
    console.print(
        f"{stored.new} new, {stored.updated} updated, {stored.unchanged} unchanged, {failed} rejected; "
        f"indexed {report.indexed}"
    )
    raise typer.Exit(1 if failed else 0)


@index_app.command("sync")
def index_sync() -> None:
    """Index whatever the store holds that the index has not taken yet (retries after a failure)."""
    with open_services() as services:
        _index(services, "indexing", services.repo.pending_count(), services.flow.sync)


@index_app.command("rebuild")
def index_rebuild() -> None:
    """Rebuild the search index from the store of record (also after an upgrade changed the index's shape)."""
    with open_services() as services:
        _index(services, "rebuilding", services.repo.count(), services.flow.rebuild)


def _index(services: Services, what: str, total: int, step: Callable[[Callable[[int], None]], int]) -> None:
    with _progress() as progress:
        task = progress.add_task(what, total=total)
        done = step(lambda n: progress.advance(task, n))
    console.print(f"indexed {done} documents")


@app.command()
def crawl(
    spider: Annotated[str | None, typer.Argument(help="Spider name (see --all).")] = None,
    all_spiders: Annotated[bool, typer.Option("--all", help="Run every spider, one after another.")] = False,
    base_url: Annotated[str | None, typer.Option(help="Crawl a mirror or a replay server instead.")] = None,
    code: Annotated[str | None, typer.Option(help="Look up one standard by its code.")] = None,
    full: Annotated[bool, typer.Option(help="Recrawl everything, not only what is new or changed.")] = False,
    max_pages: Annotated[int | None, typer.Option(min=1, help="Stop listing after this many pages.")] = None,
    delay: Annotated[
        float | None, typer.Option(min=0, help="Seconds between requests (default: config).")
    ] = None,
    setting: Annotated[list[str], typer.Option("--set", help="Extra Scrapy setting NAME=VALUE.")] = [],  # noqa: B006
    arg: Annotated[list[str], typer.Option("--arg", help="Extra spider argument NAME=VALUE.")] = [],  # noqa: B006
) -> None:
    """Crawl a source into the store of record, then bring the search index up to date."""
    from crawlers.runner import SPIDERS, CrawlRequest

    if not all_spiders and not spider:
        console.print(f"[red]error:[/red] name a spider or use --all; spiders: {', '.join(SPIDERS)}")
        raise typer.Exit(2)
    statuses = []
    with open_services() as services:
        for name in SPIDERS if all_spiders else [spider or ""]:
            request = CrawlRequest(name, base_url, code, full, max_pages, delay, tuple(setting), tuple(arg))
            try:
                outcome = services.flow.crawl(request)
            except ValueError as exc:
                console.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(2) from None
            statuses.append(_report_crawl(name, outcome))
    raise typer.Exit(_crawl_status(statuses))


CRAWL_NOT_FOUND = 3  # a look-up by code that the source answered with nothing


def _crawl_status(statuses: list[int]) -> int:
    """A failure wins; "not found" only when no source found the code (with --all, one finding it is enough)."""
    failures = [s for s in statuses if s not in (0, CRAWL_NOT_FOUND)]
    if failures:
        return max(failures)
    return CRAWL_NOT_FOUND if statuses and all(s == CRAWL_NOT_FOUND for s in statuses) else 0


def _report_crawl(name: str, outcome: CrawlOutcome) -> int:
    run = outcome.run
    if run is None:
        console.print(f"{name}: no run recorded (exit {outcome.exit_code})")
        return 1
    console.print(
        f"{name}: {run.finish_reason}; pages {run.pages}, new {run.new}, updated {run.updated}, "
        f"unchanged {run.unchanged}, quarantined {run.quarantined}, blocked {run.blocked}, "
        f"errors {run.errors}; indexed {outcome.indexed}",
        highlight=False,
    )
    if run.blocked:
        console.print(f"[yellow]{name} was blocked by the source {run.blocked} time(s)[/yellow]")
    if run.finish_reason == "not_found":
        where = f"{name} ({run.args.get('base_url')})" if run.args.get("base_url") else name
        console.print(f"not found: {run.args.get('code')} at {where}", highlight=False, markup=False)
        return CRAWL_NOT_FOUND if outcome.exit_code == 0 else outcome.exit_code
    return max(outcome.exit_code, 1 if run.errors or run.blocked or run.finish_reason != "finished" else 0)


@app.command()
def crawls(limit: Annotated[int, typer.Option(min=1)] = 20) -> None:
    """Recent crawl runs and what they did."""
    from stdwatch.store import CrawlRepository

    services = _services()
    table = Table(title="crawl runs")
    for column in (
        "id",
        "spider",
        "started",
        "finished",
        "reason",
        "pages",
        "new",
        "updated",
        "unchanged",
        "quarantined",
        "blocked",
        "errors",
    ):
        table.add_column(column)
    for run in CrawlRepository(services.repo.engine).runs(limit):
        table.add_row(
            str(run.id),
            run.spider,
            f"{run.started_at:%Y-%m-%d %H:%M:%S}",
            f"{run.finished_at:%H:%M:%S}" if run.finished_at else "",
            run.finish_reason or "running",
            *(
                str(getattr(run, c))
                for c in ("pages", "new", "updated", "unchanged", "quarantined", "blocked", "errors")
            ),
        )
    Console(width=160).print(table)
    services.close()


@app.command()
def quarantine(
    spider: Annotated[str | None, typer.Option(help="Only this spider's pages.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """Pages and records that could not be parsed or validated, with the reason."""
    from stdwatch.store import CrawlRepository

    services = _services()
    entries = CrawlRepository(services.repo.engine).quarantined(spider, limit)
    for entry in entries:
        Console(width=200).print(
            f"#{entry.id} {entry.created_at:%Y-%m-%d %H:%M} {entry.spider} {entry.url}\n"
            f"    reason: {entry.reason}\n    body sha256: {entry.body_hash}",
            highlight=False,
        )
    if not entries:
        console.print("quarantine is empty")
    services.close()


@app.command()
def search(
    q: Annotated[str, typer.Argument(help="Words, a standard code or a TBT symbol ('' for filters only).")],
    filters: Annotated[list[str] | None, typer.Option("--filter", "-f", help=search_cli.FILTER_HELP)] = None,
    size: Annotated[int, typer.Option(min=1, max=100, help="Hits per page (table, json).")] = 10,
    page: Annotated[int, typer.Option(min=1, max=1000)] = 1,
    fmt: Annotated[
        search_cli.OutputFormat,
        typer.Option("--format", help="table or json: one page; csv: every hit (UTF-8 with BOM) to stdout."),
    ] = search_cli.OutputFormat.TABLE,
) -> None:
    """Search from the command line, with the filters of /api/search."""
    query = search_cli.build_query(q, filters or [], size, page)
    with open_services() as services:
        search_cli.run_search(services.backend, query, fmt)


def _serve(
    settings: Settings, host: str, port: int, services: Services | None = None, workers: int = 1
) -> None:
    from api.main import create_app
    from api.server import run

    run(create_app(settings, services), host, port, settings.log_level.lower(), workers)


@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=32, help="Worker processes (bench/bench_api.py: 2 on 2 cores).")
    ] = 1,
) -> None:
    """Serve the API (and its OpenAPI docs at /docs)."""
    settings = get_settings()
    _setup_logging(settings)
    require_store(settings)
    _serve(settings, host, port, workers=workers)


app.command("demo")(demo_command)
app.command("scheduler")(scheduler_command)
app.command("jobs")(jobs_command)
app.command("outbox")(outbox)


if __name__ == "__main__":
    app()
