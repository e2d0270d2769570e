"""Comment-deadline reminders: a notification a subscription was alerted about gets one more alert when its
final date for comments is `settings.reminder_days` days away (or fewer, when the job missed the day)."""

from __future__ import annotations

from datetime import date

from alerts.services import Services
from stdwatch.store.outbox import NewAlert, OutboxRepository

REMINDER = "deadline_reminder"


def _deadline_key(deadline: date) -> int:
    # The alert key's "version" is the deadline (YYYYMMDD): one reminder per deadline, and a deadline moved by
    # an addendum or a re-crawl earns its own reminder.
    return deadline.year * 10000 + deadline.month * 100 + deadline.day


def queue_reminders(services: Services, today: date) -> int:
    """Queue deadline_reminder alerts for followed notifications closing within reminder_days; returns how
    many are new (the alert key makes a second run on the same day add nothing)."""
    outbox = OutboxRepository(services.repo.engine)
    followed = outbox.followed_notifications()
    if not followed:
        return 0
    docs = {d.id: d.data for d in services.repo.get_many(sorted({doc_id for _, doc_id in followed}))}
    alerts = []
    for subscription_id, doc_id in followed:
        raw = (docs.get(doc_id) or {}).get("comment_deadline")
        if not raw:
            continue
        deadline = date.fromisoformat(str(raw)[:10])
        left = (deadline - today).days
        if 0 <= left <= services.settings.reminder_days:
            alerts.append(
                NewAlert(
                    subscription_id,
                    doc_id,
                    _deadline_key(deadline),
                    REMINDER,
                    {"deadline": deadline.isoformat(), "days_left": left},
                )
            )
    return outbox.add_alerts(alerts)
