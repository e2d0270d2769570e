"""/api/subscriptions through the real API: CRUD, normalization, organization isolation, 422s name fields."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository, SubscriptionRepository
from tests.accounts.conftest import MakeUser, bearer

SEARCH = {
    "name": "锂电池 TBT",
    "kind": "search",
    "emails": ["qa@acme.example"],
    "frequency": "daily",
    "language": "zh",
    "query": {"q": "锂电池", "kind": ["tbt_notification"], "member": ["usa", "EU"], "hs": ["85.07"]},
}
PROFILE = {
    "name": "Tea",
    "kind": "profile",
    "profile": "tea",
    "emails": ["tea@acme.example"],
    "frequency": "weekly",
    "language": "en",
}
FULL_WIDTH = "\uff27\uff22\uff0f\uff34\u3000\uff11\uff19\uff10\uff10\uff11"  # GB/T 19001 in full-width forms
WATCHLIST = {
    "name": "Our standards",
    "kind": "watchlist",
    "emails": ["std@acme.example"],
    "codes": ["GBT 19001—2016", FULL_WIDTH, "g/tbt/n/usa/2100/add.1", "GB 31241-2022"],
}


@pytest.fixture
def key(make_user: MakeUser) -> str:
    return make_user(Role.SUBSCRIBER, org="Acme Batteries")[1]


def _create(client: TestClient, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/subscriptions", headers=bearer(key), json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_saved_search_is_stored_normalized_with_pending_addresses(client: TestClient, key: str) -> None:
    body = _create(client, key, SEARCH)
    assert body["kind"] == "search"
    assert body["query"] == {
        "q": ["锂电池"],
        "kind": ["tbt_notification"],
        "member": ["USA", "EU"],
        "hs": ["8507"],
    }
    assert [(r["email"], r["status"]) for r in body["recipients"]] == [("qa@acme.example", "pending")]
    assert client.get(f"/api/subscriptions/{body['id']}", headers=bearer(key)).json() == body


def test_profile_and_watchlist_subscriptions(client: TestClient, key: str) -> None:
    profile = _create(client, key, PROFILE)
    assert (profile["profile"], profile["frequency"], profile["language"]) == ("tea", "weekly", "en")
    watch = _create(client, key, WATCHLIST)
    assert watch["codes"] == ["GB/T 19001-2016", "GB/T 19001", "G/TBT/N/USA/2100/Add.1", "GB 31241-2022"]
    listed = client.get("/api/subscriptions", headers=bearer(key)).json()
    assert [s["id"] for s in listed] == [profile["id"], watch["id"]]


def test_another_organization_sees_nothing_and_gets_404(
    client: TestClient, key: str, make_user: MakeUser
) -> None:
    mine = _create(client, key, SEARCH)
    _, theirs = make_user(Role.ADMIN, org="Other Co")  # even an admin: isolation is by organization
    assert client.get("/api/subscriptions", headers=bearer(theirs)).json() == []
    path = f"/api/subscriptions/{mine['id']}"
    for response in (
        client.get(path, headers=bearer(theirs)),
        client.patch(path, headers=bearer(theirs), json={"name": "stolen"}),
        client.delete(path, headers=bearer(theirs)),
    ):
        assert response.status_code == 404 and "in your organization" in response.json()["message"]
    _, colleague = make_user(Role.SUBSCRIBER, org="Acme Batteries")
    assert client.get(path, headers=bearer(colleague)).json()["name"] == "锂电池 TBT"


def test_anonymous_and_readers_cannot_touch_subscriptions(client: TestClient, make_user: MakeUser) -> None:
    assert client.get("/api/subscriptions").status_code == 401
    assert client.post("/api/subscriptions", json=SEARCH).status_code == 401
    _, reader = make_user(Role.READER)
    response = client.post("/api/subscriptions", headers=bearer(reader), json=SEARCH)
    assert response.status_code == 403 and "subscriber role" in response.json()["message"]


def test_patch_keeps_confirmed_addresses_and_adds_new_ones_pending(
    client: TestClient, key: str, services: Any
) -> None:
    body = _create(client, key, {**SEARCH, "emails": ["a@acme.example", "b@acme.example"]})
    subs = SubscriptionRepository(services.repo.engine)
    subs.confirm_recipient(body["recipients"][0]["id"])
    patched = client.patch(
        f"/api/subscriptions/{body['id']}",
        headers=bearer(key),
        json={"emails": ["a@acme.example", "c@acme.example"], "frequency": "immediate"},
    )
    assert patched.status_code == 200, patched.text
    got = patched.json()
    assert got["frequency"] == "immediate" and got["query"] == body["query"]
    assert [(r["email"], r["status"]) for r in got["recipients"]] == [
        ("a@acme.example", "confirmed"),
        ("c@acme.example", "pending"),
    ]


def test_patch_can_change_the_kind_and_is_validated_like_a_create(client: TestClient, key: str) -> None:
    body = _create(client, key, SEARCH)
    path = f"/api/subscriptions/{body['id']}"
    missing = client.patch(path, headers=bearer(key), json={"kind": "profile"})
    assert missing.status_code == 422 and missing.json()["message"].startswith("profile")
    changed = client.patch(path, headers=bearer(key), json={"kind": "profile", "profile": "photovoltaics"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["kind"], changed.json()["profile"], changed.json()["query"]) == (
        "profile",
        "photovoltaics",
        {},
    )
    bad = client.patch(path, headers=bearer(key), json={"codes": ["GB/T 1"]})
    assert bad.status_code == 422 and bad.json()["message"].startswith("codes")


def test_delete(client: TestClient, key: str) -> None:
    body = _create(client, key, PROFILE)
    assert client.delete(f"/api/subscriptions/{body['id']}", headers=bearer(key)).status_code == 204
    assert client.get(f"/api/subscriptions/{body['id']}", headers=bearer(key)).status_code == 404
    assert client.delete(f"/api/subscriptions/{body['id']}", headers=bearer(key)).status_code == 404


INVALID = [
    ({**SEARCH, "query": {"q": "x", "hs": ["85A7"]}}, "query.hs"),
    ({**SEARCH, "query": {"q": "x", "ics": ["29.2200.1"]}}, "query.ics"),
    ({**SEARCH, "query": {"member": ["USA", "XYZ"]}}, "query.member"),
    ({**SEARCH, "query": {"kind": ["regulation"]}}, "query.kind"),
    ({**SEARCH, "query": {"q": "x", "colour": "red"}}, "query.colour"),
    ({**SEARCH, "query": {"q": "x", "page": "2"}}, "query.page"),
    ({**SEARCH, "query": {"q": 5}}, "query.q"),
    ({**SEARCH, "query": {}}, "query"),
    ({**SEARCH, "query": None}, "query"),
    ({**SEARCH, "emails": ["qa@acme.example", "not an address"]}, "emails.1"),
    ({**SEARCH, "emails": []}, "emails"),
    ({**PROFILE, "profile": "shipbuilding"}, "profile"),
    ({**WATCHLIST, "codes": ["GB/T 19001-2016", "GB 31241", "G/TBT/N/USA/2100", "no code here"]}, "codes[3]"),
    ({**WATCHLIST, "codes": []}, "codes"),
    ({**PROFILE, "codes": ["GB 31241"]}, "codes"),
    ({**SEARCH, "frequency": "hourly"}, "frequency"),
    ({**SEARCH, "language": "fr"}, "language"),
    ({**SEARCH, "kind": "rss"}, "kind"),
    ({**SEARCH, "name": ""}, "name"),
    ({**SEARCH, "owner": "me"}, "owner"),
]


@pytest.mark.parametrize(("payload", "field"), INVALID, ids=[f for _, f in INVALID])
def test_every_validation_error_is_a_422_naming_the_field(
    client: TestClient, key: str, services: Any, payload: dict[str, Any], field: str
) -> None:
    response = client.post("/api/subscriptions", headers=bearer(key), json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] and body["message"].startswith(f"{field}:"), body
    assert SubscriptionRepository(services.repo.engine).of_organization(1) == []  # nothing was stored


def test_the_profiles_endpoint_lists_every_profile(client: TestClient) -> None:
    response = client.get("/api/profiles")
    assert response.status_code == 200
    by_key = {p["key"]: p for p in response.json()}
    assert set(by_key) >= {"lithium_batteries", "tea", "photovoltaics"}
    assert "8507" in by_key["lithium_batteries"]["hs"]
    assert "锂电池" in by_key["lithium_batteries"]["keywords_zh"]


def test_a_new_subscription_is_owned_by_its_creator(
    client: TestClient, key: str, accounts: AccountRepository, services: Any
) -> None:
    body = _create(client, key, PROFILE)
    sub = SubscriptionRepository(services.repo.engine).get(body["id"])
    assert sub is not None and accounts.user(sub.created_by or 0) is not None
