"""Shared fixtures: settings in a temporary data folder, the analyzer, a migrated store, search backends."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from alerts.services import Services
from config.settings import Settings
from search.analysis import Analyzer, get_analyzer
from search.base import SearchBackend
from search.documents import SearchDocument
from search.ingest import IngestFlow
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
    return [
        record_from_json(json.loads(line)) for line in DEMO_RECORDS.read_text(encoding="utf-8").splitlines()
    ]


def _real_server(
    script: Path, what: str, reuse: str, url_key: str, instance_key: str, timeout: int
) -> Iterator[str]:
    """Use the server named by the `reuse` variable, or start one with the repo's script and stop it after the run.
    A server that cannot start fails the run; it is never skipped."""
    if url := os.environ.get(reuse):
        yield url
        return
    started = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, timeout=timeout)
    if started.returncode != 0:
        pytest.fail(f"could not start {what}:\n{started.stderr[-4000:]}", pytrace=False)
    values = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    yield values[url_key]
    subprocess.run(["bash", str(script), "stop", values[instance_key]], timeout=120, check=False)


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """A real Elasticsearch node for the whole run (.ci/elasticsearch.sh; STDWATCH_TEST_ES_URL reuses one)."""
    yield from _real_server(
        ES_SCRIPT,
        "Elasticsearch",
        "STDWATCH_TEST_ES_URL",
        "STDWATCH_ES_URL",
        "STDWATCH_ES_INSTANCE",
        timeout=900,
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL server for the whole run (.ci/postgres.sh; STDWATCH_TEST_PG_URL reuses one)."""
    yield from _real_server(
        PG_SCRIPT,
        "PostgreSQL",
        "STDWATCH_TEST_PG_URL",
        "STDWATCH_TEST_PG_URL",
        "STDWATCH_PG_INSTANCE",
        timeout=600,
    )


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


def demo_services(
    request: pytest.FixtureRequest, settings: Settings, index_prefix: str
) -> Iterator[Services]:
    """The body of a parametrized `services` fixture: the backend named by the param, loaded with the demo data."""
    if request.param == "elasticsearch":
        settings = settings.model_copy(
            update={
                "search_backend": "elasticsearch",
                "es_url": request.getfixturevalue("es_url"),
                "es_index": f"{index_prefix}-{uuid.uuid4().hex[:10]}",
            }
        )
    built = Services.from_settings(settings)
    built.flow.load_files([DEMO_RECORDS])
    yield built
    dispose(built.backend)
    built.repo.engine.dispose()


def indexed_backend(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    analyzer: Analyzer,
    docs: Sequence[SearchDocument],
) -> Iterator[SearchBackend]:
    """The body of a module's parametrized `backend` fixture: the backend named by the param, holding `docs`."""
    es = request.getfixturevalue("es_url") if request.param == "elasticsearch" else None
    built = make_backend(request.param, tmp_path_factory.mktemp(request.param), analyzer, es)
    built.index(docs)
    yield built
    dispose(built)


@pytest.fixture
def backend_factory(
    request: pytest.FixtureRequest, tmp_path: Path, analyzer: Analyzer
) -> Iterator[Callable[[str], SearchBackend]]:
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


def ingest_flow(
    repo: DocumentRepository, backend: SearchBackend, listeners: list[object] | None = None
) -> IngestFlow:
    """The ingest flow over a test store and backend."""
    return IngestFlow(Settings(), repo, backend, listeners or [])  # type: ignore[arg-type]
