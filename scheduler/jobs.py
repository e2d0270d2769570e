"""The scheduler's jobs: thin module-level functions (the persistent job store keeps them as
"module:function" text) that call the same services the API uses. Each run is recorded in job_runs with
outcome ok or error; a job that raises is recorded and logged, never allowed to stop the scheduler.

The services and the clock are not picklable, so the scheduler binds them here (`bind`) before it starts;
a job reads `now` / `today` from that clock, which tests replace with a fixed one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from alerts.services import Services
from scheduler.status import ERROR, OK, JobRunLog

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobContext:
    services: Services
    clock: Clock = utc_now
    # Where crawls go instead of the real sites (spider -> mirror or replay server) and their delay; the
    # watch-list refresh reads them.
    crawl_base_urls: dict[str, str] = field(default_factory=dict)
    crawl_delay: float | None = None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.services.settings.timezone)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """The date in the office's timezone (Asia/Shanghai by default), not the server's."""
        return self.now().astimezone(self.timezone).date()


_context: JobContext | None = None


def bind(context: JobContext) -> None:
    """Give the jobs their services and clock (done by build_scheduler)."""
    global _context
    _context = context


def current() -> JobContext:
    if _context is None:
        raise RuntimeError("no services bound: jobs run in a scheduler made by scheduler.app.build_scheduler")
    return _context


def run_recorded(job_id: str, work: Callable[[JobContext], str]) -> str | None:
    """Run one job: a job_runs row opened before, closed with ok/error after; one log line a run.
    Returns the message of a successful run, None after an error."""
    ctx = current()
    runs = JobRunLog(ctx.services.repo.engine)
    run_id = runs.start(job_id, ctx.now())
    began = time.monotonic()
    try:
        message = work(ctx)
    except Exception as exc:  # recorded and logged: the scheduler must outlive any one job
        text = f"{type(exc).__name__}: {exc}"
        runs.finish(run_id, ERROR, text, ctx.now())
        log.error(
            "job=%s outcome=error seconds=%.2f message=%s",
            job_id,
            time.monotonic() - began,
            text,
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return None
    runs.finish(run_id, OK, message, ctx.now())
    log.info("job=%s outcome=ok seconds=%.2f message=%s", job_id, time.monotonic() - began, message)
    return message


# ------------------------------------------------------------------------------------------- crawl and index
def crawl(spider: str) -> None:
    """Crawl one source into the store, then index (and match) what changed."""
    run_recorded(f"crawl.{spider}", lambda ctx: _crawl(ctx.services, spider))


def _crawl(services: Services, spider: str) -> str:
    from crawlers.runner import CrawlRequest

    outcome = services.flow.crawl(CrawlRequest(spider))  # store -> index -> matcher
    run = outcome.run
    if run is None:
        raise RuntimeError(f"{spider}: crawl process exited with {outcome.exit_code} and recorded no run")
    stats = (
        f"{run.finish_reason}; pages {run.pages}, new {run.new}, updated {run.updated}, unchanged "
        f"{run.unchanged}, quarantined {run.quarantined}, blocked {run.blocked}, errors {run.errors}; "
        f"indexed {outcome.indexed}"
    )
    if outcome.exit_code != 0:
        raise RuntimeError(f"{spider}: crawl process exited with {outcome.exit_code}: {stats}")
    return stats


def watchlist_refresh() -> None:
    """Look every watched code up at its family's sources; report the codes no source knows."""

    def work(ctx: JobContext) -> str:
        from scheduler.watchlist import refresh_watchlists

        report = refresh_watchlists(ctx.services, ctx.crawl_base_urls, ctx.crawl_delay)
        if report.failed:  # shown as a failed run; the codes found and not found are in the message too
            raise RuntimeError(report.summary())
        return report.summary()

    run_recorded("watchlists.refresh", work)


def index_sync() -> None:
    """Index retry: whatever the store holds that the index has not taken yet (after a failed bulk, say)."""
    run_recorded("index.sync", lambda ctx: f"indexed {ctx.services.flow.sync()} documents")


# ------------------------------------------------------------------------------------------- store upkeep
def status_roll() -> None:
    """Daily status roll (upcoming -> current on the effective date, and the other derived transitions)."""

    def work(ctx: JobContext) -> str:
        from stdwatch.status import roll_statuses

        today = ctx.today()
        rolled = roll_statuses(ctx.services.repo, today)
        # Each transition is a new version: index it and let the matcher see it (watch lists alert on it).
        indexed = ctx.services.flow.sync()
        return f"statuses as of {today}: {rolled.updated} changed; indexed {indexed}"

    run_recorded("status.roll", work)


# ------------------------------------------------------------------------------------------- alerts
def match_catch_up() -> None:
    """Match anything the ingest flow did not get to (a crash between store and match, say)."""

    def work(ctx: JobContext) -> str:
        from alerts import matcher

        # The brief names a module-level `catch_up(services)`; today the matcher offers it as a method.
        catch_up = getattr(matcher, "catch_up", None)
        done = catch_up(ctx.services) if catch_up else matcher.AlertMatcher(ctx.services).catch_up()
        return f"{done} new alerts"

    run_recorded("alerts.catch_up", work)


def digests() -> None:
    """Render the immediate, daily and weekly digests that are due in each organization's timezone."""

    def work(ctx: JobContext) -> str:
        from alerts.delivery import make_digests

        return f"{make_digests(ctx.services, ctx.now())} digest emails made"

    run_recorded("alerts.digests", work)


def reminders() -> None:
    """Queue comment-deadline reminders for today."""

    def work(ctx: JobContext) -> str:
        from alerts.reminders import queue_reminders

        today = ctx.today()
        return f"{queue_reminders(ctx.services, today)} reminders queued for {today}"

    run_recorded("alerts.reminders", work)


def flush_outbox() -> None:
    """Send what the outbox holds (at-least-once; the outbox key deduplicates)."""

    def work(ctx: JobContext) -> str:
        from alerts.delivery import flush_outbox as flush

        result = flush(ctx.services, ctx.now())
        summary = (
            f"sent {result.sent}, retried {result.retried}, failed {result.failed}, "
            f"cancelled {result.cancelled}"
        )
        if result.stopped:  # the SMTP server went away: show it as a failed run, the rest waits in the outbox
            raise RuntimeError(f"SMTP connection lost; {summary}")
        return summary

    run_recorded("alerts.flush", work)


def confirmations() -> None:
    """Send the address-confirmation emails that are waiting."""

    def work(ctx: JobContext) -> str:
        from alerts.delivery import send_confirmations

        return f"{send_confirmations(ctx.services, ctx.now())} confirmation emails queued and flushed"

    run_recorded("alerts.confirmations", work)
