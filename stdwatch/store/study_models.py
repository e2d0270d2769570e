"""Tables of comparison studies: the study, the standards it names, and its audit history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stdwatch.store.models import Base


class Study(Base):
    """The current state of a study; `content` is stdwatch.studies.codec's JSON form of what curators wrote."""

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft | in_review | published | withdrawn
    revision: Mapped[int] = mapped_column(Integer)  # +1 on every change; the audit rows carry it
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StudyStandard(Base):
    """A standard a study compares, by normalized code: resolved to stored documents at read time, so a code
    that is not crawled yet links up once it is."""

    __tablename__ = "study_standards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(16))  # domestic | counterpart
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(200), index=True)
    code_key: Mapped[str] = mapped_column(String(200), index=True)


class StudyEvent(Base):
    """One change to a study, with the content as it was after it. No foreign key on the study: the history
    of a deleted draft stays."""

    __tablename__ = "study_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    study_id: Mapped[int] = mapped_column(Integer, index=True)
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # create | update | submit | return | publish | ...
    status: Mapped[str] = mapped_column(String(16))  # the status after the change
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_email: Mapped[str] = mapped_column(String(320))  # kept as it was, should the user be deleted
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(2000), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
