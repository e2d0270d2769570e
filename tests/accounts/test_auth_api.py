"""Authentication and roles through the real API: 401 without a valid key, 403 below the role, keys once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository
from tests.accounts.conftest import MakeUser, bearer


def test_me_needs_a_key_and_names_the_headers(client: TestClient) -> None:
    response = client.get("/api/me")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["message"] and "X-API-Key" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_me_with_either_header(client: TestClient, make_user: MakeUser) -> None:
    user, key = make_user(Role.CURATOR, org="Xiamen Tea Co")
    for headers in (bearer(key), {"X-API-Key": key}, {"authorization": f"bearer {key}"}):
        response = client.get("/api/me", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["email"] == user.email and body["role"] == "curator"
        assert body["organization"] == {
            "id": user.organization_id,
            "name": "Xiamen Tea Co",
            "timezone": "Asia/Shanghai",
        }
        assert len(body["may"]) == 3  # reader, subscriber, curator


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer sw_000000000000_nope"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "garbage"},
    ],
)
def test_an_invalid_key_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401 and response.json()["error"]


def test_a_revoked_key_is_401_at_once(client: TestClient, make_user: MakeUser) -> None:
    _, admin_key = make_user(Role.ADMIN)
    user, key = make_user(Role.SUBSCRIBER)
    assert client.get("/api/me", headers=bearer(key)).status_code == 200
    created = client.post(f"/api/users/{user.id}/keys", headers=bearer(admin_key), json={"label": "ci"})
    assert created.status_code == 201
    second, second_id = created.json()["key"], created.json()["info"]["id"]
    assert client.get("/api/me", headers=bearer(second)).status_code == 200
    revoked = client.delete(f"/api/keys/{second_id}", headers=bearer(admin_key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    response = client.get("/api/me", headers=bearer(second))
    assert response.status_code == 401 and "revoked" in response.json()["message"]
    assert client.get("/api/me", headers=bearer(key)).status_code == 200


def test_wrong_role_is_403_naming_the_role(client: TestClient, make_user: MakeUser) -> None:
    _, reader = make_user(Role.READER)
    _, subscriber = make_user(Role.SUBSCRIBER)
    denied = client.post(
        "/api/users",
        headers=bearer(subscriber),
        json={"email": "x@example.com", "name": "X", "organization": "Acme"},
    )
    assert denied.status_code == 403
    assert "admin role" in denied.json()["message"] and "subscriber" in denied.json()["message"]
    listed = client.get("/api/subscriptions", headers=bearer(reader))
    assert listed.status_code == 403 and "subscriber role" in listed.json()["message"]
    assert client.get("/api/users", headers=bearer(reader)).status_code == 403


def test_admin_creates_a_user_whose_key_is_shown_once(
    client: TestClient, make_user: MakeUser, accounts: AccountRepository
) -> None:
    _, admin = make_user(Role.ADMIN)
    created = client.post(
        "/api/users",
        headers=bearer(admin),
        json={
            "email": "QA@Xmtea.example",
            "name": "质量部",
            "organization": "厦门茶业",
            "role": "subscriber",
            "timezone": "Asia/Shanghai",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["user"]["email"] == "qa@xmtea.example" and body["user"]["organization"]["name"] == "厦门茶业"
    me = client.get("/api/me", headers=bearer(body["key"]))
    assert me.status_code == 200 and me.json()["role"] == "subscriber"
    listing = client.get("/api/users", headers=bearer(admin))
    assert listing.status_code == 200 and body["key"] not in listing.text
    assert {u["email"] for u in listing.json()} >= {"qa@xmtea.example"}
    again = client.post(f"/api/users/{body['user']['id']}/keys", headers=bearer(admin))
    assert again.status_code == 201 and again.json()["key"] != body["key"]
    keys = [k.id for k in accounts.keys_of(body["user"]["id"])]
    assert keys == [body["key_id"], again.json()["info"]["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-address", "name": "X", "organization": "Acme"}, "email"),
        ({"email": "a@example.com", "name": "X", "organization": "Acme", "role": "owner"}, "role"),
        (
            {"email": "a@example.com", "name": "X", "organization": "Acme", "timezone": "Mars/Olympus"},
            "timezone",
        ),
        ({"email": "a@example.com", "name": "", "organization": "Acme"}, "name"),
    ],
)
def test_user_validation_names_the_field(
    client: TestClient, make_user: MakeUser, payload: dict[str, str], field: str
) -> None:
    _, admin = make_user(Role.ADMIN)
    response = client.post("/api/users", headers=bearer(admin), json=payload)
    assert response.status_code == 422 and response.json()["message"].startswith(field), response.text


def test_a_duplicate_email_is_422(client: TestClient, make_user: MakeUser) -> None:
    admin, key = make_user(Role.ADMIN)
    response = client.post(
        "/api/users",
        headers=bearer(key),
        json={"email": admin.email, "name": "Twin", "organization": "Other"},
    )
    assert response.status_code == 422 and "already exists" in response.json()["message"]


def test_users_revoke_their_own_keys_but_not_others(
    client: TestClient, make_user: MakeUser, accounts: AccountRepository
) -> None:
    owner, key = make_user(Role.READER)
    _, other = make_user(Role.SUBSCRIBER)
    [info] = accounts.keys_of(owner.id)
    denied = client.delete(f"/api/keys/{info.id}", headers=bearer(other))
    assert denied.status_code == 403 and "admin role" in denied.json()["message"]
    assert client.delete("/api/keys/99999", headers=bearer(key)).status_code == 404
    assert client.delete(f"/api/keys/{info.id}", headers=bearer(key)).status_code == 200
    assert client.get("/api/me", headers=bearer(key)).status_code == 401


@pytest.fixture
def closed_client(services: Services, app_settings: Settings) -> Iterator[TestClient]:
    services.settings = app_settings.model_copy(update={"search_open": False})
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


def test_search_is_open_to_anonymous_readers_by_default(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "锂电池"}).status_code == 200
    assert client.get("/api/documents/no-such-doc").status_code == 404
    assert client.get("/api/search", headers=bearer("sw_000000000000_bad")).status_code == 401


def test_search_closed_needs_a_key(closed_client: TestClient, make_user: MakeUser) -> None:
    _, key = make_user(Role.READER)
    for path in ("/api/search?q=%E9%94%82%E7%94%B5%E6%B1%A0", "/api/documents/g-tbt-n-usa-2100"):
        response = closed_client.get(path)
        assert response.status_code == 401 and "closed" in response.json()["message"], path
    assert closed_client.get("/api/search", params={"q": "锂电池"}, headers=bearer(key)).status_code == 200
    assert closed_client.get("/api/documents/no-such-doc", headers=bearer(key)).status_code == 404
    assert closed_client.get("/api/health").status_code == 200
