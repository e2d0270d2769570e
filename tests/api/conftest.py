from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from tests.conftest import BACKENDS, demo_services


@pytest.fixture(params=BACKENDS)
def services(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Services]:
    """The API over each search backend, loaded with the demo dataset."""
    yield from demo_services(request, settings, "test-api")


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client
