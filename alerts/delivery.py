"""From alert rows to delivered emails: digests are rendered into the outbox, then the outbox is flushed to
SMTP.

What is guaranteed, and why
---------------------------
1. Rendering. One transaction stores a digest's emails (one per confirmed address) AND marks its
   alerts digested. A crash before the commit leaves the alerts pending and no email; after it, the
   emails exist and the alerts are done. The UPDATE only takes alerts still pending and must take all of
   them, else the transaction is rolled back; and (subscription, address, period) is unique: two makers
   running at once cannot both render. Alerts are unique by (subscription, document, version, reason),
   so matching the same documents again adds nothing.
2. Sending. Each email is rendered ONCE and stored whole, with a Message-ID fixed at render time; a retry
   sends the very same bytes. Per email the sender
     a. claims it: status `sending`, attempts + 1, next_attempt_at = now + lease (compare-and-set,
        COMMITTED before anything is said to the SMTP server);
     b. hands the bytes to SMTP (DATA);
     c. marks it `sent` (committed).
   A crash before (a) changes nothing. A crash between (a) and (c) leaves it `sending`; once the lease has
   run out, the next flush sends it again. If the crash came before the server accepted the DATA, that is
   the first delivery (no loss); if it came after, the server gets the message twice, with the same
   Message-ID and the same bytes, so a receiving system that deduplicates by Message-ID shows it once.
   Nothing on our side can tell those two cases apart (SMTP has no "did you get message X?"), so that
   window cannot be closed; it is kept to ONE message per sender process, because a sender claims one
   email at a time.
   Guarantee: no email is lost; a crash repeats at most the one email that was in flight, byte for byte;
   nothing else is sent twice. A sender that outlives its lease (an SMTP session hanging longer than
   `sender.lease`: four SMTP timeouts, at least five minutes) can be overtaken by another flush.
3. Failures. A 4xx reply or a lost connection puts the email back to `pending` with exponential backoff
   (`sender.retry_delay`); a 5xx reply, or the MAX_ATTEMPTS-th failure, marks it `failed` with the
   server's words in last_error (`stdwatch outbox` shows them). A lost connection ends the flush: the rest
   of the batch stays pending, untouched, for the next one. An address that unsubscribed after rendering
   is `cancelled`, not sent.

Periods: immediate digests go out as soon as alerts exist; daily ones once per local day of the
organization (from DIGEST_HOUR, covering alerts made before it), weekly ones once per ISO week (from
Monday, DIGEST_HOUR).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.digest import build_sections, related_ids, render_confirmation, render_digest
from alerts.mail import Links, build_message, envelope_sender, message_id, to_raw
from alerts.sender import MAX_ATTEMPTS, SendError, SmtpSession, lease, retry_delay
from alerts.services import Services
from stdwatch.store.outbox import (
    AlreadyDigested,
    EmailRow,
    NewEmail,
    OutboxRepository,
    PendingAlert,
    Recipient,
    SubscriptionInfo,
)

logger = logging.getLogger(__name__)

DIGEST_HOUR = 8  # local hour from which the day's (Monday's, for weekly) digest is due
FLUSH_BATCH = 200


class DigestError(RuntimeError):
    """Some subscriptions' digests could not be made (the others were); their alerts stay pending."""


@dataclass
class FlushResult:
    sent: int = 0
    retried: int = 0  # back to pending, with backoff
    failed: int = 0  # given up: permanent refusal or too many attempts
    cancelled: int = 0  # the address unsubscribed before the message left
    stopped: bool = False  # the SMTP connection was lost; the rest waits for the next flush


@dataclass(frozen=True)
class Period:
    key: str
    cutoff: datetime | None  # alerts made before this are in the digest; None: all of them (immediate)


