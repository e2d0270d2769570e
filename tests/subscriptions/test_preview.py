"""GET /api/subscriptions/{id}/preview: what a subscription would have matched in the last N days."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from search.query import SearchQuery
from stdwatch.accounts import Role
from stdwatch.records import record_from_json
from tests.accounts.conftest import MakeUser, bearer
from tests.conftest import demo_records


def test_preview_shows_recent_matches_and_is_private(
    client: TestClient, make_user: MakeUser, services: Any
) -> None:
    services.flow.ingest(demo_records())  # stored before the subscription exists: no alert, but a preview
    key = make_user(Role.SUBSCRIBER, org="Acme Batteries")[1]
    created = client.post(
        "/api/subscriptions",
        headers=bearer(key),
        json={
            "name": "e-bike batteries",
            "kind": "search",
            "emails": ["qa@acme.example"],
            "frequency": "daily",
            "language": "zh",
            "query": {"q": "锂电池"},
        },
    ).json()
    answer = client.get(f"/api/subscriptions/{created['id']}/preview?days=7", headers=bearer(key))
    assert answer.status_code == 200, answer.text
    ids = {m["document_id"] for m in answer.json()["matches"]}
    expected = {h.id for h in services.backend.search(SearchQuery(text="锂电池", size=100)).hits}
    assert ids == expected and "gb-43854-2024" in ids
    assert all(m["reason"] == "new" and m["title"] for m in answer.json()["matches"])
    other = make_user(Role.SUBSCRIBER, org="Other Co")[1]
    assert client.get(f"/api/subscriptions/{created['id']}/preview", headers=bearer(other)).status_code == 404
    assert (
        client.get(f"/api/subscriptions/{created['id']}/preview?days=0", headers=bearer(key)).status_code
        == 422
    )


def test_preview_of_a_watch_list_reports_changes(
    client: TestClient, make_user: MakeUser, services: Any
) -> None:
    key = make_user(Role.SUBSCRIBER, org="Acme Lighting")[1]
    created = client.post(
        "/api/subscriptions",
        headers=bearer(key),
        json={
            "name": "our LED standards",
            "kind": "watchlist",
            "emails": ["qa@acme.example"],
            "frequency": "weekly",
            "language": "en",
            "codes": ["GB/T 24823-2017"],
        },
    ).json()
    old = {"code": "GB/T 24823-2017", "title_zh": "普通照明用LED模块 性能要求", "status": "current"}
    services.flow.ingest([record_from_json(old)])
    services.flow.ingest([record_from_json({**old, "status": "withdrawn"})])
    matches = client.get(f"/api/subscriptions/{created['id']}/preview", headers=bearer(key)).json()["matches"]
    assert [(m["document_id"], m["reason"]) for m in matches] == [("gb-t-24823-2017", "withdrawn")]
