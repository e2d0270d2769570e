"""GET /api/search as a client sees it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_chinese_query_simplified_and_traditional(client: TestClient) -> None:
    simplified = client.get("/api/search", params={"q": "锂电池"}).json()
    traditional = client.get("/api/search", params={"q": "鋰電池"}).json()
    assert simplified["total"] == traditional["total"] >= 3
    assert [h["id"] for h in simplified["hits"]] == [h["id"] for h in traditional["hits"]]
    hit = simplified["hits"][0]
    assert set(hit) >= {"id", "kind", "code", "title", "highlight"}
    assert "<mark>" in hit["highlight"]["title"]
    assert set(simplified["facets"]) == {
        "kind",
        "region",
        "member",
        "status",
        "family",
        "level",
        "year",
        "ics",
        "ccs",
        "hs",
        "degree",
        "committee",
        "notification_type",
    }


def test_filters_and_paging_params(client: TestClient) -> None:
    body = client.get(
        "/api/search",
        params={"kind": "tbt_notification", "member": "tpkm,chn", "sort": "newest", "size": 5, "page": 2},
    ).json()
    assert body["page"] == 2 and body["size"] == 5 and len(body["hits"]) == 5
    assert body["total"] == 18
    assert all(h["member"] in ("TPKM", "CHN") for h in body["hits"])


def test_ics_and_hs_prefix_filters(client: TestClient) -> None:
    ics = client.get("/api/search", params={"ics": "29.220"}).json()
    assert {h["code"] for h in ics["hits"]} == {"GB/T 45565-2025", "G/TBT/N/CHN/94"}
    hs = client.get("/api/search", params={"hs": "8539"}).json()
    assert {h["code"] for h in hs["hits"]} == {"G/TBT/N/TPKM/388", "G/TBT/N/TPKM/406"}


def test_code_query_finds_the_record_first(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "GB 31241"}).json()
    assert [h["code"] for h in body["hits"][:2]] == ["GB 31241-2022", "GB 31241-2014"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"kind": "patent"}, "kind: unknown value"),
        ({"status": "alive"}, "status: unknown value"),
        ({"region": "mars"}, "region: unknown value"),
        ({"sort": "random"}, "sort"),
        ({"sort": ""}, "sort: empty value"),
        ({"page": 0}, "page"),
        ({"size": 1000}, "size"),
        ({"date_from": "2024-13-01"}, "date_from"),
        ({"date_from": ""}, "date_from: empty value"),
        ({"member": ""}, "member: empty value"),
        ({"ccs": "K823"}, "ccs"),
        ({"degree": "EQV"}, "degree: unknown value"),
        ({"family": "galaxy"}, "family: unknown value"),
        ({"open_for_comments": "maybe"}, "open_for_comments: unknown value"),
        ({"colour": "red"}, "colour: unknown parameter; accepted parameters are q, kind"),
        ({"date_to": "0"}, "date_to"),
        ({"ics": "abc"}, "ics"),
        ({"hs": "85x"}, "hs"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_bad_requests_are_4xx_with_a_message(client: TestClient, params: dict, fragment: str) -> None:
    response = client.get("/api/search", params=params)
    assert 400 <= response.status_code < 500
    assert fragment in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ccs": "K82"}, {"GB/T 45565-2025"}),
        ({"degree": "IDT", "family": "GB"}, {"GB 4706.17-2010", "GB 6675-1986"}),
        ({"family": "group", "q": "茶"}, None),
        ({"notification_type": "revision"}, {"G/TBT/N/CHN/327/Rev.1"}),
        ({"deadline_from": "2013-01-01", "deadline_to": "2013-12-31"}, None),
    ],
)
def test_issue11_filters_answer(client: TestClient, params: dict, expected: set[str] | None) -> None:
    """The parameters that answered 400 "unknown parameter" before issue 11 now filter."""
    body = client.get("/api/search", params={**params, "size": 100})
    assert body.status_code == 200, body.text
    codes = {h["code"] for h in body.json()["hits"]}
    assert codes and body.json()["total"] == len(codes)
    if expected is not None:
        assert codes == expected


def test_open_for_comments_is_a_filter(client: TestClient) -> None:
    closed = client.get("/api/search", params={"open_for_comments": "false", "size": 100}).json()
    opened = client.get("/api/search", params={"open_for_comments": "true", "size": 100}).json()
    notifications = client.get("/api/search", params={"kind": "tbt_notification", "size": 1}).json()
    assert closed["total"] > 0 and closed["total"] + opened["total"] < notifications["total"]
    assert all(h["deadline"] for h in closed["hits"])


@pytest.mark.parametrize("q", ['"', "*", "NEAR(", "((", "')--", "\x00", "𠀀", "%", "AND"])
def test_odd_input_never_500s(client: TestClient, q: str) -> None:
    assert client.get("/api/search", params={"q": q}).status_code == 200


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/api/search" in client.get("/openapi.json").json()["paths"]
