"""The monitoring half of `stdwatch demo`: a demo organization, user and subscriptions (config/demo_monitoring.toml,
validated like POST /api/subscriptions, addresses confirmed for the demo only), and running a scheduler job now
rather than at its next cron time."""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.profiles import load_profiles
from alerts.services import Services
from api.subscriptions.schemas import SubscriptionIn
from api.subscriptions.service import build_spec
from config.settings import CONFIG_DIR
from scheduler.app import RunningScheduler
from scheduler.status import JobRunLog
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository, SubscriptionInfo, SubscriptionRepository

DEMO_MONITORING = CONFIG_DIR / "demo_monitoring.toml"
PROFILES = CONFIG_DIR / "industry_profiles.toml"
REASK_SECONDS = 2.0


@dataclass(frozen=True)
class DemoAccount:
    organization: str
    email: str
    role: str
    api_key: str
    subscriptions: list[SubscriptionInfo]


def create_demo_account(services: Services, path: Path = DEMO_MONITORING) -> DemoAccount:
    """The demo's organization, user (with an API key) and confirmed subscriptions, in a fresh store."""
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    profiles = load_profiles(PROFILES)
    specs = [build_spec(SubscriptionIn.model_validate(item), profiles) for item in config["subscriptions"]]
    accounts = AccountRepository(services.repo.engine)
    org = accounts.ensure_organization(config["organization"], services.settings.timezone)
    user = accounts.create_user(org.id, config["user_email"], config["user_name"], Role(config["user_role"]))
    key = accounts.issue_key(user.id, "stdwatch demo")
    repo = SubscriptionRepository(services.repo.engine)
    subscriptions = []
    for spec in specs:
        created = repo.create(org.id, user.id, spec)
        for recipient in created.recipients:
            repo.confirm_recipient(recipient.id)  # demo only: a real address confirms through a signed link
        subscriptions.append(created)
    return DemoAccount(org.name, user.email, user.role.value, key.key, subscriptions)


def describe(sub: SubscriptionInfo) -> str:
    what: Any = {"search": sub.query, "profile": sub.profile, "watchlist": ", ".join(sub.codes)}[sub.kind]
    return f"#{sub.id} {sub.kind} {sub.name!r} ({what}; {sub.frequency}, {sub.language})"


def run_job_now(running: RunningScheduler, job_id: str, timeout: float = 300.0) -> str:
    """Have the running scheduler run one job now and wait until a run that started after this call has
    finished; returns its recorded outcome. The job's own cron run may coincide (max_instances=1 then drops
    the request), so the run log, not the request, decides, and the request is repeated while nothing runs."""
    runs = JobRunLog(running.lock.engine)
    mark = datetime.now(UTC)
    deadline = time.monotonic() + timeout
    asked_at = float("-inf")
    while time.monotonic() < deadline:
        last = runs.last_runs().get(job_id)
        if last is not None and _aware(last.started_at) >= mark and last.outcome is not None:
            return f"{last.outcome}: {last.message or ''}".strip()
        idle = last is None or last.outcome is not None
        if idle and time.monotonic() - asked_at > REASK_SECONDS:
            running.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
            asked_at = time.monotonic()
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} did not run within {timeout:.0f} s")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC
