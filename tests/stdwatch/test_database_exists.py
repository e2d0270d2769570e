"""`database_exists` tells a created store from a missing one without creating anything (issue 10, item
10)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from stdwatch.store import create_engine_for, migrate
from stdwatch.store.database import database_exists


def test_sqlite_store_exists_only_once_migrated(tmp_path: Path) -> None:
    path = tmp_path / "data" / "stdwatch.sqlite3"
    url = f"sqlite:///{path}"
    assert database_exists(url) is False
    assert not path.exists() and not path.parent.exists()  # looking created nothing
    path.parent.mkdir()
    path.write_bytes(b"")
    assert database_exists(url) is False
    path.write_bytes(b"not an sqlite file" * 100)
    assert database_exists(url) is False
    path.unlink()
    engine = create_engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE other (x INTEGER)"))
    assert database_exists(url) is False  # an SQLite file, but not a StdWatch store
    migrate(engine)
    engine.dispose()
    assert database_exists(url) is True
    assert database_exists("sqlite://") is False


def test_postgresql_store_and_missing_database(pg_url: str) -> None:
    engine = create_engine_for(pg_url)
    migrate(engine)
    engine.dispose()
    assert database_exists(pg_url) is True
    missing = make_url(pg_url).set(database=f"stdwatch_missing_{uuid.uuid4().hex[:8]}")
    assert database_exists(missing.render_as_string(hide_password=False)) is False


def test_an_unreachable_server_is_an_error_not_a_missing_database() -> None:
    with pytest.raises(OperationalError):
        database_exists("postgresql+psycopg://nobody@127.0.0.1:1/stdwatch")
