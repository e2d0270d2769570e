"""Who may do what with a study, and how bad input is answered (the embedded backend: no search is involved)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from stdwatch.accounts import Role
from tests.studies.conftest import Headers, study_body

PB = {
    "clause": "4.2",
    "indicator": "Pb",
    "domestic": {"kind": "upper_limit", "value": 90, "unit": "mg/kg"},
    "counterparts": [{"requirement": {"kind": "upper_limit", "value": 100, "unit": "mg/kg"}}],
}


def _create(api: TestClient, headers: Headers, **extra: Any) -> dict[str, Any]:
    made = api.post("/api/studies", json=study_body(items=[PB], **extra), headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def test_only_curators_write(api: TestClient, api_keys: Callable[[Role], Headers]) -> None:
    assert api.post("/api/studies", json=study_body()).status_code == 401
    for role in (Role.READER, Role.SUBSCRIBER):
        refused = api.post("/api/studies", json=study_body(), headers=api_keys(role))
        assert refused.status_code == 403 and "curator" in refused.json()["message"]
    assert api.post("/api/studies", json=study_body(), headers=api_keys(Role.ADMIN)).status_code == 201


def test_the_computed_judgment_and_an_override_with_its_reason(
    api: TestClient, api_keys: Callable[[Role], Headers]
) -> None:
    curator = api_keys(Role.CURATOR)
    study = _create(api, curator)
    cell = study["items"][0]["counterparts"][0]
    assert (cell["computed"], cell["judgment"], cell["overridden"]) == ("stricter", "stricter", False)
    no_reason = {**PB, "counterparts": [{**PB["counterparts"][0], "judgment": "equivalent"}]}
    refused = api.patch(f"/api/studies/{study['id']}", json={"items": [no_reason]}, headers=curator)
    assert refused.status_code == 422
    assert refused.json()["message"].startswith(
        "items[0].counterparts[0].reason: the computed judgment is stricter"
    )
    with_reason = {
        **PB,
        "counterparts": [{**PB["counterparts"][0], "judgment": "equivalent", "reason": "same test"}],
    }
    kept = api.patch(f"/api/studies/{study['id']}", json={"items": [with_reason]}, headers=curator).json()
    cell = kept["items"][0]["counterparts"][0]
    assert (cell["computed"], cell["judgment"], cell["overridden"], cell["reason"]) == (
        "stricter",
        "equivalent",
        True,
        "same test",
    )


def test_bad_content_is_a_422_naming_the_field(api: TestClient, api_keys: Callable[[Role], Headers]) -> None:
    curator = api_keys(Role.CURATOR)
    volts = {**PB, "counterparts": [{"requirement": {"kind": "upper_limit", "value": 1, "unit": "V"}}]}
    cases = [
        (study_body(domestic=["not a code"]), "domestic[0]:"),
        (study_body(counterparts=["GB 6675.4-2014"]), "compared with itself"),
        (study_body(items=[volts]), "items[0]: item 1, CNS 4797-3:2015: units 'mg/kg' (domestic) and 'V'"),
        (study_body(items=[{**PB, "counterparts": []}]), "items[0].counterparts: has 0 entries"),
        (study_body(items=[{**PB, "domestic": {"kind": "range", "value": 1}}]), "needs value_max"),
    ]
    for body, message in cases:
        answer = api.post("/api/studies", json=body, headers=curator)
        assert answer.status_code == 422, body
        assert message in answer.json()["message"], answer.json()


def test_the_workflow_rules(api: TestClient, api_keys: Callable[[Role], Headers]) -> None:
    author, other, admin, reader = (
        api_keys(r) for r in (Role.CURATOR, Role.CURATOR, Role.ADMIN, Role.READER)
    )
    sid = _create(api, author)["id"]
    assert api.post(f"/api/studies/{sid}/publish", headers=other).status_code == 403  # not in review yet
    assert api.post(f"/api/studies/{sid}/submit", headers=reader).status_code == 403
    assert api.post(f"/api/studies/{sid}/submit", headers=other).status_code == 200
    # the one who sent it to review may not publish it either
    assert api.post(f"/api/studies/{sid}/publish", headers=other).status_code == 403
    returned = api.post(f"/api/studies/{sid}/return", json={"note": "cite the clause"}, headers=author)
    assert returned.json()["status"] == "draft"
    assert api.post(f"/api/studies/{sid}/submit", headers=author).status_code == 200
    assert api.post(f"/api/studies/{sid}/publish", headers=other).status_code == 200
    assert api.patch(f"/api/studies/{sid}", json={"title": "x"}, headers=author).status_code == 403
    assert api.delete(f"/api/studies/{sid}", headers=author).status_code == 409
    assert api.post(f"/api/studies/{sid}/withdraw", headers=author).json()["status"] == "withdrawn"
    assert api.get(f"/api/studies/{sid}").json()["status"] == "withdrawn"  # still readable, marked
    own = _create(api, admin)["id"]  # an admin may publish even what they wrote
    assert api.post(f"/api/studies/{own}/submit", headers=admin).status_code == 200
    assert api.post(f"/api/studies/{own}/publish", headers=admin).status_code == 200
    actions = [c["action"] for c in api.get(f"/api/studies/{sid}/history", headers=other).json()]
    assert actions == ["create", "submit", "return", "submit", "publish", "withdraw"]


def test_text_items_are_judged_before_publishing(
    api: TestClient, api_keys: Callable[[Role], Headers]
) -> None:
    author, other = api_keys(Role.CURATOR), api_keys(Role.CURATOR)
    text = {
        "indicator": "Warning",
        "domestic": {"text": "中文警示语"},
        "counterparts": [{"requirement": {"text": "x"}}],
    }
    sid = _create(api, author)["id"]
    api.patch(f"/api/studies/{sid}", json={"items": [PB, text]}, headers=author)
    api.post(f"/api/studies/{sid}/submit", headers=author)
    refused = api.post(f"/api/studies/{sid}/publish", headers=other)
    assert refused.status_code == 409 and "judge the text items" in refused.json()["message"]
    judged = {**text, "counterparts": [{"requirement": {"text": "x"}, "judgment": "different_approach"}]}
    assert api.patch(f"/api/studies/{sid}", json={"items": [PB, judged]}, headers=other).status_code == 200
    assert api.post(f"/api/studies/{sid}/publish", headers=other).status_code == 200


def test_drafts_are_for_curators_only(api: TestClient, api_keys: Callable[[Role], Headers]) -> None:
    curator, reader = api_keys(Role.CURATOR), api_keys(Role.READER)
    sid = _create(api, curator)["id"]
    assert api.get(f"/api/studies/{sid}", headers=reader).status_code == 404
    assert api.get(f"/api/studies/{sid}", headers=curator).status_code == 200
    assert api.get("/api/studies", params={"status": "draft"}, headers=reader).status_code == 403
    listed = api.get("/api/studies", params={"status": "draft"}, headers=curator).json()
    assert [s["id"] for s in listed["studies"]] == [sid]
    assert api.get("/api/studies").json()["total"] == 0
    assert api.get("/api/studies", params={"sort": "x"}).status_code == 400
    assert api.delete(f"/api/studies/{sid}", headers=curator).status_code == 204
    assert api.get(f"/api/studies/{sid}", headers=curator).status_code == 404


def test_a_patch_changes_only_what_it_names(api: TestClient, api_keys: Callable[[Role], Headers]) -> None:
    curator = api_keys(Role.CURATOR)
    study = _create(api, curator, scope="toy materials", authors=["王芳"])
    changed = api.patch(
        f"/api/studies/{study['id']}",
        json={"scope": None, "degree": None, "conclusion": "c"},
        headers=curator,
    ).json()
    assert (changed["scope"], changed["degree"], changed["conclusion"]) == ("", None, "c")
    assert changed["authors"] == ["王芳"] and changed["items"] == study["items"]
    assert changed["revision"] == study["revision"] + 1
    refused = api.patch(f"/api/studies/{study['id']}", json={"title": None}, headers=curator)
    assert refused.status_code == 422 and refused.json()["message"] == "title: cannot be null"
    empty = {"indicator": "nothing", "counterparts": [{"requirement": None}]}
    refused = api.patch(f"/api/studies/{study['id']}", json={"items": [empty]}, headers=curator)
    assert (
        refused.status_code == 422 and "items[0]: neither the domestic standard" in refused.json()["message"]
    )
