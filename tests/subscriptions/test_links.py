"""Signed links from emails: confirm an address, RFC 8058 one-click unsubscribe; tampered, wrong-purpose and
expired tokens are refused with a message, and a server without STDWATCH_SECRET_KEY says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from stdwatch.accounts import CONFIRM_MAX_AGE, Role, confirm_link, unsubscribe_link
from stdwatch.signing import Signer
from stdwatch.store.accounts import Recipient, SubscriptionRepository
from tests.accounts.conftest import SECRET, MakeUser, bearer

PUBLIC = "https://stdwatch.example.org"


@pytest.fixture
def recipient(client: TestClient, make_user: MakeUser, services: Services) -> Recipient:
    _, key = make_user(Role.SUBSCRIBER)
    response = client.post(
        "/api/subscriptions",
        headers=bearer(key),
        json={"name": "光伏", "kind": "profile", "profile": "photovoltaics", "emails": ["pv@acme.example"]},
    )
    assert response.status_code == 201, response.text
    found = SubscriptionRepository(services.repo.engine).recipient(response.json()["recipients"][0]["id"])
    assert found is not None
    return found


def _path(link: str) -> str:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return f"{parts.path}?{parts.query}"


def _state(services: Services, recipient: Recipient) -> Recipient:
    found = SubscriptionRepository(services.repo.engine).recipient(recipient.id)
    assert found is not None
    return found


def test_the_confirmation_link_confirms_once(
    client: TestClient, services: Services, recipient: Recipient
) -> None:
    link = confirm_link(Signer(SECRET), PUBLIC, recipient.id)
    response = client.get(_path(link))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "confirmed" and response.json()["email"] == "pv@acme.example"
    first = _state(services, recipient).confirmed_at
    assert first is not None
    assert client.get(_path(link)).status_code == 200  # a second click changes nothing
    assert _state(services, recipient).confirmed_at == first


def _old_token(purpose: str, payload: dict[str, Any], age: int) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return str(URLSafeTimedSerializer(SECRET, salt=f"stdwatch:{purpose}", signer=Past).dumps(payload))


@pytest.mark.parametrize("case", ["tampered", "wrong_purpose", "expired", "other_secret"])
def test_bad_confirmation_tokens_are_400_and_change_nothing(
    client: TestClient, services: Services, recipient: Recipient, case: str
) -> None:
    good = Signer(SECRET).sign("confirm", {"r": recipient.id})
    token = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "wrong_purpose": Signer(SECRET).sign("unsubscribe", {"r": recipient.id}),
        "expired": _old_token("confirm", {"r": recipient.id}, CONFIRM_MAX_AGE + 60),
        "other_secret": Signer("another-secret-of-enough-length").sign("confirm", {"r": recipient.id}),
    }[case]
    response = client.get("/api/subscriptions/confirm", params={"token": token})
    assert response.status_code == 400, response.text
    assert ("expired" if case == "expired" else "not valid") in response.json()["message"]
    assert _state(services, recipient).confirmed_at is None


def test_a_recent_token_is_still_good(client: TestClient, recipient: Recipient) -> None:
    token = _old_token("confirm", {"r": recipient.id}, CONFIRM_MAX_AGE - 3600)
    assert client.get("/api/subscriptions/confirm", params={"token": token}).status_code == 200


def test_unsubscribe_get_only_tells_and_post_does_it_without_a_key(
    client: TestClient, services: Services, recipient: Recipient
) -> None:
    link = unsubscribe_link(Signer(SECRET), PUBLIC, recipient.id)
    shown = client.get(_path(link))
    assert shown.status_code == 200 and shown.json()["status"] == "subscribed"
    assert "POST" in shown.json()["message"] and _state(services, recipient).unsubscribed_at is None
    # What a mail client sends for RFC 8058 one-click: a form POST to the List-Unsubscribe URL, no key.
    done = client.post(
        _path(link),
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and done.json()["status"] == "unsubscribed"
    assert _state(services, recipient).unsubscribed_at is not None
    assert client.get(_path(link)).json()["status"] == "unsubscribed"


def test_unsubscribe_refuses_a_confirmation_token(
    client: TestClient, services: Services, recipient: Recipient
) -> None:
    token = parse_qs(urlsplit(confirm_link(Signer(SECRET), PUBLIC, recipient.id)).query)["token"][0]
    response = client.post("/api/unsubscribe", params={"token": token})
    assert response.status_code == 400 and "not valid" in response.json()["message"]
    assert _state(services, recipient).unsubscribed_at is None


def test_a_link_to_a_deleted_subscription_is_404(
    client: TestClient, services: Services, recipient: Recipient
) -> None:
    subs = SubscriptionRepository(services.repo.engine)
    sub = subs.get(recipient.subscription_id)
    assert sub is not None and subs.delete(sub.id, sub.organization_id)
    link = unsubscribe_link(Signer(SECRET), PUBLIC, recipient.id)
    response = client.post(_path(link))
    assert response.status_code == 404 and "no longer" in response.json()["message"]


@pytest.fixture
def keyless_client(services: Services, settings: Settings) -> Iterator[TestClient]:
    services.settings = settings  # the plain test settings: no STDWATCH_SECRET_KEY
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


def test_without_a_secret_key_links_answer_503_naming_the_setting(keyless_client: TestClient) -> None:
    token = Signer(SECRET).sign("confirm", {"r": 1})
    for response in (
        keyless_client.get("/api/subscriptions/confirm", params={"token": token}),
        keyless_client.post("/api/unsubscribe", params={"token": token}),
    ):
        assert response.status_code == 503 and "STDWATCH_SECRET_KEY" in response.json()["message"]
