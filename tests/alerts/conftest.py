"""Fixtures of the alert tests: a REAL SMTP server on loopback (aiosmtpd) that records every message it
accepts and can refuse or stall on cue, a migrated store (SQLite, or a private database on the real
PostgreSQL server), services wired to both, and helpers that insert organizations, subscriptions and
addresses as rows (the accounts repository is written in parallel)."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from alerts.services import Services
from config.settings import Settings
from stdwatch.records import record_from_json
from stdwatch.store import create_engine_for, migrate
from stdwatch.store.account_models import Organization, Subscription, SubscriptionRecipient

ROOT_DIR = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-0123456789abcdef"
PUBLIC_URL = "https://stdwatch.example.org"
MAIL_FROM = "厦门标准预警 <alerts@stdwatch.example.org>"


# ------------------------------------------------------------------------------------------ SMTP server
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class RecordingHandler:
    """Accepts and records messages. `refuse(n, message)` may return an SMTP reply to refuse the n-th DATA;
    `hold_data_on` = n: record the n-th accepted message, then stall before answering until `release` is set;
    `hold_rcpt_on` = n: stall at the n-th RCPT, before any DATA."""

    messages: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    refuse: Callable[[int, Received], str | None] | None = None
    hold_data_on: int | None = None
    hold_rcpt_on: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    data_count: int = 0
    rcpt_count: int = 0

    async def _stall(self) -> None:
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpt_count += 1
        if self.hold_rcpt_on == self.rcpt_count:
            await self._stall()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_count += 1
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        reply = self.refuse(self.data_count, received) if self.refuse else None
        if reply:
            self.refused.append(received)
            return reply
        self.messages.append(received)
        if self.hold_data_on == self.data_count:
            await self._stall()  # the server HAS the message; the sender does not know yet
        return "250 2.0.0 Message accepted for delivery"


@dataclass
class SmtpServer:
    handler: RecordingHandler
    port: int

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), one per test."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SmtpServer(handler, controller.port)
    handler.release.set()
    controller.stop()


# ------------------------------------------------------------------------------------------ store
@pytest.fixture(scope="session")
def private_pg_url(pg_url: str) -> Iterator[str]:
    """A database of our own on the shared PostgreSQL server, so parallel test runs never meet."""
    name = f"stdwatch_alerts_{uuid.uuid4().hex[:10]}"
    admin = create_engine_for(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_engine(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    if kind == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'data' / 'stdwatch.sqlite3'}")
    else:
        engine = create_engine_for(request.getfixturevalue("private_pg_url"))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated store on each database."""
    engine = _fresh_engine(request.param, tmp_path, request)
    yield engine
    engine.dispose()


def make_settings(tmp_path: Path, database_url: str, smtp_port: int, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "smtp_timeout": 10.0,
        "secret_key": SECRET,
        "public_url": PUBLIC_URL,
        "mail_from": MAIL_FROM,
        "timezone": "Asia/Shanghai",
        "reminder_days": 7,
    }
    return Settings(**{**values, **extra})


@pytest.fixture
def services(tmp_path: Path, smtp: SmtpServer) -> Iterator[Services]:
    """Services on a SQLite store, sending to the test's SMTP server."""
    url = f"sqlite:///{tmp_path / 'data' / 'stdwatch.sqlite3'}"
    built = Services.from_settings(make_settings(tmp_path, url, smtp.port))
    yield built
    built.close()


@pytest.fixture
def pg_services(tmp_path: Path, smtp: SmtpServer, request: pytest.FixtureRequest) -> Iterator[Services]:
    """Services on the real PostgreSQL server, sending to the test's SMTP server."""
    engine = _fresh_engine("postgresql", tmp_path, request)
    engine.dispose()
    url = request.getfixturevalue("private_pg_url")
    built = Services.from_settings(make_settings(tmp_path, url, smtp.port))
    yield built
    built.close()


# ------------------------------------------------------------------------------------------ rows
def add_org(engine: Engine, name: str = "厦门某电子有限公司", tz: str = "Asia/Shanghai") -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(Organization)
                .values(name=name, timezone=tz, created_at=datetime.now(UTC))
                .returning(Organization.id)
            ).scalar_one()
        )


def add_subscription(
    engine: Engine,
    org_id: int,
    name: str,
    *,
    frequency: str = "immediate",
    language: str = "zh",
    kind: str = "search",
    active: bool = True,
) -> int:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(Subscription)
                .values(
                    organization_id=org_id,
                    name=name,
                    kind=kind,
                    query={"q": name},
                    codes=[],
                    frequency=frequency,
                    language=language,
                    active=active,
                    created_at=now,
                    updated_at=now,
                )
                .returning(Subscription.id)
            ).scalar_one()
        )


def add_recipient(
    engine: Engine, subscription_id: int, email: str, *, confirmed: bool = True, unsubscribed: bool = False
) -> int:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(SubscriptionRecipient)
                .values(
                    subscription_id=subscription_id,
                    email=email,
                    confirmed_at=now if confirmed else None,
                    unsubscribed_at=now if unsubscribed else None,
                    created_at=now,
                )
                .returning(SubscriptionRecipient.id)
            ).scalar_one()
        )


def tbt(symbol: str, member: str, **fields: Any) -> Any:
    return record_from_json({"kind": "tbt_notification", "symbol": symbol, "member": member, **fields})


def standard(code: str, **fields: Any) -> Any:
    return record_from_json({"kind": "standard", "code": code, **fields})
