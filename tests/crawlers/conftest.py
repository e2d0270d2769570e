from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stdwatch.store import CrawlRepository, DocumentRepository, create_engine_for, migrate
from tests.conftest import ROOT
from tests.crawlers.replay import ReplayServer


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def stdwatch(
    data_dir: Path, stores: tuple[DocumentRepository, CrawlRepository]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the `stdwatch` command in its own process, as a user (or the scheduler) would, on a created store
    (`stores` migrates it, as `stdwatch init` does)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "STDWATCH_DATA_DIR": str(data_dir)}
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


@pytest.fixture
def crawl(
    stdwatch: Callable[..., subprocess.CompletedProcess[str]], replay: ReplayServer
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`stdwatch crawl SPIDER --base-url <replay server>` with no politeness delay (it is our own server)."""

    def run(spider: str, *args: str) -> subprocess.CompletedProcess[str]:
        return stdwatch("crawl", spider, "--base-url", replay.base_url, "--delay", "0", *args)

    return run


@pytest.fixture
def stores(data_dir: Path) -> tuple[DocumentRepository, CrawlRepository]:
    engine = create_engine_for(f"sqlite:///{data_dir / 'stdwatch.sqlite3'}")
    migrate(engine)
    return DocumentRepository(engine), CrawlRepository(engine)
