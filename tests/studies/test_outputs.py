"""What readers take away from a published study: the printable report, a product benchmarked against it
(nothing stored), counterpart suggestions, and the demo dataset's illustrative study."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.deps import Services
from api.studies.demo import load_demo_studies
from stdwatch.accounts import Role
from stdwatch.store.studies import StudyRepository
from tests.studies.conftest import XLSX_HEADERS, Headers, sheet


@pytest.fixture
def demo_study(api: TestClient, sqlite_services: Services) -> int:
    assert load_demo_studies(sqlite_services) == 1
    assert load_demo_studies(sqlite_services) == 0  # loading again adds nothing
    found = api.get("/api/studies").json()["studies"]
    assert len(found) == 1
    return int(found[0]["id"])


def test_the_demo_study_is_published_illustrative_and_linked(api: TestClient, demo_study: int) -> None:
    study = api.get(f"/api/studies/{demo_study}").json()
    assert study["status"] == "published" and study["illustrative"]
    assert "ILLUSTRATIVE" in study["title"] and "ILLUSTRATIVE" in study["purpose"]
    assert study["domestic"][0]["document_id"]  # GB 6675.4-2014 is in the demo records
    assert study["counterparts"][1] == {
        "code": "EN 71-3:2019",
        "document_id": None,
        "title": None,
        "status": None,
    }
    by_indicator = {i["indicator"]: i["counterparts"] for i in study["items"]}
    assert by_indicator["Pb 铅"][1]["judgment"] == "looser"  # 90 mg/kg against 23 mg/kg
    assert by_indicator["Pb 铅"][0]["judgment"] == "equivalent"  # 90 mg/kg against 90 000 µg/kg
    chromium = by_indicator["Cr 铬"][1]
    assert (chromium["computed"], chromium["judgment"], chromium["overridden"]) == (
        "stricter",
        "different_approach",
        True,
    )
    assert "Cr(VI)" in chromium["reason"]
    assert sum(study["summary"].values()) == 2 * len(study["items"]) and study["summary"]["unjudged"] == 0


def test_the_report_as_html_and_markdown(api: TestClient, demo_study: int) -> None:
    html = api.get(f"/api/studies/{demo_study}/report")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<strong>ILLUSTRATIVE</strong>" in html.text and "<h2>Summary</h2>" in html.text
    assert "@media print" in html.text
    md = api.get(f"/api/studies/{demo_study}/report", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    lines = md.text.splitlines()
    summary_at = lines.index("## Summary")
    assert lines[summary_at + 2] == "| Judgment | CNS 4797-3:2015 | EN 71-3:2019 | Total |"
    assert "| looser | 0 | 3 | 3 |" in lines
    assert any(line.startswith("| 5 | 4.1 | Pb 铅 | ≤ 90 mg/kg") and "| looser |" in line for line in lines)


def test_a_product_benchmarked_against_the_study(
    api: TestClient, demo_study: int, sqlite_services: Services
) -> None:
    upload = sheet(
        [
            ["指标", "数值", "单位"],
            ["Pb 铅", 50, "mg/kg"],  # within the domestic 90, above the EN 71-3 23
            ["Cd 镉", 10000, "µg/kg"],  # 10 mg/kg: meets all three
            ["Hg 汞", 1, "V"],  # a unit that cannot be compared
            ["Zn 锌", 1, "mg/kg"],  # not in the study
            ["Se 硒", "n/a", "mg/kg"],
        ],
        title="product",
    )
    before = StudyRepository(sqlite_services.repo.engine).history(demo_study)
    answer = api.post(
        f"/api/studies/{demo_study}/benchmark", files={"file": ("p.xlsx", upload, XLSX_HEADERS)}
    )
    assert answer.status_code == 200, answer.text
    rows = list(load_workbook(io.BytesIO(answer.content))["benchmark"].iter_rows(values_only=True))
    header, lines = rows[0], {r[1]: r for r in rows[1:]}
    assert header[5:7] == ("GB 6675.4-2014 requirement", "GB 6675.4-2014 result")
    assert [lines["Pb 铅"][i] for i in (6, 8, 10)] == ["meets", "meets", "does not meet"]
    assert [lines["Cd 镉"][i] for i in (6, 8, 10)] == ["meets", "meets", "meets"]
    assert "cannot be compared" in lines["Hg 汞"][6]
    assert lines["Zn 锌"][-1] == "no item of the study has this indicator"
    assert lines["Se 硒"][-1] == "value: 'n/a' is not a number"
    assert StudyRepository(sqlite_services.repo.engine).history(demo_study) == before  # nothing stored
    refused = api.post(f"/api/studies/{demo_study}/benchmark", files={"file": ("p.xlsx", b"x", XLSX_HEADERS)})
    assert refused.status_code == 422 and "not a readable .xlsx" in refused.json()["message"]


def test_benchmarking_needs_a_published_study(api: TestClient, api_keys: Callable[[Role], Headers]) -> None:
    from tests.studies.conftest import study_body

    curator = api_keys(Role.CURATOR)
    sid = api.post("/api/studies", json=study_body(), headers=curator).json()["id"]
    upload = sheet([["indicator", "value", "unit"], ["Pb", 1, "mg/kg"]])
    answer = api.post(f"/api/studies/{sid}/benchmark", files={"file": ("p.xlsx", upload, XLSX_HEADERS)})
    assert answer.status_code == 404  # a draft does not exist for the public


def test_counterpart_suggestions_give_their_reasons(api: TestClient) -> None:
    adopted = api.get("/api/studies/suggestions", params={"document": "GB/T 148-1997"}).json()
    assert adopted[0]["code"] == "ISO 216:1975" and "adopts ISO 216:1975 (NEQ)" in adopted[0]["reason"]
    assert any(s["code"] == "CNS 5" and "also adopts ISO 216" in s["reason"] for s in adopted)
    similar = api.get("/api/studies/suggestions", params={"document": "GB 6675-1986"}).json()
    assert similar[0]["code"] == "EN 71" and similar[0]["document_id"] is None
    cns = next(s for s in similar if s["code"] == "CNS 4797")
    assert cns["region"] == "tw" and "shared words 安全, 玩具" in cns["reason"]
    missing = api.get("/api/studies/suggestions", params={"document": "GB 99999-2099"})
    assert missing.status_code == 404
