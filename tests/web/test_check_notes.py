"""The /check page says its notes in the reader's language; the JSON API and the report files keep the
English notes that programs may compare."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.deps import Services
from stdwatch.records import record_from_json
from tests.accounts.conftest import app_settings, client, services

__all__ = ["app_settings", "client", "services"]

LIST = b"code\nGB/T 100-2010\nGB/T 99999-2099\nGB 101-2001\n"


def _store(services: Services) -> None:
    services.repo.upsert_many(
        [
            record_from_json(r)
            for r in (
                {
                    "kind": "standard",
                    "code": "GB/T 100-2010",
                    "status": "withdrawn",
                    "withdrawn": "2020-06-01",
                },
                {"kind": "standard", "code": "GB/T 100-2020", "status": "current", "effective": "2020-06-01"},
                {"kind": "standard", "code": "GB 101-2001"},  # no status, no dates
            )
        ]
    )


def _notes(client: TestClient, lang: str) -> list[str]:
    page = client.get(f"/check?lang={lang}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = client.post(
        f"/check?lang={lang}",
        data={"csrf_token": token.group(1), "profile": "generic"},
        files={"file": ("list.csv", LIST)},
    )
    assert answer.status_code == 200, answer.text
    return re.findall(r'<td data-label="(?:说明|Note)">([^<]*)</td>', answer.text)


def test_check_notes_are_chinese_on_chinese_pages(client: TestClient, services: Services) -> None:
    _store(services)
    assert _notes(client, "zh") == [
        "已有新版本代替",
        "数据库中没有此标准的记录",
        "已找到，但没有来源说明其状态，也没有可据以推算的日期",
    ]
    assert _notes(client, "en") == [
        "superseded by a newer edition",
        "no record of this standard in the database",
        "found, but no source states its status and it has no dates to work it out from",
    ]
    api = client.post("/api/check", files={"file": ("list.csv", LIST)}, data={"profile": "generic"})
    assert api.status_code == 200, api.text
    notes = re.findall(r'"note":\s*"([^"]*)"', api.text)
    assert notes[:2] == ["superseded by a newer edition", "no record of this standard in the database"]


def test_a_newer_edition_note_keeps_its_codes(client: TestClient, services: Services) -> None:
    services.repo.upsert_many(
        [
            record_from_json({"kind": "standard", "code": c, "status": "current"})
            for c in ("GB/T 200-2015", "GB/T 200-2024")
        ]
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/check").text)
    assert token
    answer = client.post(
        "/check",
        data={"csrf_token": token.group(1), "profile": "generic"},
        files={"file": ("list.csv", b"code\nGB/T 200-2015\n")},
    )
    assert re.findall(r'<td data-label="说明">([^<]*)</td>', answer.text) == ["已有更新的版本：GB/T 200-2024"]
