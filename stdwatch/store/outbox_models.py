"""Tables of the durable alert outbox and the emails made from it (owned by the delivery work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stdwatch.store.models import Base


class Alert(Base):
    """One match of one subscription with one document version: the unique key makes matching idempotent."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    # new | changed | new_edition | withdrawn | replaced | effective | deadline_reminder
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        UniqueConstraint("subscription_id", "document_id", "version", "reason", name="uq_alert_key"),
        Index("ix_alerts_pending", "digested_at"),
    )


class OutgoingEmail(Base):
    """A rendered message kept whole: a retry after a crash sends the same bytes with the same Message-ID."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), default="digest")  # digest | confirmation
    subscription_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # No foreign key: a sent message stays on record after its recipient row is deleted.
    recipient_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipient: Mapped[str] = mapped_column(String(320))
    period_key: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    subject: Mapped[str] = mapped_column(String(1000))
    raw: Mapped[str] = mapped_column(Text)
    # pending -> sending (claimed, leased until next_attempt_at) -> sent | pending (retry) | failed;
    # cancelled when the address unsubscribed before the message left.
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        UniqueConstraint("subscription_id", "recipient", "period_key", name="uq_email_period"),
        Index("ix_outgoing_emails_due", "status", "next_attempt_at"),
    )
