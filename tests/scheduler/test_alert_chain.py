"""The scheduler's alert jobs in sequence deliver a real early-warning email: a notification is ingested, the
digest job renders it, the flush job hands it to a real SMTP server on loopback (aiosmtpd); running the jobs
again sends nothing twice."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from alerts.services import Services
from config.settings import Settings
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.status import JobRunLog
from stdwatch.records import record_from_json
from stdwatch.store.accounts import AccountRepository, SubscriptionRepository, SubscriptionSpec
from tests.scheduler.conftest import FixedClock


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_services(settings: Settings, smtp: tuple[Inbox, int]) -> Iterator[Services]:
    built = Services.from_settings(
        settings.model_copy(
            update={
                "smtp_port": smtp[1],
                "secret_key": SecretStr("scheduler-test-secret-0123456789"),
                "public_url": "https://stdwatch.example.org",
            }
        )
    )
    yield built
    jobs._context = None
    built.close()


def test_digest_and_flush_jobs_deliver_one_email(
    mail_services: Services, smtp: tuple[Inbox, int], clock: FixedClock
) -> None:
    inbox, _port = smtp
    accounts = AccountRepository(mail_services.repo.engine)
    org = accounts.ensure_organization("厦门示例电池有限公司")
    subs = SubscriptionRepository(mail_services.repo.engine)
    sub = subs.create(
        org.id,
        None,
        SubscriptionSpec(
            name="外墙面砖",
            kind="search",
            frequency="immediate",
            language="zh",
            query={"q": "外墙面砖"},
            emails=("buyer@example.org",),
        ),
    )
    subs.confirm_recipient(sub.recipients[0].id)
    jobs.bind(JobContext(mail_services, clock))
    jobs.match_catch_up()  # the matcher's starting point: what is stored from now on can alert

    mail_services.flow.ingest(
        [
            record_from_json(
                {
                    "kind": "tbt_notification",
                    "symbol": "G/TBT/N/TPKM/999",
                    "member": "TPKM",
                    "distribution_date": "2026-02-20",
                    "comment_deadline": "2026-04-20",
                    "title_zh": "外墙面砖法定检验要求",
                    "products": "外墙面砖",
                }
            )
        ]
    )
    for job in (jobs.match_catch_up, jobs.digests, jobs.flush_outbox):
        job()
    assert len(inbox.messages) == 1
    message = BytesParser(policy=policy.default).parsebytes(inbox.messages[0])
    assert message["To"] == "buyer@example.org"
    assert "G/TBT/N/TPKM/999" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    for job in (jobs.match_catch_up, jobs.digests, jobs.flush_outbox):  # the next ticks of the scheduler
        job()
    assert len(inbox.messages) == 1
    runs = JobRunLog(mail_services.repo.engine).history()
    assert all(run.outcome == "ok" for run in runs), [(r.job_id, r.message) for r in runs]
    first_flush = [r.message for r in runs if r.job_id == "alerts.flush"][-1]
    assert first_flush is not None and first_flush.startswith("sent 1,")
