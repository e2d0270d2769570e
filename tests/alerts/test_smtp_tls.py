"""SMTP over STARTTLS and implicit TLS against REAL aiosmtpd servers on loopback, with a throw-away CA made in
the test (`cryptography`): delivery with AUTH over TLS (user and password from the environment), a server
certificate the configured CA did not sign refused with a clear error on the outbox row and retried later, and
the password never offered before TLS is up."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from alerts.delivery import flush_outbox, make_digests
from alerts.sender import plaintext_login_refusal
from alerts.services import Services
from config.settings import Settings
from stdwatch.store.outbox import EmailRow, NewAlert, OutboxRepository
from tests.alerts.conftest import (
    RecordingHandler,
    add_org,
    add_recipient,
    add_subscription,
    free_port,
    make_settings,
    tbt,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
USER, PASSWORD = "alerts", "s3cret-Passw0rd"


# ------------------------------------------------------------------------------------------ certificates
@dataclass(frozen=True)
class Authority:
    name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def pem(self, folder: Path) -> Path:
        path = folder / f"{self.name}-ca.pem"
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{name} test CA"))
        .issuer_name(_name(f"{name} test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(name, key, cert)


def server_context(ca: Authority, folder: Path) -> ssl.SSLContext:
    """A server TLS context with a certificate for 127.0.0.1 / localhost signed by `ca`."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{ca.name}-server.pem", folder / f"{ca.name}-server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


# ------------------------------------------------------------------------------------------ SMTP servers
@dataclass
class Session:
    """What one server heard: each command with whether TLS was up when it came, and every AUTH tried."""

    commands: list[tuple[str, bool]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes, bool]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.commands]


class LoggingSMTP(SMTP):
    log: Session

    def _tls(self) -> bool:
        return self.transport is not None and self.transport.get_extra_info("ssl_object") is not None

    async def smtp_EHLO(self, hostname: str) -> None:
        self.log.commands.append(("EHLO", self._tls()))
        await super().smtp_EHLO(hostname)

    async def smtp_STARTTLS(self, arg: str) -> None:
        self.log.commands.append(("STARTTLS", self._tls()))
        await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        self.log.commands.append(("AUTH", self._tls()))
        await super().smtp_AUTH(arg)

    async def smtp_MAIL(self, arg: str) -> None:
        self.log.commands.append(("MAIL", self._tls()))
        await super().smtp_MAIL(arg)


