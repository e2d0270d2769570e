"""Only `stdwatch init` and `stdwatch demo` create a store of record; every other command pointed at a data
folder without one says where it looked and what to run, instead of creating an empty store and finding
nothing (issue 10, item 10)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from stdwatch.store.database import database_exists

console = Console(stderr=True, soft_wrap=True)
MISSING_STORE_EXIT = 2


def _where(settings: Settings) -> str:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        return f"{url.database} (data folder {settings.data_path})"
    return url.render_as_string(hide_password=True)


def store_problem(settings: Settings) -> str | None:
    """None when the store of record has been created; otherwise one line saying where it was looked for."""
    try:
        if database_exists(settings.resolved_database_url):
            return None
    except SQLAlchemyError as exc:  # a server that cannot be reached: not "missing", and no traceback
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return f"cannot reach the store of record at {_where(settings)}: {reason}"
    message = f"no StdWatch store of record at {_where(settings)}; run `stdwatch init` first"
    if demo := demo_store(settings):
        message += f", or use the demo's data: STDWATCH_DATA_DIR={demo.parent} stdwatch ..."
    return message


def demo_store(settings: Settings) -> Path | None:
    """The store `stdwatch demo` made under this data folder, if there is one (a demo user's CLI commands
    look in the data folder itself, not in its `demo` folder)."""
    store = settings.data_path / "demo" / "stdwatch.sqlite3"
    return store if store.is_file() else None


def require_store(settings: Settings) -> None:
    """End the command (exit status 2) with the problem's message when there is no store to open."""
    if problem := store_problem(settings):
        console.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
        raise typer.Exit(MISSING_STORE_EXIT)
