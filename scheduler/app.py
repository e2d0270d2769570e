"""Builds and runs the scheduler: every job in one table with a stable id, APScheduler 3.x with its job store
in the store of record, one scheduler per store (scheduler/lock.py)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from alerts.services import Services
from crawlers.sources import SOURCES_FILE, load_registry
from scheduler import jobs
from scheduler.jobs import Clock, JobContext, utc_now
from scheduler.lock import DEFAULT_STALE_AFTER, Heartbeat, StoreLock, holder_name
from scheduler.status import JOBS_TABLE, open_job_store, stored_jobs

log = logging.getLogger(__name__)

SOURCES = SOURCES_FILE
# A run missed while the scheduler was down still runs once at start (coalesced) if it is at most this late;
# a week covers the weekly crawls, and anything older is the next scheduled run's business.
MISFIRE_GRACE = timedelta(days=7)
WORKERS = 4  # crawls run in their own processes; the rest is database and SMTP work


@dataclass(frozen=True)
class JobSpec:
    """One job: stable id, its function as "module:function" text (what the job store keeps), cron timing."""

    id: str
    func: str
    cron: str
    args: tuple[str, ...] = ()
    crawl: bool = False


# Cron expressions are read in the scheduler's timezone (settings.timezone, Asia/Shanghai by default).
FIXED_JOBS = (
    JobSpec("index.sync", "scheduler.jobs:index_sync", "*/10 * * * *"),
    JobSpec("status.roll", "scheduler.jobs:status_roll", "5 0 * * *"),  # just after midnight: effective today
    JobSpec("alerts.catch_up", "scheduler.jobs:match_catch_up", "*/15 * * * *"),
    JobSpec("alerts.digests", "scheduler.jobs:digests", "*/5 * * * *"),  # it knows which digests are due
    JobSpec("alerts.reminders", "scheduler.jobs:reminders", "30 7 * * *"),
    JobSpec("alerts.flush", "scheduler.jobs:flush_outbox", "* * * * *"),
    JobSpec("alerts.confirmations", "scheduler.jobs:confirmations", "* * * * *"),
    # Weekly, Sunday 05:00: every watched code looked up at its sources (network, so paused like the crawls).
    JobSpec("watchlists.refresh", "scheduler.jobs:watchlist_refresh", "0 5 * * sun", crawl=True),
)


def crawl_specs(sources: Path = SOURCES) -> list[JobSpec]:
    """One crawl job for each source with a `schedule` in config/sources.toml (the crawlers' registry)."""
    specs = []
    for name, source in load_registry(sources).sources.items():
        if "schedule" not in source.options:
            log.warning("source has no schedule, so no crawl job: source=%s", name)
            continue
        cron = str(source.options["schedule"])
        _check_cron(cron, f"{sources}: [{name}] schedule {cron!r}")
        specs.append(JobSpec(f"crawl.{name}", "scheduler.jobs:crawl", cron, (name,), crawl=True))
    return specs


def _check_cron(cron: str, where: str) -> None:
    try:
        CronTrigger.from_crontab(cron)
    except ValueError as exc:
        raise ValueError(f"{where} is not a cron expression: {exc}") from None
    fields = cron.split()
    # APScheduler 3.x counts weekday 0 as Monday where crontab means Sunday: a number would silently pick the
    # wrong day, so the config must name the days.
    if any(ch.isdigit() for ch in fields[4]):
        raise ValueError(f"{where}: write the day of the week as a name (mon..sun), not a number")


def job_specs(sources: Path = SOURCES) -> list[JobSpec]:
    """Every job the scheduler runs."""
    return [*FIXED_JOBS, *crawl_specs(sources)]


def build_scheduler(
    services: Services, *, crawl: bool, clock: Clock | None = None, specs: list[JobSpec] | None = None
) -> BackgroundScheduler:
    """A scheduler (not started) whose jobs sit in the store of record. With crawl=False the crawl jobs are
    kept but paused, so `stdwatch jobs` shows them as off."""
    jobs.bind(JobContext(services, clock or utc_now))
    timezone = ZoneInfo(services.settings.timezone)
    engine = services.repo.engine
    scheduler = BackgroundScheduler(
        timezone=timezone,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(WORKERS)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
        },
    )
    specs = job_specs() if specs is None else specs
    existing = {job.id: job for job in stored_jobs(engine)}
    _drop_unknown(services, existing, {spec.id for spec in specs})
    for spec in specs:
        trigger = CronTrigger.from_crontab(spec.cron, timezone=timezone)
        scheduler.add_job(
            spec.func,
            trigger,
            args=spec.args,
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            **_next_run(spec, trigger, existing.get(spec.id), crawl),
        )
    return scheduler


