"""What the scheduler did and will do: the job_runs history (written around every run) and the job table that
`stdwatch jobs` and `GET /api/jobs` show (persistent job store + last run of each job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, Row, func, insert, inspect, select, update

from scheduler.lock import utc
from stdwatch.store.job_models import JobRun

JOBS_TABLE = "apscheduler_jobs"
OK = "ok"
ERROR = "error"
MESSAGE_LIMIT = 4000  # the job_runs.message column


@dataclass(frozen=True)
class RunRecord:
    id: int
    job_id: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None  # None while running (or when the scheduler died mid-run)
    message: str | None


@dataclass(frozen=True)
class JobStatus:
    id: str
    schedule: str | None  # None: known only from its history (no longer scheduled)
    next_run: datetime | None  # None: paused (e.g. crawl jobs with --no-crawl) or not scheduled
    last_run: RunRecord | None


class JobRunLog:
    """The job_runs table: one row a run, opened when it starts and closed with ok/error and a message."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, job_id: str, at: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(JobRun).values(job_id=job_id, started_at=utc(at)).returning(JobRun.id)
            )
            return int(result.scalar_one())

    def finish(self, run_id: int, outcome: str, message: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(finished_at=utc(at), outcome=outcome, message=message[:MESSAGE_LIMIT])
            )

    def history(self, job_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Most recent runs first."""
        query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
        if job_id is not None:
            query = query.where(JobRun.job_id == job_id)
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def last_runs(self) -> dict[str, RunRecord]:
        """The newest run of every job that has run."""
        newest = select(func.max(JobRun.id)).group_by(JobRun.job_id).scalar_subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(select(JobRun).where(JobRun.id.in_(newest)))
            return {row.job_id: _record(row) for row in rows}


def _record(row: Row[Any]) -> RunRecord:
    finished = row.finished_at
    return RunRecord(
        row.id, row.job_id, utc(row.started_at), utc(finished) if finished else None, row.outcome, row.message
    )


def open_job_store(engine: Engine) -> SQLAlchemyJobStore:
    """The persistent job store in the store of record, opened for reading without a running scheduler."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(None, "default")  # creates apscheduler_jobs if missing; no scheduler is needed to read it
    return store


def stored_jobs(engine: Engine) -> list[Job]:
    """Jobs in the persistent store (empty before the first scheduler start)."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return []
    jobs: list[Job] = open_job_store(engine).get_all_jobs()
    return jobs


def schedule_text(trigger: object) -> str:
    """A cron trigger as crontab text (`*/10 * * * *`); anything else as APScheduler prints it."""
    if isinstance(trigger, CronTrigger):
        fields = {field.name: str(field) for field in trigger.fields}
        return " ".join(fields[name] for name in ("minute", "hour", "day", "month", "day_of_week"))
    return str(trigger)


def job_table(engine: Engine) -> list[JobStatus]:
    """Every scheduled job with its next and last run, then jobs only known from their history."""
    last = JobRunLog(engine).last_runs()
    rows = [
        JobStatus(job.id, schedule_text(job.trigger), job.next_run_time, last.pop(job.id, None))
        for job in stored_jobs(engine)
    ]
    rows += [JobStatus(job_id, None, None, run) for job_id, run in sorted(last.items())]
    return sorted(rows, key=lambda row: row.id)
