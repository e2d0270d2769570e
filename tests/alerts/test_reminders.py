"""Comment-deadline reminders for the notifications a subscription was alerted about."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from alerts.delivery import flush_outbox, make_digests
from alerts.reminders import queue_reminders
from alerts.services import Services
from stdwatch.records import Record
from stdwatch.store.outbox import NewAlert, OutboxRepository
from tests.alerts.conftest import SmtpServer, add_org, add_recipient, add_subscription, tbt

TODAY = date(2026, 3, 2)


def _notification(symbol: str, days: int | None) -> Record:
    deadline = (TODAY + timedelta(days=days)).isoformat() if days is not None else None
    return tbt(symbol, "USA", title=f"Notification {symbol}", comment_deadline=deadline)


def test_reminders_once_for_followed_notifications_closing_within_the_window(
    services: Services, smtp: SmtpServer
) -> None:
    engine = services.repo.engine
    services.repo.upsert_many(
        [
            _notification("G/TBT/N/USA/1", 7),
            _notification("G/TBT/N/USA/2", 20),
            _notification("G/TBT/N/USA/3", 3),
            _notification("G/TBT/N/USA/4", -1),
            _notification("G/TBT/N/USA/5", None),
            _notification("G/TBT/N/USA/6", 5),
        ]
    )
    org = add_org(engine)
    follows, other, paused = (
        add_subscription(engine, org, n, active=n != "paused") for n in ("follows", "other", "paused")
    )
    add_recipient(engine, follows, "f@example.com")
    outbox = OutboxRepository(engine)
    alerts = [NewAlert(follows, f"g-tbt-n-usa-{n}", 1, "new") for n in (1, 2, 3, 4, 5)]
    alerts += [NewAlert(paused, "g-tbt-n-usa-6", 1, "new"), NewAlert(other, "gb-t-1-2020", 1, "new")]
    outbox.add_alerts(alerts, now=datetime(2026, 2, 1, tzinfo=UTC))
    assert queue_reminders(services, TODAY) == 2  # 7 days (the setting) and 3 (fewer: the job missed days)
    assert queue_reminders(services, TODAY) == 0
    assert queue_reminders(services, TODAY + timedelta(days=1)) == 0  # once per deadline
    reminders = [a for a in outbox.alerts_of(follows) if a.reason == "deadline_reminder"]
    assert sorted((a.document_id, a.details["days_left"]) for a in reminders) == [
        ("g-tbt-n-usa-1", 7),
        ("g-tbt-n-usa-3", 3),
    ]

    make_digests(services, datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    flush_outbox(services, datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    body = smtp.messages[0].message.get_body(("plain",))
    text = body.get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    section = text.split("== 评议截止提醒 ==")[1]
    assert re.findall(r"^\* (\S+)", section, re.M) == ["G/TBT/N/USA/1", "G/TBT/N/USA/3"]
    assert "距评议截止还有 7 天" in section and "(!! 剩余 3 天)" in section


def test_a_moved_deadline_earns_a_new_reminder(services: Services, smtp: SmtpServer) -> None:
    engine = services.repo.engine
    services.repo.upsert_many([_notification("G/TBT/N/USA/1", 5)])
    sub = add_subscription(engine, add_org(engine), "s")
    OutboxRepository(engine).add_alerts([NewAlert(sub, "g-tbt-n-usa-1", 1, "new")])
    assert queue_reminders(services, TODAY) == 1
    services.repo.upsert_many([_notification("G/TBT/N/USA/1", 12)])  # an addendum extended the period
    assert queue_reminders(services, TODAY + timedelta(days=6)) == 1
    assert queue_reminders(services, TODAY + timedelta(days=7)) == 0


def test_an_addendum_extending_the_period_moves_the_reminder(services: Services, smtp: SmtpServer) -> None:
    engine = services.repo.engine
    base = _notification("G/TBT/N/USA/7", 3)  # the original deadline: inside the window today
    addendum = tbt(
        "G/TBT/N/USA/7/Add.1",
        "USA",
        title="Notification G/TBT/N/USA/7, Addendum 1: comment period extended",
        comment_deadline=(TODAY + timedelta(days=20)).isoformat(),
    )
    services.repo.upsert_many([base, addendum])
    sub = add_subscription(engine, add_org(engine), "follows base and addendum")
    add_recipient(engine, sub, "f@example.com")
    outbox = OutboxRepository(engine)
    outbox.add_alerts(
        [NewAlert(sub, "g-tbt-n-usa-7", 1, "new"), NewAlert(sub, addendum.id, 1, "new")],
        now=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert queue_reminders(services, TODAY) == 0  # the original date is no longer in force
    extended = TODAY + timedelta(days=13)  # 7 days (the setting) before the extended deadline
    assert queue_reminders(services, extended) == 1  # one for the chain, though two of its documents followed
    assert queue_reminders(services, extended) == 0
    assert queue_reminders(services, extended + timedelta(days=1)) == 0
    [reminder] = [a for a in outbox.alerts_of(sub) if a.reason == "deadline_reminder"]
    assert reminder.document_id == "g-tbt-n-usa-7"  # named by the base notification
    assert reminder.details == {
        "deadline": (TODAY + timedelta(days=20)).isoformat(),
        "days_left": 7,
        "deadline_from": "G/TBT/N/USA/7/Add.1",
    }

    moment = datetime(2026, 3, 15, 1, 0, tzinfo=UTC)
    make_digests(services, moment)
    flush_outbox(services, moment)
    texts = [m.message.get_body(("plain",)).get_content() for m in smtp.messages]  # type: ignore[union-attr]
    section = next(t for t in texts if "== 评议截止提醒 ==" in t).split("== 评议截止提醒 ==")[1]
    assert re.findall(r"^\* (\S+)", section.replace("\r\n", "\n"), re.M) == ["G/TBT/N/USA/7"]
    assert "距评议截止还有 7 天" in section
