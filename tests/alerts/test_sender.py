"""Sending the outbox to a real SMTP server on loopback: refusals mid-batch, backoff, giving up, a server that
is down, `stdwatch outbox`, and a sender killed with SIGKILL between "the server has it" and "marked sent"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from alerts.delivery import flush_outbox, make_digests
from alerts.sender import MAX_ATTEMPTS, lease
from alerts.services import Services
from stdwatch.store.outbox import EmailRow, NewAlert, OutboxRepository
from tests.alerts.conftest import (
    ROOT_DIR,
    SECRET,
    RecordingHandler,
    SmtpServer,
    add_org,
    add_recipient,
    add_subscription,
    free_port,
    make_settings,
    tbt,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TRY_LATER = "451 4.3.0 Temporary local problem, try again later"
FLUSH_AT = (
    "import sys; from datetime import datetime; from alerts.delivery import flush_outbox; "
    "from alerts.services import Services; from config.settings import Settings; "
    "print(flush_outbox(Services.from_settings(Settings()), datetime.fromisoformat(sys.argv[1])))"
)


def _emails(services: Services, count: int, now: datetime = NOW) -> list[EmailRow]:
    """`count` rendered digests (one subscription, `count` confirmed addresses), due at `now`."""
    engine = services.repo.engine
    services.repo.upsert_many(
        [
            tbt(
                "G/TBT/N/CHN/1860",
                "CHN",
                title="Smoke alarms",
                title_zh="烟雾报警器",
                hs=["853110"],
                comment_deadline="2026-05-01",
            )
        ]
    )
    sub = add_subscription(engine, add_org(engine), "消防产品")
    for i in range(count):
        add_recipient(engine, sub, f"r{i}@example.com")
    outbox = OutboxRepository(engine)
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=now - timedelta(minutes=1))
    assert make_digests(services, now) == count
    return sorted(outbox.emails(), key=lambda e: e.id)


def _states(services: Services) -> dict[str, EmailRow]:
    return {e.recipient: e for e in OutboxRepository(services.repo.engine).emails()}


def _ids(smtp: SmtpServer) -> list[str]:
    return [m.message_id for m in smtp.messages]


def test_refusal_mid_batch_backs_off_and_loses_nothing(services: Services, smtp: SmtpServer) -> None:
    emails = _emails(services, 3)
    smtp.handler.refuse = lambda n, _: TRY_LATER if n == 2 else None
    result = flush_outbox(services, NOW)
    assert (result.sent, result.retried, result.failed, result.stopped) == (2, 1, 0, False)
    assert [m.rcpt_tos for m in smtp.messages] == [["r0@example.com"], ["r2@example.com"]]
    second = _states(services)["r1@example.com"]
    assert (second.status, second.attempts) == ("pending", 1)
    assert second.next_attempt_at == NOW + timedelta(minutes=1)
    assert second.last_error and "451" in second.last_error

    assert flush_outbox(services, NOW + timedelta(seconds=59)).sent == 0  # not due yet
    smtp.handler.refuse = lambda n, _: TRY_LATER
    assert flush_outbox(services, NOW + timedelta(minutes=1)).retried == 1
    second = _states(services)["r1@example.com"]
    assert (second.attempts, second.next_attempt_at) == (2, NOW + timedelta(minutes=3))  # 1, then 2 minutes
    smtp.handler.refuse = None
    assert flush_outbox(services, NOW + timedelta(minutes=3)).sent == 1

    assert Counter(_ids(smtp)) == Counter(e.message_id for e in emails)  # each delivered exactly once
    assert {r.data for r in smtp.handler.refused} == {smtp.messages[-1].data}  # retries: the same bytes
    assert {e.status for e in _states(services).values()} == {"sent"}


def test_permanent_refusal_fails_at_once_and_is_visible(services: Services, smtp: SmtpServer) -> None:
    _emails(services, 2)
    smtp.handler.refuse = lambda n, _: "550 5.1.1 No such user here" if n == 1 else None
    result = flush_outbox(services, NOW)
    assert (result.sent, result.failed, result.retried) == (1, 1, 0)
    failed = _states(services)["r0@example.com"]
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "550 5.1.1 No such user" in str(failed.last_error)
    assert flush_outbox(services, NOW + timedelta(days=1)).sent == 0  # never tried again

    listing = _cli(services, "outbox", "--status", "failed")
    assert listing.returncode == 0, listing.stderr
    assert "r0@example.com" in listing.stdout and "550 5.1.1 No such user" in listing.stdout
    assert "r1@example.com" not in listing.stdout and "1 failed" in listing.stdout


def test_gives_up_after_max_attempts_with_doubling_delays(services: Services, smtp: SmtpServer) -> None:
    _emails(services, 1)
    smtp.handler.refuse = lambda n, _: TRY_LATER
    now, delays = NOW, []
    for _ in range(MAX_ATTEMPTS):
        flush_outbox(services, now)
        email = _states(services)["r0@example.com"]
        if email.status != "pending":
            break
        delays.append(email.next_attempt_at - now)
        now = email.next_attempt_at
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)
    assert delays == [timedelta(minutes=2**i) for i in range(MAX_ATTEMPTS - 1)]
    assert len(smtp.handler.refused) == MAX_ATTEMPTS and smtp.messages == []


def test_server_down_keeps_everything_pending(services: Services, smtp: SmtpServer, tmp_path: Path) -> None:
    emails = _emails(services, 3)
    url, nobody_listens = services.settings.resolved_database_url, free_port()
    down = Services.from_settings(make_settings(tmp_path, url, nobody_listens))
    try:
        result = flush_outbox(down, NOW)
    finally:
        down.close()
    assert (result.sent, result.retried, result.stopped) == (0, 1, True)
    states = _states(services)
    assert states["r0@example.com"].attempts == 1 and "Connection" in str(states["r0@example.com"].last_error)
    assert [states[f"r{i}@example.com"].attempts for i in (1, 2)] == [0, 0]  # the rest untouched
    assert flush_outbox(services, NOW + timedelta(minutes=1)).sent == 3
    assert sorted(_ids(smtp)) == sorted(e.message_id for e in emails)


def test_smtp_login_and_a_wrong_password(services: Services, tmp_path: Path) -> None:
    handler = RecordingHandler()

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        good = (auth_data.login, auth_data.password) == (b"alerts", b"s3cret")
        return AuthResult(success=good, handled=False)  # handled=False: the server answers 535

    server = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=check,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],
    )
    server.start()
    try:
        emails = _emails(services, 2)
        url = services.settings.resolved_database_url
        for password, when in (("wrong", NOW), ("s3cret", NOW + timedelta(minutes=1))):
            sending = Services.from_settings(
                make_settings(tmp_path, url, server.port, smtp_user="alerts", smtp_password=password)
            )
            try:
                result = flush_outbox(sending, when)
            finally:
                sending.close()
            if password == "wrong":  # the settings are wrong, not the message: retried later, batch stopped
                assert (result.sent, result.retried, result.failed, result.stopped) == (0, 1, 0, True)
                assert "535" in str(_states(services)["r0@example.com"].last_error)
        assert result.sent == 2
        assert sorted(m.message_id for m in handler.messages) == sorted(e.message_id for e in emails)
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------ real processes
def _env(services: Services) -> dict[str, str]:
    s = services.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("STDWATCH_")}
    env.update(
        {
            "STDWATCH_DATA_DIR": str(s.data_path),
            "STDWATCH_DATABASE_URL": s.resolved_database_url,
            "STDWATCH_SMTP_HOST": s.smtp_host,
            "STDWATCH_SMTP_PORT": str(s.smtp_port),
            "STDWATCH_SMTP_TIMEOUT": str(s.smtp_timeout),
            "STDWATCH_MAIL_FROM": s.mail_from,
            "STDWATCH_PUBLIC_URL": s.public_url,
            "STDWATCH_SECRET_KEY": SECRET,
            "PYTHONPATH": str(ROOT_DIR),
        }
    )
    return env


def _cli(services: Services, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=_env(services),
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _flush_at(services: Services, now: datetime) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", FLUSH_AT, now.isoformat()],
        env=_env(services),
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _kill_flush_when_held(services: Services, smtp: SmtpServer) -> None:
    sender = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "outbox", "--flush"],
        env=_env(services),
        cwd=ROOT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert smtp.handler.holding.wait(30), "the sender never reached the held message"
        os.kill(sender.pid, signal.SIGKILL)
        assert sender.wait(10) == -signal.SIGKILL
    finally:
        if sender.poll() is None:
            sender.kill()
        sender.communicate()
    smtp.handler.release.set()


def test_kill_after_the_server_has_the_message_repeats_only_that_one(
    services: Services, smtp: SmtpServer
) -> None:
    real_now = datetime.now(UTC)
    emails = _emails(services, 3, real_now - timedelta(minutes=1))
    smtp.handler.hold_data_on = 2  # record message 2, then stall before answering 250
    _kill_flush_when_held(services, smtp)
    states = _states(services)
    assert [states[f"r{i}@example.com"].status for i in range(3)] == ["sent", "sending", "pending"]
    assert _ids(smtp) == [emails[0].message_id, emails[1].message_id]

    # restarted at once: the in-flight email is leased to the dead sender; the rest goes
    smtp.handler.hold_data_on = None
    restart = _cli(services, "outbox", "--flush")
    assert restart.returncode == 0, restart.stderr
    assert _ids(smtp) == [e.message_id for e in emails]
    assert _states(services)["r1@example.com"].status == "sending"

    # once the lease ran out, it is sent again: same Message-ID, same bytes; nothing else repeats
    after_lease = _flush_at(services, datetime.now(UTC) + lease(services.settings) + timedelta(seconds=1))
    assert after_lease.returncode == 0, after_lease.stderr
    assert Counter(_ids(smtp)) == {emails[0].message_id: 1, emails[1].message_id: 2, emails[2].message_id: 1}
    copies = [m.data for m in smtp.messages if m.message_id == emails[1].message_id]
    assert copies[0] == copies[1] == emails[1].raw.encode("ascii")
    states = _states(services)
    assert {e.status for e in states.values()} == {"sent"} and states["r1@example.com"].attempts == 2
    assert _flush_at(services, datetime.now(UTC) + timedelta(days=1)).returncode == 0
    assert len(smtp.messages) == 4  # and nothing more, ever


def test_kill_before_the_data_loses_and_repeats_nothing(services: Services, smtp: SmtpServer) -> None:
    real_now = datetime.now(UTC)
    emails = _emails(services, 3, real_now - timedelta(minutes=1))
    smtp.handler.hold_rcpt_on = 2  # stall at message 2's RCPT: the server never gets its DATA
    _kill_flush_when_held(services, smtp)
    assert _ids(smtp) == [emails[0].message_id]
    assert _states(services)["r1@example.com"].status == "sending"
    smtp.handler.hold_rcpt_on = None
    after_lease = _flush_at(services, datetime.now(UTC) + lease(services.settings) + timedelta(seconds=1))
    assert after_lease.returncode == 0, after_lease.stderr
    assert sorted(_ids(smtp)) == sorted(e.message_id for e in emails)  # each exactly once


def test_outbox_command_lists_shows_and_flushes(services: Services, smtp: SmtpServer) -> None:
    [email] = _emails(services, 1, datetime.now(UTC) - timedelta(minutes=1))
    listing = _cli(services, "outbox")
    assert listing.returncode == 0, listing.stderr
    assert "1 pending" in listing.stdout and "r0@example.com" in listing.stdout
    # the times say their zone, and are that zone's
    assert "next attempt (UTC)" in listing.stdout and "sent (UTC)" in listing.stdout
    assert f"{email.next_attempt_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}" in listing.stdout

    shown = _cli(services, "outbox", "--show", str(email.id))
    assert shown.returncode == 0, shown.stderr
    assert "Subject: StdWatch 预警｜消防产品：1 条" in shown.stdout
    assert f"Message-ID: {email.message_id}" in shown.stdout
    assert "List-Unsubscribe: <https://stdwatch.example.org/api/unsubscribe?token=" in shown.stdout
    assert "烟雾报警器" in shown.stdout and "HS 编码: 853110" in shown.stdout  # the decoded text part
    assert _cli(services, "outbox", "--show", "999").returncode == 1

    flushed = _cli(services, "outbox", "--flush")
    assert flushed.returncode == 0, flushed.stderr
    assert "sent 1, retry later 0, failed 0" in flushed.stderr
    assert _ids(smtp) == [email.message_id]
    [sent] = OutboxRepository(services.repo.engine).emails()
    assert (
        sent.sent_at
        and f"{sent.sent_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}" in _cli(services, "outbox").stdout
    )
    assert _cli(services, "outbox", "--status", "nonsense").returncode == 2
