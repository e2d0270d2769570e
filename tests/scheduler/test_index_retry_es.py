"""Index retry against a real Elasticsearch node: while the index refuses writes the job records the error
and the documents stay queued; once it accepts them again the next run indexes them and records ok."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from alerts.services import Services
from config.settings import Settings
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.status import JobRunLog
from tests.conftest import demo_records, dispose
from tests.scheduler.conftest import FixedClock


@pytest.fixture
def es_services(settings: Settings, es_url: str) -> Iterator[Services]:
    index = f"test-sched-{uuid.uuid4().hex[:10]}"
    built = Services.from_settings(
        settings.model_copy(update={"search_backend": "elasticsearch", "es_url": es_url, "es_index": index})
    )
    yield built
    jobs._context = None
    dispose(built.backend)
    built.repo.engine.dispose()


def test_index_retry_records_the_failure_then_catches_up(es_services: Services, clock: FixedClock) -> None:
    backend = es_services.backend
    client, alias = backend.client, backend.alias  # type: ignore[attr-defined]
    [index] = client.indices.get_alias(name=alias).body
    es_services.repo.merge_many(demo_records()[:3])
    jobs.bind(JobContext(es_services, clock))

    client.indices.close(index=index)
    try:
        jobs.index_sync()
    finally:
        client.indices.open(index=index, wait_for_active_shards="1")
    [failed] = JobRunLog(es_services.repo.engine).history("index.sync")
    assert failed.outcome == "error" and failed.message
    assert failed.message.startswith("SearchBackendError: elasticsearch rejected 3 documents")
    assert "index_closed_exception" in failed.message
    assert es_services.repo.pending_count() == 3  # nothing lost

    jobs.index_sync()
    latest = JobRunLog(es_services.repo.engine).history("index.sync")[0]
    assert (latest.outcome, latest.message) == ("ok", "indexed 3 documents")
    assert es_services.repo.pending_count() == 0
