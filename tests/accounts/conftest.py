"""The API over a real store (embedded SQLite, empty index) with a signing key; users with keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository, UserInfo

SECRET = "test-secret-key-of-more-than-16-characters"
MakeUser = Callable[..., tuple[UserInfo, str]]


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": SecretStr(SECRET)})


@pytest.fixture
def services(app_settings: Settings) -> Iterator[Services]:
    built = Services.from_settings(app_settings)
    yield built
    built.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


@pytest.fixture
def accounts(services: Services) -> AccountRepository:
    return AccountRepository(services.repo.engine)


@pytest.fixture
def make_user(accounts: AccountRepository) -> MakeUser:
    """make_user(role, org="Acme") -> (user, key text) of a new user with one API key."""
    count = iter(range(1, 1000))

    def make(role: Role = Role.SUBSCRIBER, org: str = "Acme Batteries") -> tuple[UserInfo, str]:
        organization = accounts.ensure_organization(org)
        user = accounts.create_user(
            organization.id, f"user{next(count)}@{org.split()[0].lower()}.example", "Test User", role
        )
        return user, accounts.issue_key(user.id).key

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
