"""Shared fixtures: settings in a temporary data folder, the analyzer, a migrated store, search backends."""

from __future__ import annotations

import json
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

# Every search backend the behaviour suite runs against; the Elasticsearch issue adds "elasticsearch".
BACKENDS = ["sqlite"]


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


def make_backend(name: str, path: Path, analyzer: Analyzer) -> SearchBackend:
    if name == "sqlite":
        from search.backends.sqlite_fts5 import SqliteFts5Backend

        return SqliteFts5Backend(path / "index.sqlite3", analyzer)
    raise ValueError(name)


@pytest.fixture
def backend_factory(tmp_path: Path, analyzer: Analyzer) -> Iterator[Callable[[str], SearchBackend]]:
    made: list[SearchBackend] = []

    def build(name: str) -> SearchBackend:
        backend = make_backend(name, tmp_path / f"index-{len(made)}", analyzer)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.close()
