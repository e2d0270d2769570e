"""Shared fixtures: settings in a temporary data folder, the analyzer, a migrated store, search backends."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from search.analysis import Analyzer, get_analyzer
from search.base import SearchBackend
from stdwatch.records import Record, record_from_json
from stdwatch.store import DocumentRepository, create_engine_for, migrate

ROOT = Path(__file__).resolve().parent.parent
DEMO_RECORDS = ROOT / "stdwatch" / "demo_data" / "records.jsonl"
INTERCHANGE = ROOT / "tests" / "fixtures" / "demo-records"

# Every search backend the behaviour suite runs against.
BACKENDS = ["sqlite", "elasticsearch"]
ES_SCRIPT = ROOT / ".ci" / "elasticsearch.sh"
PG_SCRIPT = ROOT / ".ci" / "postgres.sh"
# Databases the store of record is tested on: the embedded default and a real PostgreSQL server.
STORES = ["sqlite", "postgresql"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    config = ROOT / "config"
    return get_analyzer(config / "jieba_userdict.txt", config / "synonyms.txt", "rjieba")


@pytest.fixture
def repo(settings: Settings) -> DocumentRepository:
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    return DocumentRepository(engine)


def demo_records() -> list[Record]:
    return [record_from_json(json.loads(line)) for line in DEMO_RECORDS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """A real Elasticsearch node for the whole test run: STDWATCH_TEST_ES_URL if given, else one started by
    .ci/elasticsearch.sh (fetched from Maven Central and cached on first use). Failing to start is a failure."""
    if url := os.environ.get("STDWATCH_TEST_ES_URL"):
        yield url
        return
    started = subprocess.run(["bash", str(ES_SCRIPT), "start"], capture_output=True, text=True, timeout=900)
    if started.returncode != 0:
        pytest.fail(f"could not start Elasticsearch:\n{started.stderr[-4000:]}", pytrace=False)
    values = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    yield values["STDWATCH_ES_URL"]
    subprocess.run(["bash", str(ES_SCRIPT), "stop", values["STDWATCH_ES_INSTANCE"]], timeout=120, check=False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL server for the run: STDWATCH_TEST_PG_URL if given, else one started by .ci/postgres.sh."""
    if url := os.environ.get("STDWATCH_TEST_PG_URL"):
        yield url
        return
    started = subprocess.run(["bash", str(PG_SCRIPT), "start"], capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        pytest.fail(f"could not start PostgreSQL:\n{started.stderr[-4000:]}", pytrace=False)
    values = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    yield values["STDWATCH_TEST_PG_URL"]
    subprocess.run(["bash", str(PG_SCRIPT), "stop", values["STDWATCH_PG_INSTANCE"]], timeout=120, check=False)


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[DocumentRepository]:
    """A freshly migrated store of record on each database (an empty schema for every test)."""
    if request.param == "sqlite":
        engine = create_engine_for(settings.resolved_database_url)
    else:
        from sqlalchemy import text

        engine = create_engine_for(request.getfixturevalue("pg_url"))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield DocumentRepository(engine)
    engine.dispose()


def make_backend(name: str, path: Path, analyzer: Analyzer, es: str | None = None) -> SearchBackend:
    if name == "sqlite":
        from search.backends.sqlite_fts5 import SqliteFts5Backend

        return SqliteFts5Backend(path / "index.sqlite3", analyzer)
    if name == "elasticsearch":
        from search.backends.elasticsearch import ElasticsearchBackend

        assert es, "the elasticsearch backend needs the es_url fixture"
        return ElasticsearchBackend(es, analyzer, index=f"test-{uuid.uuid4().hex[:12]}")
    raise ValueError(name)


def dispose(backend: SearchBackend) -> None:
    drop = getattr(backend, "drop", None)
    if drop:
        drop()
    backend.close()


@pytest.fixture
def backend_factory(request: pytest.FixtureRequest, tmp_path: Path,
                    analyzer: Analyzer) -> Iterator[Callable[[str], SearchBackend]]:
    """Builds empty backends by name; each is removed (indices dropped) after the test."""
    made: list[SearchBackend] = []

    def build(name: str) -> SearchBackend:
        es = request.getfixturevalue("es_url") if name == "elasticsearch" else None
        backend = make_backend(name, tmp_path / f"index-{len(made)}", analyzer, es)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        dispose(backend)
