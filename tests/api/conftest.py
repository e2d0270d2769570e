from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from search.ingest import load_paths
from tests.conftest import DEMO_RECORDS


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services.from_settings(settings)
    load_paths([DEMO_RECORDS], built.repo, built.backend)
    yield built
    built.close()


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client
