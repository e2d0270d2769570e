"""Comment-deadline reminders: a notification a subscription was alerted about gets one more alert when the
final date for comments IN FORCE across its chain (an addendum extending the period moves it; stdwatch.chain)
is `settings.reminder_days` days away (or fewer, when the job missed the day). One reminder per subscription,
chain and deadline, however many documents of the chain the subscription was alerted about."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from alerts.services import Services
from stdwatch.chain import chain_order, dates_in_force
from stdwatch.store import StoredDocument
from stdwatch.store.outbox import NewAlert, OutboxRepository

REMINDER = "deadline_reminder"


@dataclass(frozen=True)
class Deadline:
    day: date
    stated_by: str  # the symbol whose date is in force (the base, or the addendum that moved it)


def _deadline_key(deadline: date) -> int:
    # The alert key's "version" is the deadline (YYYYMMDD): one reminder per deadline, and a deadline moved by
    # an addendum or a re-crawl earns its own reminder.
    return deadline.year * 10000 + deadline.month * 100 + deadline.day


def deadline_in_force(chain: list[StoredDocument]) -> Deadline | None:
    current = dates_in_force(chain)
    raw = current.get("comment_deadline")
    if not raw:
        return None  # none stated, or only as text ("to be determined")
    return Deadline(date.fromisoformat(str(raw)[:10]), str(current["comment_deadline_from"]))


def _chains(services: Services, doc_ids: list[str]) -> tuple[dict[str, str], dict[str, list[StoredDocument]]]:
    """document id -> its chain's key (the base symbol), and chain key -> every stored document of it."""
    docs = services.repo.get_many(doc_ids)
    key_of = {d.id: d.code_key for d in docs}
    chains = {key: services.repo.editions(key) for key in sorted(set(key_of.values()))}
    return key_of, chains


def _representative(followed: set[str], chain: list[StoredDocument]) -> str:
    """The one document a reminder names: the earliest of the chain the subscription follows (the base, as a
    rule), so following the base and its addendum still gives one reminder."""
    return min((d for d in chain if d.id in followed), key=lambda d: chain_order(d.code)).id


def queue_reminders(services: Services, today: date) -> int:
    """Queue deadline_reminder alerts for followed notifications closing within reminder_days; returns how
    many are new (the alert key makes a second run on the same day add nothing)."""
    outbox = OutboxRepository(services.repo.engine)
    followed = outbox.followed_notifications()
    if not followed:
        return 0
    key_of, chains = _chains(services, sorted({doc_id for _, doc_id in followed}))
    by_subscription: dict[tuple[int, str], set[str]] = defaultdict(set)
    for subscription_id, doc_id in followed:
        if doc_id in key_of:
            by_subscription[(subscription_id, key_of[doc_id])].add(doc_id)
    deadlines = {key: deadline_in_force(chain) for key, chain in chains.items()}
    alerts = []
    for (subscription_id, key), doc_ids in sorted(by_subscription.items()):
        deadline = deadlines[key]
        if deadline is None:
            continue
        left = (deadline.day - today).days
        if 0 <= left <= services.settings.reminder_days:
            details = {
                "deadline": deadline.day.isoformat(),
                "days_left": left,
                "deadline_from": deadline.stated_by,
            }
            doc_id = _representative(doc_ids, chains[key])
            alerts.append(NewAlert(subscription_id, doc_id, _deadline_key(deadline.day), REMINDER, details))
    return outbox.add_alerts(alerts)
