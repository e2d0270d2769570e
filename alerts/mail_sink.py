"""A local mail sink for the demo: a real SMTP server (aiosmtpd) on 127.0.0.1 that files every message it
accepts into a Maildir, so the demo's emails travel the same SMTP path as in production and can be read
afterwards with any mail reader (or `stdwatch outbox --demo --show ID`)."""

from __future__ import annotations

import mailbox
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
MAILDIR_NAME = "maildir"  # under the data folder: the outbox command mentions it when it exists


def free_port(host: str = HOST) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class MaildirHandler:
    """aiosmtpd handler: one Maildir message per recipient, stored byte for byte as sent (after the
    Return-Path and Delivered-To lines a delivering server adds)."""

    maildir: mailbox.Maildir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        body = content if isinstance(content, bytes) else str(content).encode("utf-8")
        for recipient in envelope.rcpt_tos:
            trace = f"Return-Path: <{envelope.mail_from}>\r\nDelivered-To: {recipient}\r\n".encode()
            self.maildir.add(trace + body)
        return "250 2.0.0 Message accepted for delivery"


class MailSink:
    """`with MailSink(folder) as sink:` an SMTP server on 127.0.0.1:`sink.port` writing into `folder`."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.maildir = mailbox.Maildir(folder, create=True)
        self._controller = Controller(MaildirHandler(self.maildir), hostname=HOST, port=port or free_port())

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def count(self) -> int:
        return len(self.maildir)
