"""The outbox's store, on SQLite and on the real PostgreSQL server: alert keys deduplicate (also under
concurrent writers), a digest's emails and its alerts' state commit together, an email is claimed once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from stdwatch.store.outbox import AlreadyDigested, NewAlert, NewEmail, OutboxRepository
from tests.alerts.conftest import add_org, add_subscription

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _email(sub: int, period: str) -> NewEmail:
    return NewEmail("digest", sub, None, "a@example.com", period, f"<{period}@example.org>", "s", "raw")


def test_duplicate_alert_keys_are_ignored(any_engine: Engine) -> None:
    outbox = OutboxRepository(any_engine)
    sub = add_subscription(any_engine, add_org(any_engine), "s")
    first = [
        NewAlert(sub, "g-tbt-n-usa-1", 1, "new", {"n": 1}),
        NewAlert(sub, "g-tbt-n-usa-2", 1, "new"),
        NewAlert(sub, "g-tbt-n-usa-1", 2, "changed"),
    ]
    assert outbox.add_alerts(first, now=NOW) == 3
    again = [
        *first,
        NewAlert(sub, "g-tbt-n-usa-1", 1, "new", {"n": 2}),  # same key, other details: ignored
        NewAlert(sub, "g-tbt-n-usa-1", 1, "deadline_reminder"),  # same version, other reason: new
        NewAlert(sub, "g-tbt-n-usa-3", 1, "new"),
        NewAlert(sub, "g-tbt-n-usa-3", 1, "new"),
    ]
    assert outbox.add_alerts(again, now=NOW) == 2
    stored = outbox.alerts_of(sub)
    assert len(stored) == 5
    kept = next(a for a in stored if (a.document_id, a.reason) == ("g-tbt-n-usa-1", "new"))
    assert kept.details == {"n": 1}
    assert all(a.created_at == NOW for a in stored)


def test_concurrent_matchers_add_each_alert_once(any_engine: Engine) -> None:
    outbox = OutboxRepository(any_engine)
    sub = add_subscription(any_engine, add_org(any_engine), "s")
    batches = [
        [NewAlert(sub, f"doc-{i}", 1, "new") for i in range(start, start + 300)] for start in (0, 150, 100)
    ]
    with ThreadPoolExecutor(3) as pool:
        added = list(pool.map(outbox.add_alerts, batches))
    assert sum(added) == 450 == len(outbox.alerts_of(sub))


def test_unknown_reason_is_refused_and_nothing_is_stored(any_engine: Engine) -> None:
    outbox = OutboxRepository(any_engine)
    sub = add_subscription(any_engine, add_org(any_engine), "s")
    with pytest.raises(ValueError, match="'liked' is not one of new, changed"):
        outbox.add_alerts([NewAlert(sub, "d", 1, "new"), NewAlert(sub, "d", 1, "liked")])
    assert outbox.alerts_of(sub) == []


def test_digest_emails_and_alert_state_commit_together(any_engine: Engine) -> None:
    outbox = OutboxRepository(any_engine)
    sub = add_subscription(any_engine, add_org(any_engine), "s")
    outbox.add_alerts([NewAlert(sub, "d1", 1, "new"), NewAlert(sub, "d2", 1, "new")], now=NOW)
    ids = [a.id for a in outbox.pending_alerts()]
    outbox.record_digest([_email(sub, "immediate:2")], ids, NOW)
    assert outbox.pending_alerts() == []
    # a second maker that read the same alerts before they were marked: rolled back, no second email
    with pytest.raises(AlreadyDigested):
        outbox.record_digest([_email(sub, "immediate:2-again")], ids, NOW)
    assert [e.period_key for e in outbox.emails()] == ["immediate:2"]


def test_an_email_is_claimed_once_and_leased(any_engine: Engine) -> None:
    outbox = OutboxRepository(any_engine)
    sub = add_subscription(any_engine, add_org(any_engine), "s")
    outbox.record_digest([_email(sub, "immediate:1")], [], NOW)
    [email] = outbox.due_emails(NOW, 10)
    assert (email.status, email.attempts, email.next_attempt_at) == ("pending", 0, NOW)
    assert outbox.claim(email, NOW, NOW + timedelta(minutes=5))
    assert not outbox.claim(email, NOW, NOW + timedelta(minutes=5))  # the same snapshot cannot claim twice
    assert outbox.due_emails(NOW + timedelta(minutes=4), 10) == []  # its sender may still be at work
    [leased] = outbox.due_emails(NOW + timedelta(minutes=5), 10)  # lease over: its sender died
    assert (leased.status, leased.attempts) == ("sending", 1)
    assert outbox.claim(leased, NOW, NOW + timedelta(minutes=10))
    outbox.mark_sent(leased.id, NOW)
    assert outbox.email(leased.id).status == "sent"  # type: ignore[union-attr]
    assert outbox.status_counts() == {"sent": 1}
