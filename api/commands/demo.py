"""`stdwatch demo`: a fresh demo database from the bundled real records, with monitoring switched on.

Before the records load it creates a demo organization, user and one subscription of each kind; it starts the
scheduler in-process with the crawl jobs off (no network) and a local mail sink (a real SMTP server on
127.0.0.1 filing into a Maildir under the demo folder). Loading the records raises real alerts; the immediate
digests are made and flushed through SMTP at once, so a first run ends with real early-warning emails, read
with `stdwatch outbox --demo --show ID`. Then it serves the API (unless --no-serve).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape

from alerts.mail_sink import MAILDIR_NAME, MailSink
from alerts.services import Services
from api.commands.demo_monitoring import DemoAccount, create_demo_account, describe, run_job_now
from api.studies.demo import load_demo_studies
from config.settings import Settings, get_settings
from scheduler.app import RunningScheduler, start_scheduler
from stdwatch.signing import Signer
from stdwatch.store.outbox import OutboxRepository

DEMO_DATA = Path(__file__).resolve().parents[2] / "stdwatch" / "demo_data" / "records.jsonl"
LOCK_NAME = "demo.lock"
BUSY_EXIT = 2
console = Console(stderr=True, soft_wrap=True, highlight=False)


class DemoBusy(Exception):
    """Another `stdwatch demo` holds the demo folder."""


@contextmanager
def demo_lock(data_path: Path) -> Iterator[None]:
    """Hold the demo's lock (a file beside the demo folder, which a run deletes and recreates) for a whole run:
    a second demo would pull the store out from under the one serving."""
    data_path.mkdir(parents=True, exist_ok=True)
    path = data_path / LOCK_NAME
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise DemoBusy(
                f"another `stdwatch demo` (pid {holder}) is using {data_path / 'demo'}; stop it first "
                f"(its data stays readable: STDWATCH_DATA_DIR={data_path / 'demo'} stdwatch ...)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def demo_settings(base: Settings) -> Settings:
    """Where the demo keeps its data: `<data dir>/demo`, its own SQLite store and index."""
    return base.model_copy(
        update={"data_dir": base.data_path / "demo", "database_url": None, "search_index_path": None}
    )


def _secret(base: Settings) -> tuple[SecretStr, bool]:
    """The configured key, or one made for this run (True). A real deployment without a key keeps refusing
    to sign links: only the demo makes one up."""
    if base.secret_key is not None:
        Signer(base.secret_key.get_secret_value())  # too short: ValueError naming the setting
        return base.secret_key, False
    return SecretStr(secrets.token_urlsafe(32)), True


def _run_settings(base: Settings, host: str, port: int, smtp_port: int, secret: SecretStr) -> Settings:
    """The demo's settings: its own store, its mail sink as the SMTP server, links that point at it."""
    public = base.public_url
    if "public_url" not in base.model_fields_set:
        public = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
    return demo_settings(base).model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "smtp_user": None,
            "smtp_password": None,
            "smtp_ca_file": None,
            "secret_key": secret,
            "public_url": public,
        }
    )


def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load, send the first alert emails, then exit; do not serve.")
    ] = False,
) -> None:
    """Fresh demo database from the bundled real records, with monitoring (emails to a local mail sink)."""
    base = get_settings()
    logging.basicConfig(
        level=base.log_level.upper(), format="%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"
    )
    try:
        secret, generated = _secret(base)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    try:
        with demo_lock(base.data_path):
            code = _fresh_run(base, secret, generated, host, port, no_serve)
    except DemoBusy as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(BUSY_EXIT) from None
    raise typer.Exit(code)


def _fresh_run(
    base: Settings, secret: SecretStr, generated: bool, host: str, port: int, no_serve: bool
) -> int:
    folder = demo_settings(base).data_path
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with MailSink(folder / MAILDIR_NAME) as sink:
        settings = _run_settings(base, host, port, sink.port, secret)
        if generated:
            console.print(
                "STDWATCH_SECRET_KEY is not set: the demo signs its links with a key made for this run "
                "(they stop working when it ends; a real deployment must set one)"
            )
        return _run(settings, sink, host, port, no_serve)


def _run(settings: Settings, sink: MailSink, host: str, port: int, no_serve: bool) -> int:
    services = Services.from_settings(settings)
    try:
        account = create_demo_account(services)
        _print_account(account)
        code = _load(services)  # the ingest flow's matcher turns the new records into alerts
        running = start_scheduler(services, crawl=False)
        try:
            _deliver(running, services, sink)
            if code or no_serve:
                return code
            console.print(f"serving on http://{host}:{port}  (try /api/search?q=锂电池, docs at /docs)")
            from api.main import create_app
            from api.server import run

            run(create_app(settings, services), host, port, settings.log_level.lower())
            return 0
        finally:
            running.stop()
    finally:
        services.close()


def _print_account(account: DemoAccount) -> None:
    console.print(
        f"demo organization {account.organization}: user {account.email} ({account.role}), "
        f"address confirmed for the demo only; API key (this run only): {account.api_key}"
    )
    for sub in account.subscriptions:
        console.print(f"  subscription {describe(sub)}")


def _load(services: Services) -> int:
    report = services.flow.load_files([DEMO_DATA], None)
    stored = report.stored
    console.print(
        f"read {report.read + len(report.rejected)} lines: {stored.new} new, {stored.updated} updated, "
        f"{stored.unchanged} unchanged, {len(report.rejected)} rejected; indexed {report.indexed}"
    )
    for error in report.rejected:
        console.print(f"[red]rejected[/red] {error}")
    console.print(f"comparison studies: {load_demo_studies(services)} published (illustrative items)")
    return 1 if report.rejected else 0


def _deliver(running: RunningScheduler, services: Services, sink: MailSink) -> None:
    """The scheduler (crawl jobs off) makes the immediate digests and sends them to the mail sink now."""
    console.print("scheduler running in-process, crawl jobs off")
    for job_id in ("alerts.digests", "alerts.flush"):
        console.print(f"  {job_id}: {run_job_now(running, job_id)}")
    emails = sorted(OutboxRepository(services.repo.engine).emails(limit=1000), key=lambda e: e.id)
    console.print(f"{len(emails)} alert emails; the mail sink's Maildir {sink.folder} holds {sink.count()}:")
    for email in emails:
        console.print(f"  #{email.id} {email.status:<7} to {email.recipient}: {email.subject}", markup=False)
    if emails:
        # the one naming a TBT notification is the early warning a newcomer came for
        # the email warning about the most TBT notifications shows best what monitoring is for
        example = max(emails, key=lambda e: len(set(TBT_SYMBOL_RE.findall(text_part(e.raw)))))
        console.print(f"read one: stdwatch outbox --demo --show {example.id}")


TBT_SYMBOL_RE = re.compile(r"G/TBT/N/[A-Z]{3}/\d+")


def text_part(raw: str) -> str:
    """The decoded plain-text part of a stored message ("" if it has none)."""
    msg = message_from_string(raw, policy=policy.default)
    body = msg.get_body(("plain",)) if isinstance(msg, EmailMessage) else None
    return str(body.get_content()) if isinstance(body, EmailMessage) else ""
