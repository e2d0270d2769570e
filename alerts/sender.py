"""One SMTP session per flush (plain, STARTTLS or TLS, the server's certificate checked against the system's
CAs or `smtp_ca_file`; login when a user is set, never in clear text to another machine) that sends stored
bytes as they are, and sorts failures into "try this message again later", "give this message up" and "the
connection is gone"."""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from types import TracebackType

from config.settings import Settings

RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
MAX_ATTEMPTS = 10  # 1, 2, 4 ... 256 minutes apart: about 8.5 hours of trying before an email is marked failed


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed attempt (1 minute, doubling, at most 6 hours)."""
    delay: timedelta = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, RETRY_CAP)


def lease(settings: Settings) -> timedelta:
    """How long a claimed email is left to its sender before another flush may take it (its sender died)."""
    return timedelta(seconds=max(300.0, 4 * settings.smtp_timeout))


class SendError(Exception):
    """A message did not go. `permanent`: the server refused it for good (5xx); `connection_lost`: the session
    is unusable, so the rest of the batch waits for the next flush."""

    def __init__(self, message: str, *, permanent: bool = False, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection_lost = connection_lost


def _response_error(code: int, text: bytes | str, what: str) -> SendError:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return SendError(f"{what}: {code} {detail}".strip(), permanent=code >= 500, connection_lost=code == 421)


def _classify(exc: Exception) -> SendError:
    if isinstance(exc, smtplib.SMTPSenderRefused):
        # MAIL FROM refused (not authenticated, sender not allowed): every message would fail the same way
        return SendError(
            f"sender refused: {exc.smtp_code} {exc.smtp_error.decode('utf-8', 'replace')}",
            connection_lost=True,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _response_error(code, text, "recipient refused")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _response_error(exc.smtp_code, exc.smtp_error, type(exc).__name__)
    # disconnects, timeouts, refused connections, TLS failures: nothing to blame the message for
    return SendError(f"{type(exc).__name__}: {exc}", connection_lost=True)


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificate and host name checked; with `smtp_ca_file` only those CAs are trusted (a private CA)."""
    ca_file = settings.smtp_ca_file
    return ssl.create_default_context(cafile=str(ca_file.expanduser()) if ca_file else None)


def plaintext_login_refusal(settings: Settings) -> str | None:
    """Why the password must not be sent: AUTH without TLS is allowed only to a server on this machine."""
    host = settings.smtp_host.strip().lower()
    if settings.smtp_user and settings.smtp_security == "none" and host not in LOOPBACK_HOSTS:
        return (
            f"refusing to send the SMTP password unencrypted to {settings.smtp_host}: "
            "set STDWATCH_SMTP_SECURITY to starttls or tls"
        )
    return None


def _untrusted(settings: Settings, exc: ssl.SSLCertVerificationError) -> str:
    trusted = f"the CAs in {settings.smtp_ca_file}" if settings.smtp_ca_file else "the system's CAs"
    return (
        f"TLS: the certificate of SMTP server {settings.smtp_host}:{settings.smtp_port} was refused "
        f"({exc.verify_message or exc}); trusted: {trusted} (STDWATCH_SMTP_CA_FILE)"
    )


class SmtpSession:
    """Connects on the first message; `send` raises SendError and never anything else."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        if refusal := plaintext_login_refusal(s):
            raise SendError(refusal, connection_lost=True)
        smtp: smtplib.SMTP
        if s.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=tls_context(s))
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        try:
            if s.smtp_security == "starttls":
                # smtplib raises SMTPNotSupportedError when the server does not offer STARTTLS: the session
                # ends there, before any AUTH, rather than carrying on in clear text.
                smtp.starttls(context=tls_context(s))
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password.get_secret_value() if s.smtp_password else "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except ssl.SSLCertVerificationError as exc:
                raise SendError(_untrusted(self._settings, exc), connection_lost=True) from exc
            except (smtplib.SMTPException, OSError, UnicodeError) as exc:
                # refused, unreachable, TLS or login failure (smtplib takes ASCII credentials only): the
                # settings or the server, never the message
                raise SendError(
                    f"cannot open the SMTP session: {type(exc).__name__}: {exc}", connection_lost=True
                ) from exc
        return self._smtp

    def send(self, sender: str, recipient: str, raw: bytes) -> None:
        smtp = self._session()
        try:
            smtp.sendmail(sender, [recipient], raw)
        except (smtplib.SMTPException, OSError) as exc:
            error = _classify(exc)
            if error.connection_lost:
                self._drop()
            raise error from exc

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the messages are already accepted or recorded; a failed QUIT changes nothing
        finally:
            self._drop()
