"""The whole path on each search backend: new notifications ingested -> matched -> outbox -> digest
delivered to a real SMTP server -> its one-click unsubscribe link works -> nothing more is sent, also after a
restart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from alerts.delivery import flush_outbox, make_digests
from alerts.services import Services
from api.main import create_app
from stdwatch.store.outbox import OutboxRepository
from tests.alerts.conftest import SmtpServer, add_org, add_recipient, add_subscription, make_settings, tbt
from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    if request.param == "sqlite":
        yield {}
        return
    yield {
        "search_backend": "elasticsearch",
        "es_url": request.getfixturevalue("es_url"),
        "es_index": f"test-pipeline-{tmp_path.name[-20:].lower()}",
    }


def _services(tmp_path: Path, smtp: SmtpServer, extra: dict[str, Any]) -> Services:
    url = f"sqlite:///{tmp_path / 'data' / 'stdwatch.sqlite3'}"
    return Services.from_settings(make_settings(tmp_path, url, smtp.port, **extra))


def test_ingest_to_inbox_then_unsubscribe(
    tmp_path: Path, smtp: SmtpServer, backend_settings: dict[str, Any]
) -> None:
    services = _services(tmp_path, smtp, backend_settings)
    try:
        engine = services.repo.engine
        sub = add_subscription(engine, add_org(engine), "锂电池", kind="search")
        add_recipient(engine, sub, "buyer@example.com")
        services.flow.ingest(
            [
                tbt(
                    "G/TBT/N/USA/2100",
                    "USA",
                    title="Lithium batteries",
                    title_zh="锂电池安全要求",
                    hs=["850760"],
                ),
                tbt("G/TBT/N/EU/1200", "EU", title="Toys safety", title_zh="玩具安全"),
            ]
        )
        now = datetime.now(UTC)
        assert [a.document_id for a in OutboxRepository(engine).alerts_of(sub)] == ["g-tbt-n-usa-2100"]
        assert make_digests(services, now) == 1
        assert flush_outbox(services, now).sent == 1
        [received] = smtp.messages
        text = received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "G/TBT/N/USA/2100" in text and "锂电池安全要求" in text and "G/TBT/N/EU/1200" not in text

        header = str(received.message["List-Unsubscribe"])
        link = re.fullmatch(r"<https?://[^/]+(/api/unsubscribe\?token=.+)>", header)
        assert link
        body_links = dict(re.findall(r"(查看详情|管理此订阅|退订): (\S+)", text))
        with TestClient(create_app(services.settings, services)) as client:
            # the links a reader clicks open web pages on this server (the manage page after signing in)
            page = client.get(urlsplit(body_links["查看详情"]).path)
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            assert "G/TBT/N/USA/2100" in page.text
            manage = client.get(urlsplit(body_links["管理此订阅"]).path, follow_redirects=False)
            assert manage.status_code == 303
            assert manage.headers["location"] == f"/signin?next=/subscriptions/{sub}"
            unsubscribe_page = urlsplit(body_links["退订"])
            shown = client.get(f"{unsubscribe_page.path}?{unsubscribe_page.query}")
            assert unsubscribe_page.path == "/unsubscribe" and shown.status_code == 200
            assert 'data-link-status="subscribed"' in shown.text  # a GET only shows; the button unsubscribes
            response = client.post(
                link.group(1),
                content="List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "unsubscribed"

        services.flow.ingest([tbt("G/TBT/N/USA/2101", "USA", title_zh="锂电池运输要求")])
        assert make_digests(services, datetime.now(UTC)) == 0
    finally:
        services.close()
    restarted = _services(tmp_path, smtp, backend_settings)
    try:
        assert make_digests(restarted, datetime.now(UTC)) == 0
        assert flush_outbox(restarted, datetime.now(UTC)).sent == 0
        assert len(smtp.messages) == 1
    finally:
        _drop(restarted)


def _drop(services: Services) -> None:
    drop = getattr(services.backend, "drop", None)
    if drop:
        drop()
    services.close()
