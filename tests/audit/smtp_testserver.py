"""A real SMTP server on loopback for tests (aiosmtpd), plain, STARTTLS or TLS, with a test CA.

The certificate names 127.0.0.1, so the client verifies it as it would a real server's; the
client's SSL context trusts only this test certificate.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "HOST",
    "PASSWORD",
    "USERNAME",
    "Mail",
    "Recorder",
    "TestCertificate",
    "free_port",
    "make_certificate",
    "smtp",
]

HOST = "127.0.0.1"
USERNAME = "wisp-alerts"
PASSWORD = "correct horse battery staple"


@dataclass
class Mail:
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """The handler: keeps every message, and who logged in."""

    received: list[Mail] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USERNAME.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(USERNAME)
        # handled=False: aiosmtpd answers the failure itself (535), as a real server does.
        return AuthResult(success=ok, handled=False)


@dataclass
class TestCertificate:
    """A self-signed certificate for 127.0.0.1, and contexts for either side."""

    __test__ = False  # not a test class, whatever its name

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(directory: Path) -> TestCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wisp test SMTP")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(HOST))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TestCertificate(cert_path, key_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp(port: int | None = None, **options: Any) -> Iterator[tuple[int, Recorder]]:
    """A server on 127.0.0.1 (`options` go to aiosmtpd), stopped afterwards: (port, recorder)."""
    recorder = Recorder()
    port = port or free_port()
    if options.get("auth_required") or options.get("authenticator") is True:
        options["authenticator"] = recorder.authenticate
    controller = Controller(recorder, hostname=HOST, port=port, **options)
    controller.start()
    try:
        yield port, recorder
    finally:
        controller.stop()
