"""Job functions run against the real services with a clock the test sets; every run lands in job_runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alerts.services import Services
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.status import JobRunLog
from stdwatch.records import Record, record_from_json
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


def test_a_failing_job_records_error_with_the_message_and_does_not_raise(
    services: Services, clock: FixedClock
) -> None:
    jobs.bind(JobContext(services, clock))
    jobs.crawl("no_such_spider")  # returns normally: the scheduler thread must survive
    [run] = JobRunLog(services.repo.engine).history("crawl.no_such_spider")
    assert run.outcome == "error"
    assert run.message is not None and "unknown spider 'no_such_spider'" in run.message


def test_runs_are_listed_newest_first_and_last_runs_picks_the_newest(
    services: Services, clock: FixedClock
) -> None:
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


def _upcoming_on_2_march() -> Record:
    return record_from_json(
        {
            "kind": "standard",
            "code": "GB/T 99999-2026",
            "title_zh": "测试标准",
            "status": "upcoming",
            "published": "2025-09-01",
            "effective": "2026-03-02",
        }
    )


def test_status_roll_uses_the_shanghai_date_and_indexes_the_change(
    services: Services, clock: FixedClock
) -> None:
    context = JobContext(services, clock)
    jobs.bind(context)
    services.repo.today = context.today  # the store derives statuses as of the same (test) clock
    clock.now = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)  # 23:59 on 1 March in Xiamen: not yet in force
    services.flow.ingest([_upcoming_on_2_march()])
    jobs.status_roll()
    [doc] = services.repo.get_many(["gb-t-99999-2026"])
    assert doc.data["status"] == "upcoming"
    clock.now = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # midnight in Xiamen, still 1 March in UTC
    jobs.status_roll()
    [doc] = services.repo.get_many(["gb-t-99999-2026"])
    assert doc.data["status"] == "current"
    assert services.repo.pending_count() == 0  # the new version reached the index in the same run
    messages = [r.message for r in JobRunLog(services.repo.engine).history("status.roll")]
    assert messages == [
        "statuses as of 2026-03-02: 1 changed; indexed 1",
        "statuses as of 2026-03-01: 0 changed; indexed 0",
    ]


def test_alert_jobs_run_against_the_real_alert_modules(services: Services, clock: FixedClock) -> None:
    jobs.bind(JobContext(services, clock))
    for job in (jobs.match_catch_up, jobs.digests, jobs.reminders, jobs.flush_outbox, jobs.confirmations):
        job()
    outcomes = {r.job_id: (r.outcome, r.message) for r in JobRunLog(services.repo.engine).history()}
    assert outcomes == {
        "alerts.catch_up": ("ok", "0 new alerts"),
        "alerts.digests": ("ok", "0 digest emails made"),
        "alerts.reminders": ("ok", "0 reminders queued for 2026-03-02"),  # the date in Xiamen
        "alerts.flush": ("ok", "sent 0, retried 0, failed 0, cancelled 0"),
        "alerts.confirmations": ("ok", "0 confirmation emails queued and flushed"),
    }
