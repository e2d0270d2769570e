"""All SQL of the alert outbox: alert rows (deduplicated by their key), the subscriptions and addresses
they go to, and the rendered emails with their delivery state.

Times are stored in UTC; SQLite hands them back without a zone, so every read goes through `_utc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Insert, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from stdwatch.store.account_models import Organization, Subscription, SubscriptionRecipient
from stdwatch.store.outbox_models import Alert, OutgoingEmail

_ALERTS = cast(Table, Alert.__table__)
_EMAILS = cast(Table, OutgoingEmail.__table__)
_SUBS = cast(Table, Subscription.__table__)
_ORGS = cast(Table, Organization.__table__)
_RCPTS = cast(Table, SubscriptionRecipient.__table__)
_CHUNK = 500

REASONS = ("new", "changed", "new_edition", "withdrawn", "replaced", "effective", "deadline_reminder")


class EmailStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AlreadyDigested(RuntimeError):
    """Another process digested some of these alerts first; this transaction was rolled back."""


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(slots=True)
class NewAlert:
    """What the matcher (or the reminder job) found: one subscription, one document version, one reason.

    Not frozen: a busy matching run builds hundreds of thousands of these, and a frozen dataclass's __init__
    (object.__setattr__ per field) took over half of the matcher's time in bench/bench_alerts.py."""

    subscription_id: int
    document_id: str
    version: int
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, int, str]:
        return (self.subscription_id, self.document_id, self.version, self.reason)


@dataclass(frozen=True)
class PendingAlert:
    id: int
    subscription_id: int
    document_id: str
    version: int
    reason: str
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class SubscriptionInfo:
    id: int
    organization_id: int
    name: str
    kind: str
    frequency: str
    language: str
    active: bool
    timezone: str


