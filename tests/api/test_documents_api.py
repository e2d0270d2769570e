"""GET /api/documents/{id} and /api/health."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.deps import Services
from stdwatch.records import record_from_json


def test_document_with_history_and_relations(client: TestClient, services: Services) -> None:
    services.repo.upsert_many(
        [
            record_from_json(
                {
                    "code": "GB/T 24823-2024",
                    "status": "withdrawn",
                    "replaces": ["GB/T 24823-2017"],
                    "title_en": "LED modules",
                }
            )
        ]
    )
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
    assert [(r["relation"], r["id"]) for r in addendum["related"]] == [("base", "g-tbt-n-hkg-44")]


def test_a_later_addendum_names_only_the_base_as_its_base(client: TestClient, services: Services) -> None:
    """SYNTHETIC Add.2: its base link must not also find Add.1 (same chain key) nor Add.2 itself."""
    services.repo.upsert_many([record_from_json({"symbol": "G/TBT/N/HKG/44/Add.2", "title": "Adopted"})])
    body = client.get("/api/documents/g-tbt-n-hkg-44-add.2").json()
    assert ("base", "g-tbt-n-hkg-44") in {(r["relation"], r["id"]) for r in body["related"]}
    assert [r["id"] for r in body["related"] if r["relation"] == "base"] == ["g-tbt-n-hkg-44"]
    assert "g-tbt-n-hkg-44-add.2" not in {r["id"] for r in body["related"]}


def test_wrong_method_is_405_with_allow_header(client: TestClient) -> None:
    response = client.post("/api/documents/g-tbt-n-hkg-44")
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert response.json()["error"] == "http_error"


def test_unknown_query_parameters_are_refused_by_name(client: TestClient) -> None:
    response = client.get("/api/documents/g-tbt-n-hkg-44", params={"format": "xml"})
    assert response.status_code == 400 and "['format']" in response.json()["message"]
    crawls = client.get("/api/crawls", params={"spidr": "cns"})
    assert crawls.status_code == 400
    assert "['spidr']" in crawls.json()["message"] and "spider, limit" in crawls.json()["message"]
    assert client.get("/api/crawls", params={"spider": "cns", "limit": 5}).status_code == 200


def test_error_answers_are_declared_in_the_spec(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, codes in (("/api/documents/{doc_id}", ("400", "404", "422")), ("/api/crawls", ("400", "422"))):
        responses = spec["paths"][path]["get"]["responses"]
        for code in codes:
            assert responses[code]["content"]["application/json"]["schema"] == error, (path, code)
    assert spec["components"]["schemas"]["ErrorOut"]["required"] == ["error", "message"]
    out_of_range = client.get("/api/crawls", params={"limit": 0})
    assert out_of_range.status_code == 422 and set(out_of_range.json()) == {"error", "message"}


def test_unknown_document_is_404_with_message(client: TestClient) -> None:
    response = client.get("/api/documents/gb-t-0-0000")
    assert response.status_code == 404 and "gb-t-0-0000" in response.json()["message"]


def test_health_reports_the_index_queue(client: TestClient, services: Services) -> None:
    assert client.get("/api/health").json() == {
        "status": "ok",
        "backend": services.settings.search_backend,
        "documents": 210,
        "indexed": 210,
        "pending_index": 0,
    }
    services.repo.upsert_many([record_from_json({"code": "GB/T 1-2000"})])
    assert client.get("/api/health").json()["pending_index"] == 1
    services.flow.sync()
    assert client.get("/api/health").json()["indexed"] == 211
