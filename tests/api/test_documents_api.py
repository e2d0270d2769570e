"""GET /api/documents/{id} and /api/health."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.deps import Services
from stdwatch.records import record_from_json


def test_document_with_history_and_relations(client: TestClient, services: Services) -> None:
    services.repo.upsert_many([record_from_json({"code": "GB/T 24823-2024", "status": "withdrawn",
                                                 "replaces": ["GB/T 24823-2017"], "title_en": "LED modules"})])
    body = client.get("/api/documents/gb-t-24823-2024").json()
    assert body["version"] == 2 and body["record"]["status"] == "withdrawn"
    assert [v["version"] for v in body["history"]] == [1, 2]
    assert "status" in body["history"][1]["changed_fields"]
    related = {(r["relation"], r["code"]) for r in body["related"]}
    assert ("replaces", "GB/T 24823-2017") in related  # named, not (yet) in the database
    assert ("edition", "GB/T 24823-2009") in related


def test_replaced_standard_points_to_its_successor(client: TestClient) -> None:
    body = client.get("/api/documents/gb-31241-2014").json()
    assert ("replaced_by", "gb-31241-2022") in {(r["relation"], r["id"]) for r in body["related"]}


def test_notification_links_base_and_addenda(client: TestClient) -> None:
    base = client.get("/api/documents/g-tbt-n-hkg-44").json()
    assert [(r["relation"], r["id"]) for r in base["related"]] == [("addendum", "g-tbt-n-hkg-44-add.1")]
    addendum = client.get("/api/documents/g-tbt-n-hkg-44-add.1").json()
    assert ("base", "g-tbt-n-hkg-44") in {(r["relation"], r["id"]) for r in addendum["related"]}


def test_unknown_document_is_404_with_message(client: TestClient) -> None:
    response = client.get("/api/documents/gb-t-0-0000")
    assert response.status_code == 404 and "gb-t-0-0000" in response.json()["message"]


def test_health_reports_the_index_queue(client: TestClient, services: Services) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "backend": services.settings.search_backend,
                                                "documents": 210, "indexed": 210, "pending_index": 0}
    services.repo.upsert_many([record_from_json({"code": "GB/T 1-2000"})])
    assert client.get("/api/health").json()["pending_index"] == 1
    services.flow.sync()
    assert client.get("/api/health").json()["indexed"] == 211
