"""Done when (issue 14): a curator creates a study for a real pair, imports items from a sheet with one bad row,
a second curator publishes it, a reader finds it through search and through the standard's page, and exports
it — on both search backends."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from stdwatch.accounts import Role
from tests.studies.conftest import HEADER, ROWS, XLSX_HEADERS, Headers, sheet, study_body


def _upload(data: bytes) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("items.xlsx", data, XLSX_HEADERS)}


def test_a_study_from_draft_to_a_reader(client: TestClient, keys: Callable[[Role], Headers]) -> None:
    author, reviewer = keys(Role.CURATOR), keys(Role.CURATOR)

    created = client.post("/api/studies", json=study_body(), headers=author)
    assert created.status_code == 201, created.text
    study = created.json()
    sid = study["id"]
    assert study["status"] == "draft"
    gb, cns = study["domestic"][0], study["counterparts"][0]
    assert (gb["code"], cns["code"]) == ("GB 6675.4-2014", "CNS 4797-3:2015")
    assert gb["document_id"] and cns["document_id"]  # both are records of the demo data

    imported = client.post(
        f"/api/studies/{sid}/items/import", files=_upload(sheet([HEADER, *ROWS])), headers=author
    )
    assert imported.status_code == 200, imported.text
    result = imported.json()
    assert result["imported"] == 3
    assert [r["row"] for r in result["rejected"]] == [4]
    assert "'mg/kg' (domestic) and 'V' (counterpart) cannot be compared" in result["rejected"][0]["reason"]
    items = result["study"]["items"]
    assert [i["indicator"] for i in items] == ["铅 Pb", "镉 Cd", "铬 Cr"]
    assert [i["counterparts"][0]["judgment"] for i in items] == ["equivalent", "looser", "equivalent"]
    assert result["study"]["summary"]["equivalent"] == 2 and result["study"]["summary"]["looser"] == 1

    anonymous_view = client.get(f"/api/studies/{sid}")
    assert anonymous_view.status_code == 404  # a draft is not shown to readers

    assert client.post(f"/api/studies/{sid}/submit", headers=author).status_code == 200
    refused = client.post(f"/api/studies/{sid}/publish", headers=author)
    assert refused.status_code == 403 and "other than" in refused.json()["message"]
    published = client.post(f"/api/studies/{sid}/publish", json={"note": "checked"}, headers=reviewer)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["published_by"] != published.json()["created_by"]

    # a reader (no key) finds it by words, in traditional characters too, and by the code in another spelling
    for q in ("玩具 迁移", "玩具 遷移", "GB6675.4—2014", "CNS 4797-3", "镉"):
        found = client.get("/api/studies", params={"q": q})
        assert found.status_code == 200, found.text
        assert [s["id"] for s in found.json()["studies"]] == [sid], q
    assert client.get("/api/studies", params={"q": "锂电池"}).json()["total"] == 0

    page = client.get(f"/api/documents/{gb['document_id']}")
    assert page.status_code == 200
    assert [(s["id"], s["side"], s["illustrative"]) for s in page.json()["studies"]] == [
        (sid, "domestic", True)
    ]
    counterpart_page = client.get(f"/api/documents/{cns['document_id']}").json()
    assert [(s["id"], s["side"]) for s in counterpart_page["studies"]] == [(sid, "counterpart")]

    exported = client.get(f"/api/studies/{sid}/export.xlsx")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    assert book.sheetnames == ["summary", "items"]
    facts = {r[0]: r[1] for r in book["summary"].iter_rows(values_only=True) if r and r[0]}
    assert facts["title"] == study_body()["title"] and facts["status"] == "published"
    assert "ILLUSTRATIVE" in facts
    assert book["items"].freeze_panes == "A2"
    assert [r[1] for r in book["items"].iter_rows(min_row=2, values_only=True)] == ["铅 Pb", "镉 Cd", "铬 Cr"]

    history = client.get(f"/api/studies/{sid}/history", headers=reviewer).json()
    assert [c["action"] for c in history] == ["create", "update", "submit", "publish"]
    assert history[-1]["note"] == "checked"
    assert len({history[0]["user_email"], history[-1]["user_email"]}) == 2
