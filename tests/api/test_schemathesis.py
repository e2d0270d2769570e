"""The published OpenAPI contract holds for generated requests: schemathesis runs every operation of the app
in-process (ASGI) with every built-in check, valid and invalid inputs alike (issue 10, item 9)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, CheckFunction, load_all_checks

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from tests.conftest import DEMO_RECORDS

load_all_checks()
ALL_CHECKS: list[CheckFunction] = [check for check in CHECKS.get_all() if not isinstance(check, type)]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    """The app over the demo dataset (SQLite backend), configured as deployed (a secret key for signed
    links), its spec read from /openapi.json as a client would."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("schemathesis"),
        secret_key=SecretStr("schemathesis-secret"),
        public_url="http://testserver",
    )
    services = Services.from_settings(settings)
    services.flow.load_files([DEMO_RECORDS])
    app = create_app(services.settings, services)
    app.state.services = services  # the in-process transport may not run the lifespan that sets it
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    services.close()


# Every operation of the published spec, read from the app itself (building it opens nothing).
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, methods in create_app(Settings()).openapi()["paths"].items()
    for method in methods
]


SIGNED_LINKS = {"GET /api/subscriptions/confirm", "GET /api/unsubscribe", "POST /api/unsubscribe"}
# Nor can a schema say "a spreadsheet with a code column": a random upload is rightly refused with a 400.
SHEET_UPLOADS = {"POST /api/check"}


def test_the_runs_reach_the_routes_users_call() -> None:
    core = {"GET /api/search", "GET /api/documents/{doc_id}", "GET /api/crawls", "GET /api/health"}
    assert core <= set(OPERATIONS)
    assert [c.__name__ for c in ALL_CHECKS] == CHECKS.get_all_names()  # every built-in check, none left out


# schemathesis' own pytest fixture loader does not work with pytest 9 (it reads a removed `_nodeid`), so each
# operation's strategy is driven by hypothesis here: valid requests (positive) and invalid ones (negative).
@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_keeps_its_contract(
    api_schema: schemathesis.BaseSchema, label: str, mode: GenerationMode
) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    checks = ALL_CHECKS
    if label in SIGNED_LINKS | SHEET_UPLOADS:  # valid signatures and sheets: random ones are rightly refused
        checks = [c for c in ALL_CHECKS if c.__name__ != "positive_data_acceptance"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(checks=checks)

    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip(f"{label}: the spec allows no invalid request (every value its parameters take is valid)")