def _next_run(spec: JobSpec, trigger: CronTrigger, stored: Job | None, crawl: bool) -> dict[str, Any]:
    """Keep the stored next run time of an unchanged job: re-adding it would otherwise push a run missed while
    the scheduler was down into the future, and the missed run would never happen."""
    if spec.crawl and not crawl:
        return {"next_run_time": None}  # paused
    unchanged = (
        stored is not None
        and repr(stored.trigger) == repr(trigger)
        and stored.func_ref == spec.func
        and tuple(stored.args) == spec.args
    )
    if unchanged and stored is not None and stored.next_run_time is not None:
        return {"next_run_time": stored.next_run_time}
    return {}  # APScheduler computes the next fire time from the trigger


def _drop_unknown(services: Services, existing: dict[str, Job], known: set[str]) -> None:
    """Jobs no longer declared (a source removed from the config) must not keep running from the store."""
    gone = [job_id for job_id in existing if job_id not in known]
    if gone:
        store = open_job_store(services.repo.engine)
        for job_id in gone:
            store.remove_job(job_id)
            log.warning("removed job no longer declared: job=%s", job_id)


class RunningScheduler:
    """A started scheduler holding the store's lock; `stop()` shuts it down and gives the lock back."""

    def __init__(self, scheduler: BackgroundScheduler, lock: StoreLock, clock: Clock) -> None:
        self.scheduler = scheduler
        self.lock = lock
        self.lost = threading.Event()
        self.stopped = threading.Event()
        self.heartbeat = Heartbeat(lock, clock, on_lost=self._on_lost)

    def _on_lost(self) -> None:
        self.lost.set()
        self.stopped.set()

    def stop(self) -> None:
        self.heartbeat.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # let running jobs finish and record their outcome
        if not self.lost.is_set():
            self.lock.release()
        self.stopped.set()


def start_scheduler(
    services: Services,
    *,
    crawl: bool,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    clock: Clock | None = None,
    holder: str | None = None,
) -> RunningScheduler:
    """Take the lock (LockRefused if another scheduler runs), then start the jobs in background threads."""
    clock = clock or utc_now
    lock = StoreLock(services.repo.engine, holder or holder_name(), stale_after)
    lock.acquire(clock())
    try:
        scheduler = build_scheduler(services, crawl=crawl, clock=clock)
        running = RunningScheduler(scheduler, lock, clock)
        scheduler.start()
    except BaseException:
        lock.release()
        raise
    running.heartbeat.start()
    return running


def run_foreground(
    services: Services,
    *,
    crawl: bool,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    on_started: Callable[[RunningScheduler], None] | None = None,
) -> int:
    """Run until SIGINT/SIGTERM (exit status 0) or until the lock is lost to another scheduler (status 1)."""
    running = start_scheduler(services, crawl=crawl, stale_after=stale_after)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on signal %s", signal.Signals(signum).name)
        running.stopped.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if on_started:
            on_started(running)
        while not running.stopped.wait(1.0):
            pass
    finally:
        running.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if running.lost.is_set() else 0
