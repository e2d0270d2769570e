"""GET /api/jobs: the same table as `stdwatch jobs`, for admins only (401 without a key, 403 below admin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from alerts.services import Services
from api.main import create_app
from scheduler import jobs
from scheduler.app import build_scheduler
from scheduler.lock import StoreLock
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository
from tests.scheduler.conftest import FixedClock


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


def _key(services: Services, role: Role) -> str:
    accounts = AccountRepository(services.repo.engine)
    org = accounts.ensure_organization("Xiamen test office")
    user = accounts.create_user(org.id, f"{role.value}@example.org", role.value, role)
    return accounts.issue_key(user.id).key


def test_without_a_key_is_401(client: TestClient) -> None:
    response = client.get("/api/jobs")
    assert response.status_code == 401
    assert response.json()["error"] and "API key" in response.json()["message"]


@pytest.mark.parametrize("role", [Role.READER, Role.SUBSCRIBER, Role.CURATOR])
def test_below_admin_is_403(client: TestClient, services: Services, role: Role) -> None:
    response = client.get("/api/jobs", headers={"Authorization": f"Bearer {_key(services, role)}"})
    assert response.status_code == 403
    assert "admin" in response.json()["message"]


def test_admin_sees_jobs_with_next_and_last_run(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    scheduler = build_scheduler(services, crawl=False, clock=clock)
    scheduler.start(paused=True)
    scheduler.shutdown()
    jobs.crawl("no_such_spider")
    jobs.index_sync()
    StoreLock(services.repo.engine, "host-a pid 7").acquire(clock())

    response = client.get("/api/jobs", headers={"X-API-Key": _key(services, Role.ADMIN)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scheduler"]["running"] and body["scheduler"]["holder"] == "host-a pid 7"
    by_id = {job["id"]: job for job in body["jobs"]}
    index = by_id["index.sync"]
    assert index["schedule"] == "*/10 * * * *" and index["next_run"] is not None
    assert index["last_run"]["outcome"] == "ok" and index["last_run"]["message"] == "indexed 0 documents"
    assert index["last_run"]["started_at"].startswith("2026-03-01T16:30:00")
    assert by_id["crawl.wto_eping"]["next_run"] is None  # paused: crawls off
    broken = by_id["crawl.no_such_spider"]
    assert broken["schedule"] is None and broken["last_run"]["outcome"] == "error"
