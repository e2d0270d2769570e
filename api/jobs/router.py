"""GET /api/jobs: the scheduler's jobs with their schedule, next run, last run and outcome (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.auth import auth_responses, require_role
from api.deps import ServicesDep
from scheduler.lock import StoreLock
from scheduler.status import JobStatus, job_table
from stdwatch.accounts import Role
from stdwatch.store.accounts import UserInfo

router = APIRouter(prefix="/api", tags=["jobs"])


class JobRunOut(BaseModel):
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None  # ok | error; null while running
    message: str | None


class JobOut(BaseModel):
    id: str
    schedule: str | None  # null: no longer scheduled, known from its history
    next_run: datetime | None  # null: paused (crawl jobs with --no-crawl) or not scheduled
    last_run: JobRunOut | None


class SchedulerOut(BaseModel):
    running: bool
    holder: str | None
    heartbeat_at: datetime | None


class JobsOut(BaseModel):
    scheduler: SchedulerOut
    jobs: list[JobOut]


def _job(status: JobStatus) -> JobOut:
    last = status.last_run
    run = (
        JobRunOut(
            started_at=last.started_at,
            finished_at=last.finished_at,
            outcome=last.outcome,
            message=last.message,
        )
        if last
        else None
    )
    return JobOut(id=status.id, schedule=status.schedule, next_run=status.next_run, last_run=run)


@router.get("/jobs", response_model=JobsOut, responses={**auth_responses(401, 403)})
def jobs(services: ServicesDep, _admin: Annotated[UserInfo, Depends(require_role(Role.ADMIN))]) -> JobsOut:
    """The scheduler's jobs: schedule, next run, last run and its outcome; who holds the scheduler lock."""
    engine = services.repo.engine
    holder = StoreLock(engine, holder="").current()
    lock = SchedulerOut(
        running=holder is not None,
        holder=holder.holder if holder else None,
        heartbeat_at=holder.heartbeat_at if holder else None,
    )
    return JobsOut(scheduler=lock, jobs=[_job(status) for status in job_table(engine)])
