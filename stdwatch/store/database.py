"""Engine set-up (SQLite in WAL mode by default) and schema migration through Alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_engine_for(url: str) -> Engine:
    """An engine for the store; SQLite gets WAL, foreign keys and a busy timeout for concurrent readers."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def database_exists(url: str) -> bool:
    """Whether the store of record at `url` has been created (`stdwatch init` / `demo` migrated it), found
    without creating anything: a missing SQLite file stays missing, an empty one or a database without our
    schema counts as absent. A PostgreSQL database that the server does not list is False; a server that
    cannot be reached is an error (OperationalError), not an empty answer."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_store_exists(parsed.database)
    try:
        return _has_schema(url)
    except OperationalError:
        if parsed.get_backend_name() == "postgresql" and parsed.database and not _pg_database_listed(parsed):
            return False
        raise


def _has_schema(url: str | URL) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("alembic_version")
    finally:
        engine.dispose()


def _pg_database_listed(parsed: URL) -> bool:
    """Whether the server lists the database (asked through its `postgres` maintenance database); a server
    that cannot be reached raises, so the caller's error stands."""
    engine = create_engine(parsed.set(database="postgres"))
    try:
        with engine.connect() as conn:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            return conn.execute(query, {"name": parsed.database}).first() is not None
    finally:
        engine.dispose()


def _sqlite_store_exists(database: str | None) -> bool:
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    path = Path(database).expanduser()
    if not path.is_file() or path.stat().st_size == 0:
        return False
    # Read-only URI: opening must not create the file or a WAL beside a database that is not ours.
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        row = conn.execute(query).fetchone()
    except sqlite3.DatabaseError:  # a file that is not an SQLite database
        return False
    finally:
        conn.close()
    return row is not None
