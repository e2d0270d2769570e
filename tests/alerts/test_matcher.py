"""The alert matcher: subscriptions mean what search means, on every backend; changes alert once and only when
something a subscriber sees changed; watch lists follow editions, withdrawals, replacements and effective dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from alerts.matcher import AlertMatcher
from alerts.services import Services
from config.settings import Settings
from search.documents import index_document, search_document
from search.params import query_from_params
from search.plan import compile_query
from stdwatch.records import record_from_json, to_json
from stdwatch.store.account_models import Organization, Subscription
from stdwatch.store.outbox_models import Alert
from tests.conftest import BACKENDS, demo_records

NOW = datetime.now(UTC)
SEARCHES = [
    {"q": "锂电池"},
    {"q": "toys"},
    {"q": "电动自行车 安全"},
    {"kind": ["tbt_notification"], "hs": ["85"]},
    {"q": "标准", "region": ["tw"]},
    {"member": ["USA"]},
    {"q": "GB/T 24823"},
    # the filters of issue 11: single- and multi-valued equality, CCS prefix, notification type
    {"family": ["industry"], "q": "茶"},
    {"degree": ["IDT"]},
    {"ccs": ["K"]},
    {"notification_type": ["addendum"]},
]


@pytest.fixture(params=BACKENDS)
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    extra: dict[str, Any] = {}
    if request.param == "elasticsearch":
        extra = {
            "search_backend": "elasticsearch",
            "es_url": request.getfixturevalue("es_url"),
            "es_index": f"test-matcher-{tmp_path.name[-20:].lower()}",
        }
    built = Services.from_settings(Settings(data_dir=tmp_path / "data", **extra))
    yield built
    drop = getattr(built.backend, "drop", None)
    if drop:
        drop()
    built.close()


def add_subscription(
    services: Services, kind: str, created_at: datetime = NOW - timedelta(minutes=1), **fields: Any
) -> int:
    with services.repo.engine.begin() as conn:
        org = conn.execute(
            select(Organization.__table__.c.id).where(Organization.__table__.c.name == "Acme")
        ).scalar()
        if org is None:
            org = conn.execute(
                insert(Organization.__table__).values(name="Acme", timezone="Asia/Shanghai", created_at=NOW)
            ).inserted_primary_key[0]
        values = {
            "organization_id": org,
            "name": f"{kind} subscription",
            "kind": kind,
            "query": {},
            "codes": [],
            "frequency": "daily",
            "language": "zh",
            "active": True,
            "created_at": created_at,
            "updated_at": created_at,
            **fields,
        }
        return int(conn.execute(insert(Subscription.__table__).values(**values)).inserted_primary_key[0])


def alerts(services: Services, subscription_id: int | None = None) -> list[tuple[int, str, int, str, dict]]:
    table = Alert.__table__
    query = select(
        table.c.subscription_id, table.c.document_id, table.c.version, table.c.reason, table.c.details
    )
    if subscription_id is not None:
        query = query.where(table.c.subscription_id == subscription_id)
    with services.repo.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query.order_by(table.c.id))]  # type: ignore[misc]


def test_saved_searches_alert_on_exactly_what_the_search_finds(services: Services) -> None:
    ids = {i: add_subscription(services, "search", query=q) for i, q in enumerate(SEARCHES)}
    records = demo_records()
    services.flow.ingest(records)  # store -> index -> matcher (the flow's listener)
    analyzer = services.flow.listeners[0].analyzer  # type: ignore[attr-defined]
    docs = [index_document(search_document(to_json(r)), analyzer) for r in records]
    for i, params in enumerate(SEARCHES):
        matched = {doc_id for _, doc_id, _, reason, _ in alerts(services, ids[i]) if reason == "new"}
        plan = compile_query(query_from_params(params), analyzer)
        assert matched == {d.document.id for d in docs if plan.matches(d)}, params
        # Cross-check: the same saved search run by the backend over the new documents finds the same.
        query = query_from_params({**params, "size": "100"})
        found: set[str] = set()
        page = 1
        while True:
            result = services.backend.search(query_from_params({**params, "size": "100", "page": str(page)}))
            found |= {h.id for h in result.hits}
            if page * query.size >= result.total:
                break
            page += 1
        assert matched == found, params
    assert any(alerts(services, ids[0])), "the corpus must give the first search something to match"


def test_nothing_is_alerted_twice_and_invisible_changes_alert_nobody(services: Services) -> None:
    sub = add_subscription(services, "search", query={"q": "锂电池"})
    record = {
        "code": "GB 43854-2024",
        "title_zh": "电动自行车用锂离子蓄电池安全技术规范",
        "status": "upcoming",
        "source_url": "https://example.org/a",
    }
    services.flow.ingest([record_from_json(record)])
    assert [(a[1], a[2], a[3]) for a in alerts(services, sub)] == [("gb-43854-2024", 1, "new")]
    services.flow.ingest([record_from_json(record)])  # a re-crawl that changed nothing
    services.flow.listeners[0].catch_up()  # type: ignore[attr-defined]
    services.flow.ingest([record_from_json({**record, "source_url": "https://example.org/b"})])  # not visible
    assert len(alerts(services, sub)) == 1
    services.flow.ingest(
        [record_from_json({**record, "source_url": "https://example.org/b", "status": "current"})]
    )
    changed = alerts(services, sub)[-1]
    assert changed[2:4] == (3, "changed") and changed[4]["fields"] == ["status"]


def test_history_before_a_subscription_never_alerts_it(services: Services) -> None:
    services.flow.ingest(demo_records()[:30])
    sub = add_subscription(services, "search", created_at=datetime.now(UTC), query={"q": "标准"})
    services.flow.ingest(demo_records()[:30])
    services.flow.listeners[0].catch_up()  # type: ignore[attr-defined]
    assert alerts(services, sub) == []


def test_watch_lists_follow_editions_withdrawals_replacements_and_effective_dates(services: Services) -> None:
    sub = add_subscription(services, "watchlist", codes=["GB/T 24823-2017", "G/TBT/N/USA/2100"])
    old = {"code": "GB/T 24823-2017", "title_zh": "普通照明用LED模块 性能要求", "status": "current"}
    services.flow.ingest([record_from_json(old)])
    services.flow.ingest([record_from_json({"symbol": "G/TBT/N/USA/2100", "title": "Lithium batteries"})])
    assert alerts(services, sub) == []  # the watched edition or symbol itself arriving is no event
    services.flow.ingest(
        [
            record_from_json(
                {"code": "GB/T 24823-2024", "title_zh": "普通照明用LED模块 性能要求", "status": "upcoming"}
            )
        ]
    )
    services.flow.ingest(
        [record_from_json({**old, "status": "replaced", "replaced_by": ["GB/T 24823-2024"]})]
    )
    services.flow.ingest([record_from_json({"symbol": "G/TBT/N/USA/2100/Add.1", "title": "Addendum"})])
    got = [(a[1], a[3]) for a in alerts(services, sub)]
    assert got == [
        ("gb-t-24823-2024", "new_edition"),
        ("gb-t-24823-2017", "replaced"),
        ("g-tbt-n-usa-2100-add.1", "new_edition"),
    ]
    assert alerts(services, sub)[1][4]["replaced_by"] == ["GB/T 24823-2024"]


def test_watch_lists_see_withdrawal_and_entry_into_force(services: Services) -> None:
    sub = add_subscription(services, "watchlist", codes=["GB 43854"])
    record = {
        "code": "GB 43854-2024",
        "title_zh": "电动自行车用锂离子蓄电池安全技术规范",
        "status": "upcoming",
    }
    services.flow.ingest([record_from_json(record)])
    services.flow.ingest([record_from_json({**record, "status": "current"})])
    services.flow.ingest([record_from_json({**record, "status": "withdrawn"})])
    assert [a[3] for a in alerts(services, sub)] == ["new_edition", "effective", "withdrawn"]


def test_a_successor_that_says_it_replaces_a_watched_standard_alerts_replaced(services: Services) -> None:
    sub = add_subscription(services, "watchlist", codes=["GB/T 24823-2017"])
    old = {"code": "GB/T 24823-2017", "title_zh": "普通照明用LED模块 性能要求", "effective": "2017-12-01"}
    services.flow.ingest([record_from_json(old)])
    new = {"code": "GB/T 24823-2024", "title_zh": "普通照明用LED模块 性能要求", "effective": "2024-06-01"}
    services.flow.ingest([record_from_json({**new, "replaces": ["GB/T 24823-2017"]})])
    got = [(a[1], a[3]) for a in alerts(services, sub)]
    assert got == [("gb-t-24823-2024", "new_edition"), ("gb-t-24823-2017", "replaced")]


def test_profiles_match_their_hs_ics_and_keywords(services: Services) -> None:
    sub = add_subscription(services, "profile", profile="lithium_batteries")
    services.flow.ingest(
        [
            record_from_json({"symbol": "G/TBT/N/SGP/99", "title": "Portable chargers", "hs": ["850760"]}),
            record_from_json({"symbol": "G/TBT/N/SGP/98", "title": "Toys", "description": "Safety of toys."}),
            record_from_json({"code": "GB/T 45565-2025", "title_zh": "锂离子电池编码规则"}),
        ]
    )
    assert {a[1] for a in alerts(services, sub)} == {"g-tbt-n-sgp-99", "gb-t-45565-2025"}


def test_catch_up_finds_what_a_crashed_listener_missed(services: Services) -> None:
    sub = add_subscription(services, "search", query={"q": "锂电池"})
    matcher = services.flow.listeners.pop()
    assert isinstance(matcher, AlertMatcher)
    matcher.catch_up()  # the cursor starts where the store is now
    services.flow.ingest(demo_records())  # nobody listening: as if the process died after indexing
    assert alerts(services, sub) == []
    created = matcher.catch_up()
    assert created == len(alerts(services, sub)) > 0
    assert matcher.catch_up() == 0
