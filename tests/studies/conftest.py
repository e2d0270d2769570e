"""The API over the demo dataset on each search backend, with users of each role and their keys."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from pydantic import SecretStr

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository
from tests.conftest import BACKENDS, DEMO_RECORDS, demo_services

Headers = dict[str, str]
XLSX_HEADERS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(params=BACKENDS)
def services(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Services]:
    settings = settings.model_copy(update={"secret_key": SecretStr("studies-test-secret-key")})
    yield from demo_services(request, settings, "test-studies")


@pytest.fixture
def sqlite_services(settings: Settings) -> Iterator[Services]:
    """Only the embedded backend: for tests of study rules that no search backend is involved in."""
    built = Services.from_settings(settings)
    built.flow.load_files([DEMO_RECORDS])
    yield built
    built.close()


def _client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    yield from _client(services)


@pytest.fixture
def api(sqlite_services: Services) -> Iterator[TestClient]:
    yield from _client(sqlite_services)


def _key_maker(services: Services) -> Callable[[Role], Headers]:
    accounts = AccountRepository(services.repo.engine)
    counter = iter(range(1, 1000))

    def make(role: Role) -> Headers:
        org = accounts.ensure_organization("Xiamen Research Center")
        user = accounts.create_user(org.id, f"{role.value}{next(counter)}@xrc.example", "Staff", role)
        return {"Authorization": f"Bearer {accounts.issue_key(user.id).key}"}

    return make


@pytest.fixture
def keys(services: Services) -> Callable[[Role], Headers]:
    """keys(Role.CURATOR) -> Authorization headers of a new user with that role."""
    return _key_maker(services)


@pytest.fixture
def api_keys(sqlite_services: Services) -> Callable[[Role], Headers]:
    return _key_maker(sqlite_services)


def sheet(rows: list[list[Any]], title: str = "items") -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def study_body(**extra: Any) -> dict[str, Any]:
    """A study of a real pair in the demo data: GB 6675.4-2014 and CNS 4797-3:2015 (toys, migration of certain
    elements); the items are illustrative."""
    return {
        "title": "玩具安全 特定元素迁移 国内外标准比对 (GB 6675.4 / CNS 4797-3)",
        "domestic": ["GB 6675.4-2014"],
        "counterparts": ["CNS 4797-3:2015"],
        "purpose": "Compare migration limits of certain elements in toy materials.",
        "degree": "MOD",
        "illustrative": True,
        **extra,
    }


# A sheet of four items with one bad row (row 4: volts against mg/kg), illustrative values: the end-to-end
# tests through the API and through the browser import the same one.
HEADER = ["clause", "indicator", "domestic_kind", "domestic_value", "domestic_unit", "c1_kind", "c1_value", "c1_unit",
          "c1_text", "note"]  # fmt: skip
ROWS = [
    [
        "4.2",
        "铅 Pb",
        "upper_limit",
        90,
        "mg/kg",
        "upper_limit",
        90000,
        "µg/kg",
        "Pb ≤ 90 mg/kg",
        "ILLUSTRATIVE",
    ],
    ["4.2", "镉 Cd", "上限", 75, "mg/kg", "upper_limit", 0.05, "g/kg", "Cd ≤ 50 mg/kg", "ILLUSTRATIVE"],
    [
        "4.2",
        "汞 Hg",
        "upper_limit",
        60,
        "mg/kg",
        "upper_limit",
        60,
        "V",
        "a typing slip: volts",
        "ILLUSTRATIVE",
    ],
    [
        "4.3",
        "铬 Cr",
        "upper_limit",
        60,
        "mg/kg",
        "upper_limit",
        0.06,
        "g/kg",
        "Cr ≤ 60 mg/kg",
        "ILLUSTRATIVE",
    ],
]
