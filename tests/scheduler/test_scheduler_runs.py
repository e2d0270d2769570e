"""The real APScheduler on the persistent job store: missed runs coalesce into one run at start, a failing job
leaves the scheduler running, --no-crawl pauses the crawl jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.services import Services
from scheduler.app import JobSpec, build_scheduler, start_scheduler
from scheduler.status import JobRunLog, open_job_store, stored_jobs
from tests.conftest import demo_records
from tests.scheduler.conftest import wait_for_runs

INDEX = JobSpec("index.sync", "scheduler.jobs:index_sync", "*/10 * * * *")
BROKEN_CRAWL = JobSpec(
    "crawl.no_such_spider", "scheduler.jobs:crawl", "0 3 * * *", ("no_such_spider",), crawl=True
)


def _set_next_run(services: Services, job_id: str, when: datetime) -> None:
    """What a scheduler that was down leaves behind: a next run time in the past."""
    store = open_job_store(services.repo.engine)
    job = store.lookup_job(job_id)
    assert job is not None
    job.next_run_time = when
    store.update_job(job)


def test_a_run_missed_while_down_runs_exactly_once_at_start(services: Services) -> None:
    first = build_scheduler(services, crawl=False, specs=[INDEX])
    first.start(paused=True)  # a scheduler that stores its jobs and is then stopped
    first.shutdown()
    now = datetime.now(UTC)
    _set_next_run(services, "index.sync", now - timedelta(minutes=35))  # 4 runs missed (every 10 minutes)
    services.repo.merge_many(demo_records()[:3])

    running = start_scheduler(services, crawl=False, holder="test pid 1")
    try:
        runs = wait_for_runs(services, "index.sync", 1)
        assert [(r.outcome, r.message) for r in runs] == [("ok", "indexed 3 documents")]
        assert wait_for_runs(services, "index.sync", 2, timeout=1.5) == runs  # coalesced: no second run
    finally:
        running.stop()
    [job] = [j for j in stored_jobs(services.repo.engine) if j.id == "index.sync"]
    assert now < job.next_run_time <= now + timedelta(minutes=10)
    assert services.repo.pending_count() == 0


def test_restart_keeps_a_future_next_run_and_does_not_run_early(services: Services) -> None:
    first = build_scheduler(services, crawl=False, specs=[INDEX])
    first.start(paused=True)
    first.shutdown()
    [before] = stored_jobs(services.repo.engine)
    again = build_scheduler(services, crawl=False, specs=[INDEX])
    again.start(paused=True)
    again.shutdown()
    [after] = stored_jobs(services.repo.engine)
    assert after.next_run_time == before.next_run_time
    assert JobRunLog(services.repo.engine).history() == []


def test_a_failing_job_is_recorded_and_the_scheduler_keeps_running(services: Services) -> None:
    services.repo.merge_many(demo_records()[:2])
    scheduler = build_scheduler(services, crawl=True, specs=[BROKEN_CRAWL, INDEX])
    scheduler.start()
    try:
        now = datetime.now(UTC)
        scheduler.modify_job("crawl.no_such_spider", next_run_time=now)
        [error] = wait_for_runs(services, "crawl.no_such_spider", 1)
        assert error.outcome == "error" and "unknown spider" in (error.message or "")
        scheduler.modify_job("index.sync", next_run_time=datetime.now(UTC))
        [ok] = wait_for_runs(services, "index.sync", 1)
        assert (ok.outcome, ok.message) == ("ok", "indexed 2 documents")
        scheduler.modify_job("crawl.no_such_spider", next_run_time=datetime.now(UTC))
        assert [r.outcome for r in wait_for_runs(services, "crawl.no_such_spider", 2)] == ["error", "error"]
        assert scheduler.running
    finally:
        scheduler.shutdown()


def test_no_crawl_pauses_crawl_jobs_and_crawl_resumes_them(services: Services) -> None:
    off = build_scheduler(services, crawl=False, specs=[BROKEN_CRAWL, INDEX])
    off.start(paused=True)
    off.shutdown()
    jobs = {j.id: j for j in stored_jobs(services.repo.engine)}
    assert jobs["crawl.no_such_spider"].next_run_time is None and jobs["index.sync"].next_run_time is not None
    on = build_scheduler(services, crawl=True, specs=[BROKEN_CRAWL, INDEX])
    on.start(paused=True)
    on.shutdown()
    resumed = {j.id: j for j in stored_jobs(services.repo.engine)}["crawl.no_such_spider"]
    assert resumed.next_run_time is not None and resumed.next_run_time.astimezone(UTC).hour == 19  # 03:00 +08


def test_jobs_no_longer_declared_are_removed_from_the_store(services: Services) -> None:
    old = build_scheduler(services, crawl=True, specs=[BROKEN_CRAWL, INDEX])
    old.start(paused=True)
    old.shutdown()
    new = build_scheduler(services, crawl=True, specs=[INDEX])
    new.start(paused=True)
    new.shutdown()
    assert [j.id for j in stored_jobs(services.repo.engine)] == ["index.sync"]
