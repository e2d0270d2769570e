"""`stdwatch jobs` as a user reads it, and `stdwatch scheduler` as real processes: one runs, a second is
refused with exit status 1 and told who holds the lock, SIGTERM stops the first cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.services import Services
from api.cli import app
from config.settings import get_settings
from scheduler import jobs
from scheduler.app import build_scheduler
from scheduler.lock import StoreLock
from stdwatch.store import create_engine_for
from tests.conftest import ROOT, demo_records
from tests.scheduler.conftest import FixedClock

runner = CliRunner()


@pytest.fixture
def env_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """Services on the store the CLI will open (STDWATCH_DATA_DIR points at a temporary folder)."""
    monkeypatch.setenv("STDWATCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    built = Services.from_settings(get_settings())
    yield built
    jobs._context = None
    built.close()
    get_settings.cache_clear()


def test_jobs_lists_schedule_next_run_last_run_and_outcome(env_services: Services, clock: FixedClock) -> None:
    scheduler = build_scheduler(env_services, crawl=False, clock=clock)
    scheduler.start(paused=True)  # stores every job with its next run, runs nothing
    scheduler.shutdown()
    env_services.repo.merge_many(demo_records()[:4])
    jobs.index_sync()
    jobs.crawl("no_such_spider")

    result = runner.invoke(app, ["jobs"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 2}
    assert "2026-03-02 00:30:00" in lines["index.sync"]  # the fixed clock, shown in Asia/Shanghai
    assert "next run (Asia/Shanghai)" in result.stdout and "last run (Asia/Shanghai)" in result.stdout
    assert "*/10 * * * *" in lines["index.sync"] and "ok" in lines["index.sync"]
    assert "indexed 4 documents" in lines["index.sync"]
    assert "paused" in lines["crawl.samr_openstd"] and "30 1 * * *" in lines["crawl.samr_openstd"]
    assert "error" in lines["crawl.no_such_spider"] and "not scheduled" in lines["crawl.no_such_spider"]
    assert "alerts.flush" in lines and "status.roll" in lines
    assert "scheduler: not running" in result.stdout


def test_jobs_on_a_fresh_store_says_how_to_start(env_services: Services) -> None:
    result = runner.invoke(app, ["jobs"])
    assert result.exit_code == 0, result.output
    assert "no jobs yet: `stdwatch scheduler` creates them" in result.stdout


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "scheduler", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_second_scheduler_is_refused_and_first_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "STDWATCH_DATA_DIR": str(tmp_path / "data")}
    subprocess.run(
        [sys.executable, "-m", "api.cli", "init"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    first = _start(env, "--no-crawl")
    try:
        holder = _wait_for_lock(tmp_path, first)
        assert holder == f"{os.uname().nodename} pid {first.pid}"
        second = _start(env, "--no-crawl")
        _out, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert f"another scheduler is running: {holder}" in " ".join(err.split())
        first.send_signal(signal.SIGTERM)
        _out, err = first.communicate(timeout=30)
        assert first.returncode == 0, err
        assert "scheduler running as" in err and "(crawls off)" in err
    finally:
        if first.poll() is None:
            first.kill()
    engine = create_engine_for(f"sqlite:///{tmp_path / 'data' / 'stdwatch.sqlite3'}")
    assert StoreLock(engine, "").current() is None  # released on the way out
    engine.dispose()


def _wait_for_lock(tmp_path: Path, process: subprocess.Popen[str], timeout: float = 60) -> str:
    from sqlalchemy import create_engine, inspect, text

    path = tmp_path / "data" / "stdwatch.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            if path.exists() and inspect(engine).has_table("scheduler_lock"):
                with engine.connect() as conn:
                    row = conn.execute(text("SELECT holder FROM scheduler_lock")).first()
                if row:
                    return str(row[0])
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise AssertionError("the scheduler did not take the lock in time")
