"""Turning rendered text and HTML into one MIME message: headers, both parts, signed links, and a stable
Message-ID.

A message is built ONCE and stored whole; its Message-ID is derived from the email's unique key (kind,
subscription, address, period) plus the moment it was rendered, so every retry carries the same id and
receiving systems can recognise a repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import quote

from config.settings import Settings
from stdwatch.signing import Signer

UNSUBSCRIBE = "unsubscribe"
# Headers set raw (already encoded, or URLs) are sent exactly as set: the default "long" refolding would
# re-encode them. Every other header is still folded by the policy.
SMTP_POLICY = policy.SMTP.clone(refold_source="none")
CONFIRM = "confirm"


@dataclass(frozen=True)
class Links:
    """Every URL an email carries; address-specific ones are signed for that address only.

    Links a reader clicks go to the web pages (api/web); only the List-Unsubscribe header points at the API,
    whose URL takes the RFC 8058 one-click POST a mail client sends without a browser."""

    public_url: str
    signer: Signer

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
        return cls(settings.public_url.rstrip("/"), Signer(secret))

    def document(self, doc_id: str) -> str:
        return f"{self.public_url}/documents/{quote(doc_id, safe='')}"

    def manage(self, subscription_id: int) -> str:
        return f"{self.public_url}/subscriptions/{subscription_id}"

    def unsubscribe(self, recipient_id: int) -> str:
        """The page that explains and asks for a click (a GET changes nothing: mail scanners follow links)."""
        return f"{self.public_url}/unsubscribe?token={self._unsubscribe_token(recipient_id)}"

    def one_click_unsubscribe(self, recipient_id: int) -> str:
        """For the List-Unsubscribe header: the API URL that unsubscribes on POST (RFC 8058)."""
        return f"{self.public_url}/api/unsubscribe?token={self._unsubscribe_token(recipient_id)}"

    def confirm(self, recipient_id: int) -> str:
        token = self.signer.sign(CONFIRM, {"r": recipient_id})
        return f"{self.public_url}/subscriptions/confirm?token={token}"

    def _unsubscribe_token(self, recipient_id: int) -> str:
        return self.signer.sign(UNSUBSCRIBE, {"r": recipient_id})


def envelope_sender(mail_from: str) -> str:
    """The bare address of the From header (the SMTP MAIL FROM)."""
    address = parseaddr(mail_from)[1]
    if "@" not in address:
        raise ValueError(f"STDWATCH_MAIL_FROM {mail_from!r} holds no email address")
    return address


def message_id(parts: tuple[str | int, ...], rendered_at: datetime, mail_from: str) -> str:
    """`<digest.12.34.daily-2026-11-27.mfx3k2q8w0@example.org>`: the unique key, then the render time
    (microseconds, base 36) so that a database started afresh never reuses an id."""
    domain = envelope_sender(mail_from).rsplit("@", 1)[1]
    key = ".".join(re.sub(r"[^A-Za-z0-9-]+", "-", str(p)) for p in parts)
    return f"<{key}.{_base36(int(rendered_at.timestamp() * 1_000_000))}@{domain}>"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def build_message(
    rendered: Rendered,
    *,
    mail_from: str,
    to: str,
    msg_id: str,
    date: datetime,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """multipart/alternative (plain text first, HTML preferred); RFC 8058 one-click unsubscribe headers."""
    msg = EmailMessage(policy=SMTP_POLICY)
    name, address = parseaddr(mail_from)
    _set_encoded(msg, "From", formataddr((name, address), charset="utf-8"))
    msg["To"] = to
    _set_encoded(
        msg,
        "Subject",
        Header(rendered.subject, "utf-8", header_name="Subject").encode()
        if not rendered.subject.isascii()
        else rendered.subject,
    )
    msg["Date"] = format_datetime(date.astimezone(UTC))
    msg["Message-ID"] = msg_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to alerts
    if unsubscribe_url:
        # Raw and never refolded (SMTP_POLICY): folding would turn a URL longer than a line into RFC 2047
        # encoded words, which RFC 2369 does not allow there, and mail clients would find no link.
        _set_encoded(msg, "List-Unsubscribe", f"<{unsubscribe_url}>")
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # base64 keeps the stored bytes 7-bit clean, so any SMTP server takes them unchanged.
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="base64")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
    return msg


def _set_encoded(msg: EmailMessage, name: str, value: str) -> None:
    # Already RFC 2047-encoded by email.header, stored as is: the policy's own folder drops the space between
    # two encoded words ("6 条" arrives as "6条"; CPython's email folding, see python/cpython#144156).
    msg.set_raw(name, value)


def to_raw(msg: EmailMessage) -> str:
    """The exact bytes that will be sent, as ASCII text (headers are RFC 2047 encoded, bodies base64)."""
    return msg.as_bytes().decode("ascii")
