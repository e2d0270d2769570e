from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from tests.conftest import BACKENDS, DEMO_RECORDS, dispose


@pytest.fixture(params=BACKENDS)
def services(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Services]:
    """The API over each search backend, loaded with the demo dataset."""
    if request.param == "elasticsearch":
        settings = settings.model_copy(
            update={
                "search_backend": "elasticsearch",
                "es_url": request.getfixturevalue("es_url"),
                "es_index": f"test-api-{uuid.uuid4().hex[:10]}",
            }
        )
    built = Services.from_settings(settings)
    built.flow.load_files([DEMO_RECORDS])
    yield built
    dispose(built.backend)
    built.repo.engine.dispose()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client
