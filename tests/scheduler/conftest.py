"""Scheduler fixtures: the real services on a temporary store, a clock the test sets, job-run polling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from alerts.services import Services
from config.settings import Settings
from scheduler import jobs
from scheduler.status import JobRunLog, RunRecord


class FixedClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services.from_settings(settings)
    yield built
    jobs._context = None  # no later test may run jobs against a closed store
    built.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # 00:30 on 2 March in Asia/Shanghai


def wait_for_runs(services: Services, job_id: str, count: int, timeout: float = 15.0) -> list[RunRecord]:
    """Finished runs of a job, polling until there are `count` of them (jobs run in threads)."""
    deadline = time.monotonic() + timeout
    while True:
        runs = [r for r in JobRunLog(services.repo.engine).history(job_id) if r.outcome is not None]
        if len(runs) >= count or time.monotonic() > deadline:
            return runs
        time.sleep(0.05)