class LoggingController(Controller):
    def __init__(self, handler: Any, log: Session, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        self.log = log

    def factory(self) -> SMTP:
        smtp = LoggingSMTP(self.handler, **self.SMTP_kwargs)
        smtp.log = self.log
        return smtp


@dataclass
class Server:
    handler: RecordingHandler
    log: Session
    port: int


def _authenticator(log: Session) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        log.logins.append((auth_data.login, auth_data.password, tls))
        ok = (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture
def servers() -> Iterator[Any]:
    """Starts real SMTP servers on loopback: `start(starttls=ctx)` or `start(implicit=ctx)` or plain."""
    started: list[Controller] = []

    def start(*, starttls: ssl.SSLContext | None = None, implicit: ssl.SSLContext | None = None) -> Server:
        handler, log = RecordingHandler(), Session()
        options: dict[str, Any] = {
            "authenticator": _authenticator(log),
            "auth_required": True,
            "auth_exclude_mechanism": ["LOGIN"],
        }
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True, auth_require_tls=True)
        elif implicit is not None:
            options.update(ssl_context=implicit, auth_require_tls=False)
        else:  # a server that would take the password in clear text, were it offered
            options.update(auth_require_tls=False)
        controller = LoggingController(handler, log, **options)
        controller.start()
        started.append(controller)
        return Server(handler, log, controller.port)

    yield start
    for controller in started:
        controller.stop()


# ------------------------------------------------------------------------------------------ the outbox
@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SMTP user and password come from the environment, as in production."""
    monkeypatch.setenv("STDWATCH_SMTP_USER", USER)
    monkeypatch.setenv("STDWATCH_SMTP_PASSWORD", PASSWORD)


def _settings(tmp_path: Path, port: int, security: str, ca_file: Path | None) -> Settings:
    url = f"sqlite:///{tmp_path / 'data' / 'stdwatch.sqlite3'}"
    return make_settings(tmp_path, url, port, smtp_security=security, smtp_ca_file=ca_file)


def _flush(settings: Settings, now: datetime) -> Any:
    services = Services.from_settings(settings)
    try:
        return flush_outbox(services, now)
    finally:
        services.close()


def _queue(settings: Settings, count: int) -> list[EmailRow]:
    """`count` rendered digest emails (one subscription, `count` confirmed addresses), due at NOW."""
    services = Services.from_settings(settings)
    try:
        engine = services.repo.engine
        services.repo.upsert_many(
            [tbt("G/TBT/N/CHN/1860", "CHN", title="Smoke alarms", title_zh="烟雾报警器", hs=["853110"])]
        )
        sub = add_subscription(engine, add_org(engine), "消防产品")
        for i in range(count):
            add_recipient(engine, sub, f"r{i}@example.com")
        outbox = OutboxRepository(engine)
        outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=NOW - timedelta(minutes=1))
        assert make_digests(services, NOW) == count
        return sorted(outbox.emails(), key=lambda e: e.id)
    finally:
        services.close()


def _rows(settings: Settings) -> list[EmailRow]:
    services = Services.from_settings(settings)
    try:
        return sorted(OutboxRepository(services.repo.engine).emails(), key=lambda e: e.id)
    finally:
        services.close()


def _assert_auth_only_over_tls(log: Session) -> None:
    assert log.logins, "the sender never logged in"
    assert all(tls for *_, tls in log.logins), log.logins
    assert all(tls for name, tls in log.commands if name in ("AUTH", "MAIL")), log.commands


# ------------------------------------------------------------------------------------------ tests
def test_starttls_delivers_with_auth_only_after_tls(tmp_path: Path, servers: Any, credentials: None) -> None:
    ca = make_ca("office")
    server = servers(starttls=server_context(ca, tmp_path))
    settings = _settings(tmp_path, server.port, "starttls", ca.pem(tmp_path))
    assert settings.smtp_user == USER  # read from the environment
    emails = _queue(settings, 2)

    result = _flush(settings, NOW)

    assert (result.sent, result.retried, result.failed, result.stopped) == (2, 0, 0, False)
    assert [m.data for m in server.handler.messages] == [e.raw.encode("ascii") for e in emails]
    names = server.log.names()
    assert names[:3] == ["EHLO", "STARTTLS", "EHLO"], names  # TLS first, then a fresh EHLO
    assert names.index("STARTTLS") < names.index("AUTH")
    assert server.log.logins == [(USER.encode(), PASSWORD.encode(), True)]  # one session, one login
    _assert_auth_only_over_tls(server.log)
    assert {row.status for row in _rows(settings)} == {"sent"}


def test_implicit_tls_delivers_with_auth(tmp_path: Path, servers: Any, credentials: None) -> None:
    ca = make_ca("office")
    server = servers(implicit=server_context(ca, tmp_path))
    settings = _settings(tmp_path, server.port, "tls", ca.pem(tmp_path))
    emails = _queue(settings, 2)

    result = _flush(settings, NOW)

    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    assert sorted(m.message_id for m in server.handler.messages) == sorted(e.message_id for e in emails)
    assert "STARTTLS" not in server.log.names()  # TLS from the first byte
    assert server.log.commands[0] == ("EHLO", True)
    _assert_auth_only_over_tls(server.log)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_the_ca_did_not_sign_is_refused_and_retried_later(
    tmp_path: Path, servers: Any, credentials: None, security: str
) -> None:
    trusted, rogue = make_ca("office"), make_ca("rogue")
    context = server_context(rogue, tmp_path)
    impostor = servers(**{"starttls" if security == "starttls" else "implicit": context})
    ca_file = trusted.pem(tmp_path)
    settings = _settings(tmp_path, impostor.port, security, ca_file)
    emails = _queue(settings, 2)

    result = _flush(settings, NOW)

    assert (result.sent, result.retried, result.failed, result.stopped) == (0, 1, 0, True)
    assert impostor.handler.messages == [] and impostor.log.logins == []  # no password, no message
    assert "AUTH" not in impostor.log.names()
    first, second = _rows(settings)
    assert first.status == "pending" and first.attempts == 1
    error = str(first.last_error)
    assert error.startswith(f"TLS: the certificate of SMTP server 127.0.0.1:{impostor.port} was refused")
    assert "unable to get local issuer certificate" in error and str(ca_file) in error
    assert "STDWATCH_SMTP_CA_FILE" in error
    assert first.next_attempt_at.replace(tzinfo=UTC) > NOW  # backoff, not lost
    assert second.status == "pending" and second.attempts == 0  # the rest of the batch untouched

    # The office fixes its server: the next flush after the backoff delivers both, nothing lost.
    genuine = servers(
        **{"starttls" if security == "starttls" else "implicit": server_context(trusted, tmp_path)}
    )
    fixed = settings.model_copy(update={"smtp_port": genuine.port})
    assert _flush(fixed, NOW + timedelta(seconds=30)).sent == 1  # only the untouched one is due yet
    assert _flush(fixed, NOW + timedelta(minutes=2)).sent == 1
    assert sorted(m.message_id for m in genuine.handler.messages) == sorted(e.message_id for e in emails)
    _assert_auth_only_over_tls(genuine.log)


def test_a_server_without_starttls_never_sees_the_password(
    tmp_path: Path, servers: Any, credentials: None
) -> None:
    plain = servers()  # offers AUTH in clear text, no STARTTLS
    settings = _settings(tmp_path, plain.port, "starttls", None)
    _queue(settings, 1)

    result = _flush(settings, NOW)

    assert (result.sent, result.retried, result.stopped) == (0, 1, True)
    assert plain.log.names() == ["EHLO"]  # asked what it offers, then left: no AUTH, no MAIL
    assert plain.log.logins == [] and plain.handler.messages == []
    [row] = _rows(settings)
    assert row.status == "pending" and "STARTTLS extension not supported by server" in str(row.last_error)


def test_no_clear_text_password_to_another_machine(tmp_path: Path, credentials: None) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    remote = make_settings(tmp_path, url, 25, smtp_host="mail.example.org", smtp_security="none")
    refusal = plaintext_login_refusal(remote)
    assert refusal is not None and "mail.example.org" in refusal and "STDWATCH_SMTP_SECURITY" in refusal
    assert plaintext_login_refusal(remote.model_copy(update={"smtp_security": "starttls"})) is None
    assert plaintext_login_refusal(remote.model_copy(update={"smtp_user": None})) is None
    for host in ("127.0.0.1", "localhost", "::1"):
        assert plaintext_login_refusal(remote.model_copy(update={"smtp_host": host})) is None
