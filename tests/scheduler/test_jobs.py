"""Job functions run against the real services with a clock the test sets; every run lands in job_runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alerts.services import Services
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.status import JobRunLog
from tests.conftest import demo_records
from tests.scheduler.conftest import FixedClock


def test_today_is_the_date_in_shanghai_not_in_utc(services: Services, clock: FixedClock) -> None:
    context = JobContext(services, clock)
    assert clock().date() == date(2026, 3, 1)
    assert context.today() == date(2026, 3, 2)  # 16:30 UTC is already 00:30 the next day in Xiamen
    clock.now = datetime(2026, 3, 2, 15, 59, tzinfo=UTC)
    assert context.today() == date(2026, 3, 2)


def test_index_retry_indexes_what_is_pending_and_records_ok(services: Services, clock: FixedClock) -> None:
    records = demo_records()[:5]
    services.repo.merge_many(records)
    jobs.bind(JobContext(services, clock))
    jobs.index_sync()
    assert services.repo.pending_count() == 0
    assert services.backend.count() == len(records)
    [run] = JobRunLog(services.repo.engine).history("index.sync")
    assert (run.outcome, run.message) == ("ok", f"indexed {len(records)} documents")
    assert run.started_at == clock.now and run.finished_at == clock.now  # the injected clock, not the wall


def test_a_failing_job_records_error_with_the_message_and_does_not_raise(services: Services,
                                                                        clock: FixedClock) -> None:
    jobs.bind(JobContext(services, clock))
    jobs.crawl("no_such_spider")  # returns normally: the scheduler thread must survive
    [run] = JobRunLog(services.repo.engine).history("crawl.no_such_spider")
    assert run.outcome == "error"
    assert run.message is not None and "unknown spider 'no_such_spider'" in run.message


def test_runs_are_listed_newest_first_and_last_runs_picks_the_newest(services: Services,
                                                                     clock: FixedClock) -> None:
    jobs.bind(JobContext(services, clock))
    jobs.crawl("no_such_spider")
    clock.now += timedelta(minutes=10)
    jobs.index_sync()
    clock.now += timedelta(minutes=10)
    jobs.index_sync()
    log = JobRunLog(services.repo.engine)
    assert [r.job_id for r in log.history()] == ["index.sync", "index.sync", "crawl.no_such_spider"]
    last = log.last_runs()
    assert last["index.sync"].started_at == clock.now
    assert last["crawl.no_such_spider"].outcome == "error"
