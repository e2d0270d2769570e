"""`stdwatch outbox`: the email outbox (pending, sent, failed, with attempts and the last error), one message
printed with --show ID, and --flush to send what is due now. It reads the outbox rows of the store of record,
so it works for any deployment; `--demo` reads the demo's store (and its mail sink's Maildir is named)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from alerts.delivery import flush_outbox
from alerts.mail_sink import MAILDIR_NAME
from alerts.services import Services
from api.commands.demo import demo_settings
from api.commands.store_check import require_store
from config.settings import Settings, get_settings
from stdwatch.store.outbox import EmailRow, OutboxRepository

console = Console(stderr=True, soft_wrap=True)
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


def outbox(
    show: Annotated[
        int | None, typer.Option("--show", help="Print one email: headers and text part.")
    ] = None,
    flush: Annotated[bool, typer.Option("--flush", help="Send every email that is due now.")] = False,
    status: Annotated[
        str | None, typer.Option(help=f"Only emails in this state: {', '.join(STATUSES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many emails to list, newest first.")] = 50,
    demo: Annotated[
        bool, typer.Option("--demo", help="The outbox of the demo database (`stdwatch demo`).")
    ] = False,
) -> None:
    """The email outbox: pending, sent and failed emails with attempts and last error; --show ID; --flush."""
    if status and status not in STATUSES:
        console.print(f"[red]error:[/red] --status must be one of {', '.join(STATUSES)}, not {status!r}")
        raise typer.Exit(2)
    if demo and flush:
        console.print(
            "[red]error:[/red] --flush does not go with --demo: the demo's mail sink runs only while "
            "`stdwatch demo` runs, and its scheduler flushes the outbox"
        )
        raise typer.Exit(2)
    settings = demo_settings(get_settings()) if demo else get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s",
    )
    require_store(settings)
    services = Services.from_settings(settings)
    try:
        code = _run(services, show, flush, status, limit)
    finally:
        services.close()
    _mention_maildir(settings)
    raise typer.Exit(code)


def _mention_maildir(settings: Settings) -> None:
    """The demo's mail sink files what it received under the data folder; say where, for any mail reader."""
    maildir = settings.data_path / MAILDIR_NAME
    if (maildir / "new").is_dir():
        console.print(
            f"the demo's mail sink keeps every delivered message in the Maildir {maildir} "
            "(one file each in new/, readable with any mail reader, e.g. mutt -f)",
            highlight=False,
        )


def _run(services: Services, show: int | None, flush: bool, status: str | None, limit: int) -> int:
    repo = OutboxRepository(services.repo.engine)
    if show is not None:
        email = repo.email(show)
        if email is None:
            console.print(f"[red]error:[/red] no email with id {show}")
            return 1
        _print_email(email)
        return 0
    if flush:
        result = flush_outbox(services, datetime.now(UTC))
        lost = "; the SMTP connection was lost, the rest waits" if result.stopped else ""
        console.print(
            f"sent {result.sent}, retry later {result.retried}, failed {result.failed}, "
            f"cancelled {result.cancelled}{lost}",
            highlight=False,
        )
        return 1 if result.retried or result.failed else 0
    _print_table(repo.emails(status, limit), repo.status_counts())
    return 0


def _print_table(emails: list[EmailRow], counts: dict[str, int]) -> None:
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
    table = Table(title=f"outbox: {summary}")
    columns = (
        "id",
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "next attempt (UTC)",
        "sent (UTC)",
        "last error",
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for e in emails:
        waiting = e.status in ("pending", "sending")
        table.add_row(
            str(e.id),
            e.kind,
            e.recipient,
            e.subject,
            e.status,
            str(e.attempts),
            _utc(e.next_attempt_at) if waiting else "",
            _utc(e.sent_at),
            e.last_error or "",
        )
    Console(width=200).print(table)


def _utc(moment: datetime | None) -> str:
    """The store keeps UTC (naive on SQLite, aware on PostgreSQL); shown as UTC either way."""
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{aware:%Y-%m-%d %H:%M:%S}"


def _print_email(email: EmailRow) -> None:
    msg = message_from_string(email.raw, policy=policy.default)
    out = Console(width=200, highlight=False, soft_wrap=True)
    out.print(
        f"# email {email.id}: {email.status}, {email.attempts} attempt(s)"
        + (f", last error: {email.last_error}" if email.last_error else ""),
        markup=False,
    )
    for name in SHOWN_HEADERS:
        if msg[name] is not None:
            out.print(f"{name}: {msg[name]}", markup=False)
    body = msg.get_body(("plain",)) if isinstance(msg, EmailMessage) else None
    out.print("")
    out.print(body.get_content() if isinstance(body, EmailMessage) else "(no text part)", markup=False)
