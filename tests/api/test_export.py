"""GET /api/search/export as a client sees it: every hit of the result set, CSV (UTF-8 with BOM) or .xlsx."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.deps import Services
from search.export import BOM, COLUMNS

HEADER = [name for name, _ in COLUMNS]


def _all_ids(client: TestClient, params: dict[str, str]) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = client.get("/api/search", params={**params, "size": 100, "page": page}).json()
        ids += [h["id"] for h in body["hits"]]
        if len(ids) >= body["total"]:
            return ids
        page += 1


def _csv(client: TestClient, params: dict[str, str]) -> list[dict[str, str]]:
    response = client.get("/api/search/export", params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content.decode("utf-8")
    assert raw.startswith(BOM)
    reader = csv.DictReader(io.StringIO(raw[len(BOM) :]))
    assert reader.fieldnames == HEADER
    return list(reader)


def test_csv_holds_every_hit_in_search_order(client: TestClient) -> None:
    """More hits than the largest page (100): the export is the whole result set, not one page."""
    expected = _all_ids(client, {})
    assert len(expected) > 100
    rows = _csv(client, {})
    assert [r["id"] for r in rows] == expected


def test_csv_keeps_chinese_and_follows_the_filters(client: TestClient, services: Services) -> None:
    params = {"q": "锂电池", "kind": "standard"}
    rows = _csv(client, params)
    assert [r["id"] for r in rows] == _all_ids(client, params)
    assert any("锂" in r["title"] for r in rows)
    assert all(r["kind"] == "standard" for r in rows)
    # absolute links to the documents' web pages, under the public URL the alert emails use
    public = services.settings.public_url.rstrip("/")
    assert public.startswith("http")
    assert all(r["link"] == f"{public}/documents/{r['id']}" for r in rows)
    page = client.get(urlsplit(rows[0]["link"]).path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert rows[0]["code"] in page.text


def test_csv_shows_the_successor_and_tbt_columns(client: TestClient) -> None:
    rows = {r["id"]: r for r in _csv(client, {"q": "GB/T 24823"})}
    assert rows["gb-t-24823-2009"]["status"] == "withdrawn"
    tbt = {r["id"]: r for r in _csv(client, {"q": "G/TBT/N/HKG/44"})}
    assert tbt["g-tbt-n-hkg-44-add.1"]["notification_type"] == "addendum"
    assert tbt["g-tbt-n-hkg-44-add.1"]["comment_deadline"] == "2013-02-04"


def test_xlsx_has_a_frozen_header_widths_and_every_hit(client: TestClient) -> None:
    params = {"kind": "tbt_notification"}
    response = client.get("/api/search/export", params={**params, "format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == dict(COLUMNS)["title"]
    ids = [row[HEADER.index("id")] for row in values[1:]]
    assert ids == _all_ids(client, params)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"format": "pdf"}, "format"),
        ({"page": "2"}, "page: an export holds every hit"),
        ({"size": "10"}, "size"),
        ({"ccs": "K823"}, "ccs"),
        ({"colour": "red"}, "colour: unknown parameter"),
    ],
)
def test_bad_export_requests_are_4xx_with_a_message(client: TestClient, params: dict, fragment: str) -> None:
    response = client.get("/api/search/export", params=params)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_export_is_in_the_spec_with_its_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()["paths"]["/api/search/export"]["get"]
    names = {p["name"] for p in spec["parameters"]}
    assert {"format", "q", "ccs", "degree", "open_for_comments", "deadline_from"} <= names
    assert not names & {"page", "size"}
    assert {"200", "400", "503"} <= set(spec["responses"])
