"""The `stdwatch` command: set up, load, index, search, serve, demo."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.deps import Services
from config.settings import Settings, get_settings
from search.indexer import rebuild_index, sync_index
from search.ingest import load_paths
from search.query import SearchQuery
from stdwatch.loading import LineError, count_lines, read_records, record_files
from stdwatch.records import Kind, to_json

app = typer.Typer(help="StdWatch: standards database and TBT early warning.", no_args_is_help=True)
index_app = typer.Typer(help="Keep the search index in step with the store of record.", no_args_is_help=True)
app.add_typer(index_app, name="index")
console = Console(stderr=True, soft_wrap=True)
DEMO_DATA = Path(__file__).resolve().parent.parent / "stdwatch" / "demo_data" / "records.jsonl"

HostOpt = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s")


def _services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    _setup_logging(settings)
    return Services.from_settings(settings)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True)


@app.command()
def init() -> None:
    """Create the data folder, migrate the store of record and create the search index."""
    services = _services()
    console.print(f"store: {services.settings.resolved_database_url}")
    console.print(f"index: {services.backend.name} ({services.backend.count()} documents)")
    services.close()


def _load(services: Services, paths: list[Path], kind: Kind | None) -> int:
    files = [f for p in paths for f in record_files(p)]
    with _progress() as progress:
        task = progress.add_task("loading", total=count_lines(files))
        report = load_paths(files, services.repo, services.backend, kind,
                            progress=lambda n: progress.advance(task, n))
    stored = report.stored
    console.print(f"read {report.read + len(report.rejected)} lines: {stored.new} new, {stored.updated} updated, "
                  f"{stored.unchanged} unchanged, {len(report.rejected)} rejected; indexed {report.indexed}")
    for error in report.rejected:
        console.print(f"[red]rejected[/red] {error}", highlight=False)
    return 1 if report.rejected else 0


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="JSON Lines files or folders of them.")],
    kind: Annotated[Optional[Kind], typer.Option(help="Kind of every record, when file names do not tell.")] = None,
) -> None:
    """Load records (StdWatch JSON Lines or the flat interchange format); bad lines are named, exit 1."""
    services = _services()
    try:
        code = _load(services, paths, kind)
    except FileNotFoundError as exc:
        console.print(f"[red]error[/red] {exc}")
        code = 2
    finally:
        services.close()
    raise typer.Exit(code)


@app.command()
def convert(
    paths: Annotated[list[Path], typer.Argument(help="Interchange-format files or folders.")],
    out: Annotated[Path, typer.Option(help="StdWatch JSON Lines file to write.")],
    kind: Annotated[Optional[Kind], typer.Option(help="Kind of every record.")] = None,
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


@index_app.command("sync")
def index_sync() -> None:
    """Index whatever the store holds that the index has not taken yet (retries after a failure)."""
    services = _services()
    with _progress() as progress:
        task = progress.add_task("indexing", total=services.repo.pending_count())
        done = sync_index(services.repo, services.backend, progress=lambda n: progress.advance(task, n))
    console.print(f"indexed {done} documents")
    services.close()


@index_app.command("rebuild")
def index_rebuild() -> None:
    """Rebuild the search index from the store of record."""
    services = _services()
    with _progress() as progress:
        task = progress.add_task("rebuilding", total=services.repo.count())
        done = rebuild_index(services.repo, services.backend, progress=lambda n: progress.advance(task, n))
    console.print(f"indexed {done} documents")
    services.close()


@app.command()
def search(
    q: Annotated[str, typer.Argument(help="Words, a standard code or a TBT symbol.")],
    size: Annotated[int, typer.Option(min=1, max=100)] = 10,
) -> None:
    """Search from the command line."""
    services = _services()
    result = services.backend.search(SearchQuery(text=q, size=size))
    table = Table(title=f"{result.total} hits")
    for column in ("code", "title", "date", "status"):
        table.add_column(column)
    for hit in result.hits:
        table.add_row(hit.code, hit.title, str(hit.date or ""), hit.status or "")
    Console().print(table)
    services.close()


def _serve(settings: Settings, host: str, port: int, services: Services | None = None) -> None:
    from api.main import create_app
    from api.server import run

    run(create_app(settings, services), host, port, settings.log_level.lower())


@app.command()
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000) -> None:
    """Serve the API (and its OpenAPI docs at /docs)."""
    settings = get_settings()
    _setup_logging(settings)
    _serve(settings, host, port)


@app.command()
def demo(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load only; do not start the server.")] = False,
) -> None:
    """Create a fresh demo database from the bundled real records and serve it."""
    base = get_settings()
    settings = base.model_copy(update={"data_dir": base.data_path / "demo", "database_url": None,
                                       "search_index_path": None})
    shutil.rmtree(settings.data_path, ignore_errors=True)
    services = _services(settings)
    code = _load(services, [DEMO_DATA], None)
    if code or no_serve:
        services.close()
        raise typer.Exit(code)
    console.print(f"serving on http://{host}:{port}  (try /api/search?q=锂电池, docs at /docs)")
    _serve(settings, host, port, services)


if __name__ == "__main__":
    app()