@dataclass(frozen=True)
class Recipient:
    id: int
    subscription_id: int
    email: str
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None

    @property
    def deliverable(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def awaiting_confirmation(self) -> bool:
        return self.confirmed_at is None and self.unsubscribed_at is None


@dataclass(frozen=True)
class NewEmail:
    kind: str
    subscription_id: int | None
    recipient_id: int | None
    recipient: str
    period_key: str
    message_id: str
    subject: str
    raw: str


@dataclass(frozen=True)
class EmailRow:
    id: int
    kind: str
    subscription_id: int | None
    recipient_id: int | None
    recipient: str
    period_key: str
    message_id: str
    subject: str
    raw: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _email_row(row: Any) -> EmailRow:
    return EmailRow(
        row.id,
        row.kind,
        row.subscription_id,
        row.recipient_id,
        row.recipient,
        row.period_key,
        row.message_id,
        row.subject,
        row.raw,
        row.status,
        row.attempts,
        _utc(row.next_attempt_at),
        row.last_error,
        _utc(row.created_at),
        _utc_or_none(row.sent_at),
    )


class OutboxRepository:
    """The outbox's only gateway: the matcher adds alerts, delivery turns them into emails and sends them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------------------------------ alerts
    def _insert_ignoring_duplicates(self) -> Insert:
        # ON CONFLICT DO NOTHING on both databases: a concurrent matcher's duplicate is skipped, not an error.
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(_ALERTS).on_conflict_do_nothing(constraint="uq_alert_key")
        if self.engine.dialect.name == "sqlite":
            return sqlite.insert(_ALERTS).on_conflict_do_nothing()
        raise NotImplementedError(f"the outbox runs on SQLite and PostgreSQL, not {self.engine.dialect.name}")

    def add_alerts(self, alerts: Iterable[NewAlert], now: datetime | None = None) -> int:
        """Insert alert rows; keys already present are ignored. Returns how many rows are new."""
        created = _utc(now or datetime.now(UTC))
        unique: dict[tuple[int, str, int, str], NewAlert] = {}
        for alert in alerts:
            if alert.reason not in REASONS:
                raise ValueError(f"alert reason {alert.reason!r} is not one of {', '.join(REASONS)}")
            unique.setdefault(alert.key, alert)
        rows = [
            {
                "subscription_id": a.subscription_id,
                "document_id": a.document_id,
                "version": a.version,
                "reason": a.reason,
                "details": a.details,
                "created_at": created,
            }
            for a in unique.values()
        ]
        added = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(rows):
                result = conn.execute(self._insert_ignoring_duplicates().returning(_ALERTS.c.id), list(chunk))
                added += len(result.all())
        return added

    def pending_alerts(self) -> list[PendingAlert]:
        """Alerts not yet put into a digest, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_ALERTS).where(_ALERTS.c.digested_at.is_(None)).order_by(_ALERTS.c.id))
            return [_pending_alert(r) for r in rows]

    def alerts_of(self, subscription_id: int) -> list[PendingAlert]:
        """Every alert of one subscription, digested or not (for inspection and tests)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_ALERTS).where(_ALERTS.c.subscription_id == subscription_id).order_by(_ALERTS.c.id)
            )
            return [_pending_alert(r) for r in rows]

    def close_alerts(self, alert_ids: Sequence[int], now: datetime) -> None:
        """Mark alerts done without an email (the subscription is paused or has nobody left to tell)."""
        with self.engine.begin() as conn:
            for chunk in _chunks(list(alert_ids)):
                conn.execute(
                    update(_ALERTS)
                    .where(_ALERTS.c.id.in_(chunk), _ALERTS.c.digested_at.is_(None))
                    .values(digested_at=_utc(now))
                )

    def followed_notifications(self) -> list[tuple[int, str]]:
        """(subscription, document) pairs of active subscriptions alerted about a TBT notification."""
        query = (
            select(_ALERTS.c.subscription_id, _ALERTS.c.document_id)
            .distinct()
            .join(_SUBS, _SUBS.c.id == _ALERTS.c.subscription_id)
            .where(
                _SUBS.c.active.is_(True),
                _ALERTS.c.reason.in_(("new", "changed")),
                _ALERTS.c.document_id.like("g-tbt-%"),
            )
            .order_by(_ALERTS.c.subscription_id, _ALERTS.c.document_id)
        )
        with self.engine.connect() as conn:
            return [(r.subscription_id, r.document_id) for r in conn.execute(query)]

    # ------------------------------------------------------------------------------------------ subscriptions
    def subscriptions(self, ids: Sequence[int]) -> dict[int, SubscriptionInfo]:
        found: dict[int, SubscriptionInfo] = {}
        query = select(
            _SUBS.c.id,
            _SUBS.c.organization_id,
            _SUBS.c.name,
            _SUBS.c.kind,
            _SUBS.c.frequency,
            _SUBS.c.language,
            _SUBS.c.active,
            _ORGS.c.timezone,
        ).join(_ORGS, _ORGS.c.id == _SUBS.c.organization_id)
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                for r in conn.execute(query.where(_SUBS.c.id.in_(chunk))):
                    found[r.id] = SubscriptionInfo(
                        r.id,
                        r.organization_id,
                        r.name,
                        r.kind,
                        r.frequency,
                        r.language,
                        bool(r.active),
                        r.timezone,
                    )
        return found

    def recipients(self, subscription_ids: Sequence[int]) -> dict[int, list[Recipient]]:
        found: dict[int, list[Recipient]] = {i: [] for i in subscription_ids}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(subscription_ids)):
                rows = conn.execute(
                    select(_RCPTS).where(_RCPTS.c.subscription_id.in_(chunk)).order_by(_RCPTS.c.id)
                )
                for r in rows:
                    found[r.subscription_id].append(_recipient(r))
        return found

    def recipient(self, recipient_id: int) -> Recipient | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_RCPTS).where(_RCPTS.c.id == recipient_id)).first()
        return _recipient(row) if row else None

    def unconfirmed_recipients(self) -> list[tuple[Recipient, SubscriptionInfo]]:
        """Addresses that were never sent a confirmation email, with their subscription."""
        query = (
            select(_RCPTS)
            .where(
                _RCPTS.c.confirmed_at.is_(None),
                _RCPTS.c.unsubscribed_at.is_(None),
                _RCPTS.c.confirmation_sent_at.is_(None),
            )
            .order_by(_RCPTS.c.id)
        )
        with self.engine.connect() as conn:
            recipients = [_recipient(r) for r in conn.execute(query)]
        subs = self.subscriptions(sorted({r.subscription_id for r in recipients}))
        return [(r, subs[r.subscription_id]) for r in recipients if r.subscription_id in subs]

    def periods_made(
        self, subscription_ids: Sequence[int], period_keys: Sequence[str]
    ) -> set[tuple[int, str]]:
        """Which (subscription, period) pairs already have an email rendered."""
        made: set[tuple[int, str]] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(list(subscription_ids)):
                rows = conn.execute(
                    select(_EMAILS.c.subscription_id, _EMAILS.c.period_key)
                    .distinct()
                    .where(
                        _EMAILS.c.subscription_id.in_(chunk), _EMAILS.c.period_key.in_(list(set(period_keys)))
                    )
                )
                made.update((r.subscription_id, r.period_key) for r in rows)
        return made

    # ------------------------------------------------------------------------------------------ emails
    def record_digest(self, emails: Sequence[NewEmail], alert_ids: Sequence[int], now: datetime) -> None:
        """Store rendered emails and mark their alerts digested in ONE transaction: both or neither."""
        with self.engine.begin() as conn:
            if emails:
                conn.execute(insert(_EMAILS), [self._email_values(e, now) for e in emails])
            marked = 0
            for chunk in _chunks(list(alert_ids)):
                marked += conn.execute(
                    update(_ALERTS)
                    .where(_ALERTS.c.id.in_(chunk), _ALERTS.c.digested_at.is_(None))
                    .values(digested_at=_utc(now))
                ).rowcount
            if marked != len(alert_ids):
                raise AlreadyDigested(
                    f"{len(alert_ids) - marked} of {len(alert_ids)} alerts were digested by another process"
                )

    def queue_confirmation(self, email: NewEmail, recipient_id: int, now: datetime) -> bool:
        """Store a confirmation email and stamp the address, once; False if another process did it first."""
        with self.engine.begin() as conn:
            stamped = conn.execute(
                update(_RCPTS)
                .where(_RCPTS.c.id == recipient_id, _RCPTS.c.confirmation_sent_at.is_(None))
                .values(confirmation_sent_at=_utc(now))
            ).rowcount
            if not stamped:
                return False
            conn.execute(insert(_EMAILS), [self._email_values(email, now)])
        return True

    @staticmethod
    def _email_values(email: NewEmail, now: datetime) -> dict[str, Any]:
        return {
            "kind": email.kind,
            "subscription_id": email.subscription_id,
            "recipient_id": email.recipient_id,
            "recipient": email.recipient,
            "period_key": email.period_key,
            "message_id": email.message_id,
            "subject": email.subject[:1000],
            "raw": email.raw,
            "status": EmailStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": _utc(now),
            "created_at": _utc(now),
        }

    def due_emails(self, now: datetime, limit: int) -> list[EmailRow]:
        """Pending emails whose time has come, and claimed ones whose lease ran out (their sender died)."""
        query = (
            select(_EMAILS)
            .where(
                _EMAILS.c.status.in_((EmailStatus.PENDING, EmailStatus.SENDING)),
                _EMAILS.c.next_attempt_at <= _utc(now),
            )
            .order_by(_EMAILS.c.next_attempt_at, _EMAILS.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_email_row(r) for r in conn.execute(query)]

    def claim(self, email: EmailRow, now: datetime, lease_until: datetime) -> bool:
        """Mark an email `sending` (compare-and-set on its state), committed BEFORE any byte goes to SMTP."""
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(_EMAILS)
                .where(
                    _EMAILS.c.id == email.id,
                    _EMAILS.c.status == email.status,
                    _EMAILS.c.attempts == email.attempts,
                )
                .values(
                    status=EmailStatus.SENDING, attempts=email.attempts + 1, next_attempt_at=_utc(lease_until)
                )
            )
            return bool(claimed.rowcount)

    def _finish(self, email_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(_EMAILS)
                .where(_EMAILS.c.id == email_id, _EMAILS.c.status == EmailStatus.SENDING)
                .values(**values)
            )

    def mark_sent(self, email_id: int, now: datetime) -> None:
        self._finish(email_id, status=EmailStatus.SENT, sent_at=_utc(now), last_error=None)

    def mark_retry(self, email_id: int, error: str, next_attempt_at: datetime) -> None:
        self._finish(
            email_id,
            status=EmailStatus.PENDING,
            last_error=error[:2000],
            next_attempt_at=_utc(next_attempt_at),
        )

    def mark_failed(self, email_id: int, error: str) -> None:
        self._finish(email_id, status=EmailStatus.FAILED, last_error=error[:2000])

    def mark_cancelled(self, email_id: int, reason: str) -> None:
        self._finish(email_id, status=EmailStatus.CANCELLED, last_error=reason[:2000])

    def emails(self, status: str | None = None, limit: int = 50) -> list[EmailRow]:
        """Newest emails first, optionally of one status."""
        query = select(_EMAILS).order_by(_EMAILS.c.id.desc()).limit(limit)
        if status:
            query = query.where(_EMAILS.c.status == status)
        with self.engine.connect() as conn:
            return [_email_row(r) for r in conn.execute(query)]

    def email(self, email_id: int) -> EmailRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_EMAILS).where(_EMAILS.c.id == email_id)).first()
        return _email_row(row) if row else None

    def status_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_EMAILS.c.status, func.count()).group_by(_EMAILS.c.status))
            return {r[0]: int(r[1]) for r in rows}


def _recipient(row: Any) -> Recipient:
    return Recipient(
        row.id,
        row.subscription_id,
        row.email,
        _utc_or_none(row.confirmed_at),
        _utc_or_none(row.unsubscribed_at),
    )


def _pending_alert(r: Any) -> PendingAlert:
    return PendingAlert(
        r.id, r.subscription_id, r.document_id, r.version, r.reason, r.details or {}, _utc(r.created_at)
    )
