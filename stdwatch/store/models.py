"""SQLAlchemy tables of the store of record (portable SQL: SQLite by default, PostgreSQL works too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Document(Base):
    """The current version of one standard or notification."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(200), index=True)
    code_key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    index_pending: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_documents_index_pending", "index_pending"),)


class DocumentVersion(Base):
    """Every version a document has had, the current one included: the history behind change alerts."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("document_id", "version", name="uq_document_versions_doc_version"),)


class DocumentLink(Base):
    """A relation from a document to a code or symbol: replaces, replaced_by, adopts, base notification."""

    __tablename__ = "document_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(32))
    target_key: Mapped[str] = mapped_column(String(200), index=True)
    target_code: Mapped[str] = mapped_column(String(200), index=True)


class SourceSeen(Base):
    """What a spider has already taken from a source: its id there and a hash of what the listing showed."""

    __tablename__ = "source_seen"

    spider: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuarantinedPage(Base):
    """A page or record that could not be parsed or validated, kept whole with the reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    spider: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(String(2000))
    body_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrawlRun(Base):
    """One run of one spider and what it did."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    spider: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finish_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Cursor(Base):
    """How far a consumer of the version history (the alert matcher) has read: a document_versions id."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
