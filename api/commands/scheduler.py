"""`stdwatch scheduler` (run the jobs in the foreground) and `stdwatch jobs` (what ran, what runs next)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from alerts.services import Services
from api.commands.store_check import require_store
from config.settings import Settings, get_settings
from scheduler.app import RunningScheduler, run_foreground
from scheduler.lock import LockRefused, StoreLock
from scheduler.status import JobStatus, job_table

console = Console(stderr=True, soft_wrap=True)


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s",
    )
    # Quiet by default, except one line per job run; APScheduler's own chatter stays at the configured level.
    job_logger = logging.getLogger("scheduler")
    if job_logger.getEffectiveLevel() > logging.INFO:
        job_logger.setLevel(logging.INFO)


def scheduler(
    no_crawl: Annotated[
        bool, typer.Option("--no-crawl", help="Keep the crawl jobs paused (no network).")
    ] = False,
    stale_minutes: Annotated[
        float,
        typer.Option(
            min=0.1, help="Take over a lock whose holder has not beaten its heartbeat for this many minutes."
        ),
    ] = 5.0,
) -> None:
    """Run the scheduler in the foreground (crawls, index retry, status roll, alerts); Ctrl-C stops it."""
    settings = get_settings()
    _setup_logging(settings)
    require_store(settings)
    services = Services.from_settings(settings)

    def started(running: RunningScheduler) -> None:
        jobs = running.scheduler.get_jobs()
        active = [job for job in jobs if job.next_run_time is not None]
        paused = f"{len(jobs) - len(active)} paused" + (" (crawls off)" if no_crawl else "")
        console.print(
            f"scheduler running as {running.lock.holder}: {len(active)} jobs active, {paused}; "
            "Ctrl-C stops it",
            highlight=False,
        )

    try:
        code = run_foreground(
            services, crawl=not no_crawl, stale_after=timedelta(minutes=stale_minutes), on_started=started
        )
    except LockRefused as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        code = 1
    finally:
        services.close()
    if code:
        console.print("[red]stopped[/red]: the scheduler lock was lost to another scheduler")
    raise typer.Exit(code)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _row(status: JobStatus, zone: ZoneInfo) -> list[str]:
    last = status.last_run
    outcome = (last.outcome or "running") if last else ""
    next_run = "not scheduled" if status.schedule is None else _when(status.next_run, zone) or "paused"
    started = _when(last.started_at if last else None, zone)
    message = (last.message or "") if last else ""
    return [status.id, status.schedule or "", next_run, started, outcome, message]


def jobs() -> None:
    """List the scheduler's jobs: schedule, next run, last run and its outcome."""
    settings = get_settings()
    _setup_logging(settings)
    require_store(settings)
    services = Services.from_settings(settings)
    zone = ZoneInfo(settings.timezone)
    try:
        rows = job_table(services.repo.engine)
        holder = StoreLock(services.repo.engine, holder="").current()
    finally:
        services.close()
    table = Table(title=f"scheduler jobs (times in {settings.timezone})")
    for column in (
        "job",
        "schedule",
        f"next run ({zone.key})",
        f"last run ({zone.key})",
        "outcome",
        "message",
    ):
        table.add_column(column)
    for status in rows:
        table.add_row(*_row(status, zone))
    out = Console(width=200)
    if rows:
        out.print(table)
    else:
        out.print("no jobs yet: `stdwatch scheduler` creates them")
    out.print(
        f"scheduler: running as {holder.holder}, last heartbeat {_when(holder.heartbeat_at, zone)} ({zone.key})"
        if holder
        else "scheduler: not running",
        highlight=False,
    )
