"""The published OpenAPI contract holds for generated requests: schemathesis runs every operation of the app
in-process (ASGI) with every built-in check, valid and invalid inputs alike (issue 10, item 9)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from tests.conftest import DEMO_RECORDS

load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    """The app over the demo dataset (SQLite backend), its spec read from /openapi.json as a client would."""
    services = Services.from_settings(Settings(data_dir=tmp_path_factory.mktemp("schemathesis")))
    services.flow.load_files([DEMO_RECORDS])
    app = create_app(services.settings, services)
    app.state.services = services  # the in-process transport may not run the lifespan that sets it
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    services.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=ALL_CHECKS)


def test_every_operation_is_covered(api_schema: schemathesis.BaseSchema) -> None:
    """The run above is only worth something if it reaches the routes users call."""
    paths = {result.ok().path for result in api_schema.get_all_operations()}
    assert {"/api/search", "/api/documents/{doc_id}", "/api/crawls", "/api/health"} <= paths