def _aware(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


def _zone(name: str, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown timezone %r; using %r", name, fallback)
        return ZoneInfo(fallback)


def current_period(frequency: str, now: datetime, zone: ZoneInfo, alerts: Sequence[PendingAlert]) -> Period:
    """The period a digest made at `now` belongs to (its key is part of the email's unique key)."""
    if frequency == "immediate":
        return Period(f"immediate:{max((a.id for a in alerts), default=0)}", None)
    local = _aware(now).astimezone(zone)
    if frequency == "weekly":
        monday = local.date() - timedelta(days=local.weekday())
        start = datetime.combine(monday, time(DIGEST_HOUR), zone)
        start = start - timedelta(weeks=1) if local < start else start
        year, week, _ = start.isocalendar()
        return Period(f"weekly:{year}-W{week:02d}", start)
    start = datetime.combine(local.date(), time(DIGEST_HOUR), zone)
    start = start - timedelta(days=1) if local < start else start
    return Period(f"daily:{start.date().isoformat()}", start)


def _due_alerts(alerts: list[PendingAlert], period: Period) -> list[PendingAlert]:
    return [a for a in alerts if period.cutoff is None or a.created_at < period.cutoff]


def make_digests(services: Services, now: datetime) -> int:
    """Render due digests into the outbox and mark their alerts digested; returns how many emails were
    made."""
    now = _aware(now)
    outbox = OutboxRepository(services.repo.engine)
    by_sub: dict[int, list[PendingAlert]] = defaultdict(list)
    for alert in outbox.pending_alerts():
        by_sub[alert.subscription_id].append(alert)
    if not by_sub:
        return 0
    subs = outbox.subscriptions(list(by_sub))
    recipients = outbox.recipients(list(by_sub))
    work = _plan(services, outbox, subs, recipients, by_sub, now)
    made_keys = outbox.periods_made([sub.id for sub, _, _ in work], [p.key for _, p, _ in work])
    work = [(sub, p, alerts) for sub, p, alerts in work if (sub.id, p.key) not in made_keys]
    if not work:
        return 0
    docs = _documents(services, sorted({a.document_id for *_, alerts in work for a in alerts}))
    links = Links.from_settings(services.settings)
    made, failed = 0, []
    for sub, period, alerts in work:
        try:
            made += _make_one(services, outbox, links, sub, period, alerts, recipients[sub.id], docs, now)
        except AlreadyDigested as exc:
            logger.info("digest skipped subscription=%s period=%s: %s", sub.id, period.key, exc)
        except Exception:
            logger.exception("digest failed subscription=%s period=%s", sub.id, period.key)
            failed.append(sub.id)
    if failed:
        raise DigestError(
            f"digests of subscriptions {failed} failed (their alerts stay pending); "
            f"{made} other emails were made"
        )
    return made


def _documents(services: Services, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The alerts' documents, and those an untitled one may borrow its title from (alerts.digest.related_ids)."""
    docs = {d.id: d.data for d in services.repo.get_many(doc_ids)}
    wanted = sorted({other for data in docs.values() for other in related_ids(data)} - set(docs))
    if wanted:
        docs.update({d.id: d.data for d in services.repo.get_many(wanted)})
    return docs


def _plan(
    services: Services,
    outbox: OutboxRepository,
    subs: dict[int, SubscriptionInfo],
    recipients: dict[int, list[Recipient]],
    by_sub: dict[int, list[PendingAlert]],
    now: datetime,
) -> list[tuple[SubscriptionInfo, Period, list[PendingAlert]]]:
    """Which subscriptions get a digest now; alerts nobody can ever receive are closed without one."""
    work: list[tuple[SubscriptionInfo, Period, list[PendingAlert]]] = []
    closed: list[int] = []
    for sub_id, alerts in by_sub.items():
        sub = subs.get(sub_id)
        rcpts = recipients.get(sub_id, [])
        if sub is None:
            continue
        if not sub.active or not any(r.deliverable or r.awaiting_confirmation for r in rcpts):
            closed.extend(a.id for a in alerts)  # paused, or every address left: nobody to tell
            continue
        if not any(r.deliverable for r in rcpts):
            continue  # kept until an address is confirmed, so the first digest has them
        period = current_period(sub.frequency, now, _zone(sub.timezone, services.settings.timezone), alerts)
        due = _due_alerts(alerts, period)
        if due:
            work.append((sub, period, due))
    if closed:
        outbox.close_alerts(closed, now)
    return work


def _make_one(
    services: Services,
    outbox: OutboxRepository,
    links: Links,
    sub: SubscriptionInfo,
    period: Period,
    alerts: list[PendingAlert],
    recipients: list[Recipient],
    docs: dict[str, dict[str, Any]],
    now: datetime,
) -> int:
    mail_from = services.settings.mail_from
    today = now.astimezone(_zone(sub.timezone, services.settings.timezone)).date()
    sections = build_sections(alerts, docs, today, sub.language, links)
    emails = []
    for recipient in (r for r in recipients if r.deliverable):
        rendered = render_digest(sub, sections, recipient, today, links)
        msg_id = message_id(("digest", sub.id, recipient.id, period.key), now, mail_from)
        msg = build_message(
            rendered,
            mail_from=mail_from,
            to=recipient.email,
            msg_id=msg_id,
            date=now,
            unsubscribe_url=links.one_click_unsubscribe(recipient.id),
        )
        emails.append(
            NewEmail(
                "digest",
                sub.id,
                recipient.id,
                recipient.email,
                period.key,
                msg_id,
                rendered.subject,
                to_raw(msg),
            )
        )
    outbox.record_digest(emails, [a.id for a in alerts], now)
    return len(emails)


def send_confirmations(services: Services, now: datetime) -> int:
    """Queue the address-confirmation email for every address that never had one, then flush the outbox.
    Returns how many confirmation emails were queued."""
    now = _aware(now)
    outbox = OutboxRepository(services.repo.engine)
    pending = outbox.unconfirmed_recipients()
    if not pending:
        return 0
    links = Links.from_settings(services.settings)
    mail_from = services.settings.mail_from
    queued = 0
    for recipient, sub in pending:
        rendered = render_confirmation(sub, recipient, links)
        period_key = f"confirm:{recipient.id}:{now:%Y%m%dT%H%M%S}"
        msg_id = message_id(("confirm", sub.id, recipient.id), now, mail_from)
        msg = build_message(rendered, mail_from=mail_from, to=recipient.email, msg_id=msg_id, date=now)
        email = NewEmail(
            "confirmation",
            sub.id,
            recipient.id,
            recipient.email,
            period_key,
            msg_id,
            rendered.subject,
            to_raw(msg),
        )
        queued += outbox.queue_confirmation(email, recipient.id, now)
    flush_outbox(services, now)
    return queued


def flush_outbox(services: Services, now: datetime) -> FlushResult:
    """Send every email that is due (see the module docstring for what a crash or a refusal does)."""
    now = _aware(now)
    outbox = OutboxRepository(services.repo.engine)
    result = FlushResult()
    sender = envelope_sender(services.settings.mail_from)
    started, hold = monotonic(), lease(services.settings)
    with SmtpSession(services.settings) as smtp:
        while not result.stopped:
            batch = outbox.due_emails(now, FLUSH_BATCH)
            progressed = False
            for email in batch:
                # the lease runs from the claim, not from the start of a long flush
                lease_until = now + timedelta(seconds=monotonic() - started) + hold
                if not outbox.claim(email, now, lease_until):
                    continue  # another flush took it
                progressed = True
                _deliver(outbox, smtp, sender, email, now, result)
                if result.stopped:
                    break
            if not batch or not progressed:
                break
    return result


def _deliver(
    outbox: OutboxRepository,
    smtp: SmtpSession,
    sender: str,
    email: EmailRow,
    now: datetime,
    result: FlushResult,
) -> None:
    if email.recipient_id is not None and email.kind == "digest":
        recipient = outbox.recipient(email.recipient_id)
        if recipient is None or recipient.unsubscribed_at is not None:
            outbox.mark_cancelled(email.id, "the address unsubscribed before the email left")
            result.cancelled += 1
            return
    try:
        smtp.send(sender, email.recipient, email.raw.encode("ascii"))
    except SendError as exc:
        attempts = email.attempts + 1
        if exc.permanent or attempts >= MAX_ATTEMPTS:
            outbox.mark_failed(email.id, str(exc))
            result.failed += 1
        else:
            outbox.mark_retry(email.id, str(exc), now + retry_delay(attempts))
            result.retried += 1
        result.stopped = exc.connection_lost
        logger.warning(
            "email not sent id=%s to=%s attempt=%s error=%s", email.id, email.recipient, attempts, exc
        )
        return
    outbox.mark_sent(email.id, now)
    result.sent += 1
