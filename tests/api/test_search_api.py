"""GET /api/search as a client sees it."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.search.schemas import HitOut, SearchOut, search_json
from search.query import SearchHit, SearchQuery, SearchResult


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


def test_answers_are_exactly_the_declared_search_out(client: TestClient) -> None:
    """The answer is encoded from the backend's hits directly (api.search.schemas.search_json), not through
    HitOut: it must stay byte for byte what validating it as SearchOut and encoding that gives, for hits that
    carry the optional fields (translations, deadlines, undated)."""
    queries: list[dict[str, str | int]] = [
        {"q": "锂电池"},
        {"q": "GB 31241"},
        {"q": "textiles"},
        {"status": "replaced,withdrawn", "size": 100},
        {"kind": "tbt_notification", "sort": "newest", "size": 100},
        {"q": "玩具", "page": 2, "size": 3},
    ]
    seen: set[str] = set()
    for params in queries:
        response = client.get("/api/search", params=params)
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        answer = SearchOut.model_validate_json(response.content)
        assert answer.model_dump_json().encode() == response.content
        assert (answer.page, answer.size) == (params.get("page", 1), params.get("size", 20))
        for hit in answer.hits:
            seen.update(name for name in ("matched_via", "deadline") if getattr(hit, name))
            seen.update(["undated"] if hit.date is None else [])
    assert seen == {"matched_via", "deadline", "undated"}


def test_search_json_is_search_out_with_every_field_set() -> None:
    """Every field of a hit, successors included (no demo hit lists them), encodes as SearchOut does."""
    assert list(HitOut.model_fields) == [f.name for f in dataclasses.fields(SearchHit)]
    hit = SearchHit(
        id="gb-1-2000",
        kind="standard",
        code="GB 1-2000",
        title='標準 "quoted" <b>',
        highlight={"title": "<mark>標準</mark>"},
        date=date(2000, 1, 2),
        status="replaced",
        region="cn",
        member=None,
        replaced_by=("GB 1-2010", "GB 1.2-2010"),
        deadline=date(2000, 3, 4),
        notification_type="regular",
        matched_via=("标准 -> standard",),
    )
    result = SearchResult(12_000, [hit], {"kind": {"standard": 1}}, partial=True, total_is_lower_bound=True)
    query = SearchQuery(text="标准", page=3, size=7)
    expected = SearchOut(
        total=12_000,
        total_is_lower_bound=True,
        page=3,
        size=7,
        hits=[HitOut.model_validate(hit, from_attributes=True)],
        facets={"kind": {"standard": 1}},
        partial=True,
    )
    assert search_json(result, query) == expected.model_dump_json().encode()
