"""The mailer against a real SMTP server on loopback: plain, STARTTLS, TLS, login, and failures."""

from __future__ import annotations

import socket
import stat
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smtp_testserver import HOST, PASSWORD, USERNAME, TestCertificate, make_certificate, smtp

from wisp.audit.alert_models import AlertView, DeliveryStatus, Severity
from wisp.audit.mailer import (
    DEFAULT_PORTS,
    Mailer,
    Security,
    SmtpConfig,
    compose_alert,
    is_loopback,
    parse_address,
    parse_addresses,
    read_password,
)
from wisp.config import Settings
from wisp.errors import ConfigError, MailError

USER = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
SENDER = "wisp@example.com"
RECIPIENTS = ("security@example.com", "owner@example.com")
ZONE = ZoneInfo("America/New_York")
ALERT = AlertView(
    id=7,
    rule="bulk_reveal",
    title="Many reveals of personal information by one user",
    severity=Severity.HIGH,
    subject=str(USER),
    first_sequence=101,
    last_sequence=121,
    count=21,
    raised_at=datetime(2025, 3, 4, 15, 4, 5, tzinfo=UTC),
    last_seen_at=datetime(2025, 3, 4, 15, 9, 0, tzinfo=UTC),
    acknowledged_at=None,
    acknowledged_by=None,
    delivery_status=DeliveryStatus.PENDING,
    delivery_attempts=0,
    delivery_error=None,
)
DESCRIPTION = "Many reveals of personal information by one user: more than 20 within 10 minutes."
EXPECTED_BODY = f"""\
wisp raised a high alert (#7).

What:       Many reveals of personal information by one user
Rule:       bulk_reveal: {DESCRIPTION}
Subject:    user {USER}
Events:     21 (audit entries 101 to 121)
Raised:     2025-03-04 15:04:05 UTC (2025-03-04 10:04:05 EST, America/New_York)
Last event: 2025-03-04 15:09:00 UTC (2025-03-04 10:09:00 EST, America/New_York)

Where to look, on the wisp server:
  wisp alerts list
  wisp audit list --since 2025-03-04T14:04:05Z
Acknowledge it once reviewed: wisp alerts ack 7

This message carries ids, times and counts only; never personal information.
"""


@pytest.fixture
def certificate(tmp_path: Path) -> TestCertificate:
    return make_certificate(tmp_path)


def config(port: int, security: Security = Security.NONE, **options: object) -> SmtpConfig:
    return SmtpConfig(
        host=HOST,
        port=port,
        security=security,
        sender=SENDER,
        recipients=RECIPIENTS,
        timeout=5.0,
        **options,  # type: ignore[arg-type]
    )


def message() -> object:
    return compose_alert(
        ALERT,
        DESCRIPTION,
        sender=SENDER,
        recipients=RECIPIENTS,
        zone=ZONE,
        sent_at=datetime(2025, 3, 4, 15, 4, 6, tzinfo=UTC),
    )


def test_the_message_says_what_when_who_how_many_and_where_to_look() -> None:
    composed = compose_alert(
        ALERT,
        DESCRIPTION,
        sender=SENDER,
        recipients=RECIPIENTS,
        zone=ZONE,
        sent_at=datetime(2025, 3, 4, 15, 4, 6, tzinfo=UTC),
    )

    assert composed["Subject"] == (
        "[wisp] HIGH alert #7: Many reveals of personal information by one user"
    )
    assert composed["From"] == SENDER
    assert composed["To"] == ", ".join(RECIPIENTS)
    assert composed["Auto-Submitted"] == "auto-generated"
    assert composed["Message-ID"].endswith("@example.com>")
    assert composed.get_content() == EXPECTED_BODY


@pytest.mark.parametrize(
    ("subject", "shown"),
    [
        ("203.0.113.9", "Subject:    source address 203.0.113.9"),
        ("2001:db8::1", "Subject:    source address 2001:db8::1"),
        ("audit_log", "Subject:    audit_log"),
    ],
)
def test_the_subject_is_named_by_kind(subject: str, shown: str) -> None:
    alert = AlertView(**{**{f: getattr(ALERT, f) for f in ALERT.__slots__}, "subject": subject})

    body = compose_alert(
        alert, DESCRIPTION, sender=SENDER, recipients=RECIPIENTS, zone=UTC, sent_at=ALERT.raised_at
    ).get_content()

    assert shown in body.splitlines()


def test_plain_smtp_to_loopback_delivers() -> None:
    with smtp() as (port, server):
        Mailer(config(port)).send(message())  # type: ignore[arg-type]

    (mail,) = server.received
    assert mail.sender == SENDER
    assert mail.recipients == list(RECIPIENTS)
    assert mail.message["Subject"].startswith("[wisp] HIGH alert #7")
    assert mail.message.get_content().replace("\r\n", "\n") == EXPECTED_BODY  # SMTP's CRLF


def test_starttls_with_login(certificate: TestCertificate) -> None:
    server_options = {
        "tls_context": certificate.server_context(),
        "require_starttls": True,
        "auth_required": True,
    }
    with smtp(**server_options) as (port, server):
        mailer = Mailer(
            config(port, Security.STARTTLS, username=USERNAME, password=SecretStr(PASSWORD)),
            ssl_context=certificate.client_context(),
        )
        mailer.send(message())  # type: ignore[arg-type]

    assert server.logins == [USERNAME]
    assert len(server.received) == 1


def test_implicit_tls(certificate: TestCertificate) -> None:
    with smtp(ssl_context=certificate.server_context()) as (port, server):
        mailer = Mailer(config(port, Security.TLS), ssl_context=certificate.client_context())
        mailer.send(message())  # type: ignore[arg-type]

    assert len(server.received) == 1


def _refused(mailer: Mailer) -> MailError:
    with pytest.raises(MailError) as info:
        mailer.send(message())  # type: ignore[arg-type]
    assert "\n" not in str(info.value)
    return info.value


def test_a_server_without_starttls_is_refused_not_used_in_clear() -> None:
    with smtp() as (port, server):
        error = _refused(Mailer(config(port, Security.STARTTLS)))

    assert "SMTPNotSupportedError" in str(error)
    assert server.received == []


def test_an_untrusted_certificate_is_refused(certificate: TestCertificate) -> None:
    with smtp(tls_context=certificate.server_context()) as (port, server):
        error = _refused(Mailer(config(port, Security.STARTTLS)))  # the system's CAs only

    assert "SSLCertVerificationError" in str(error)
    assert server.received == []


def test_a_wrong_password_is_refused_without_showing_it(certificate: TestCertificate) -> None:
    wrong = "not-the-password-123"
    server_options = {
        "tls_context": certificate.server_context(),
        "require_starttls": True,
        "auth_required": True,
    }
    with smtp(**server_options) as (port, server):
        mailer = Mailer(
            config(port, Security.STARTTLS, username=USERNAME, password=SecretStr(wrong)),
            ssl_context=certificate.client_context(),
        )
        error = _refused(mailer)

    assert "SMTPAuthenticationError" in str(error)
    assert wrong not in str(error)
    assert wrong not in repr(mailer.config)
    assert server.received == []


def test_nobody_listening() -> None:
    with smtp() as (port, _server):
        pass

    error = _refused(Mailer(config(port)))

    assert f"{HOST}:{port}" in str(error)
    assert "ConnectionRefusedError" in str(error)


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        mailer = Mailer(SmtpConfig(HOST, port, Security.NONE, SENDER, RECIPIENTS, timeout=0.3))

        error = _refused(mailer)

    assert "TimeoutError" in str(error)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("smtp.example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_plain_smtp_elsewhere_than_loopback_is_refused() -> None:
    with pytest.raises(ConfigError, match="loopback"):
        SmtpConfig("smtp.example.com", 25, Security.NONE, SENDER, RECIPIENTS)


def test_login_needs_both_name_and_password() -> None:
    with pytest.raises(ConfigError, match="both"):
        SmtpConfig(HOST, 25, Security.NONE, SENDER, RECIPIENTS, username=USERNAME)


@pytest.mark.parametrize(
    ("text", "address"),
    [("alerts@example.com", "alerts@example.com"), ("  a.b+c@d.example  ", "a.b+c@d.example")],
)
def test_parse_address(text: str, address: str) -> None:
    assert parse_address(text) == address


@pytest.mark.parametrize(
    "text", ["", "alerts", "a@", "@b", "Joe <a@b.c>", "a@b.c\r\nBcc: x@y.z", "a b@c.d"]
)
def test_parse_address_refuses_without_quoting(text: str) -> None:
    with pytest.raises(ValueError, match="not an e-mail address") as info:
        parse_address(text)
    assert text.strip() == "" or text not in str(info.value)


def test_parse_addresses() -> None:
    assert parse_addresses("a@b.c, d@e.f,,") == ("a@b.c", "d@e.f")


def test_read_password(tmp_path: Path) -> None:
    path = tmp_path / "smtp-password"
    path.write_text(PASSWORD + "\n")
    path.chmod(0o640)

    assert read_password(path).get_secret_value() == PASSWORD


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        (PASSWORD, 0o644, "open to others"),
        ("", 0o600, "empty"),
        (None, 0o600, "cannot read"),
    ],
)
def test_read_password_refuses(
    tmp_path: Path, content: str | None, mode: int, message: str
) -> None:
    path = tmp_path / "smtp-password"
    if content is not None:
        path.write_text(content)
        path.chmod(mode)

    with pytest.raises(ConfigError, match=message) as info:
        read_password(path)
    assert PASSWORD not in str(info.value)
    assert not path.exists() or stat.S_IMODE(path.stat().st_mode) == mode


def test_config_from_settings(tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text(PASSWORD)
    password.chmod(0o600)

    assert SmtpConfig.from_settings(Settings(home=tmp_path)) is None
    made = SmtpConfig.from_settings(
        Settings(
            home=tmp_path,
            smtp_host="smtp.example.com",
            smtp_username=USERNAME,
            smtp_password_file=password,
            alert_from=SENDER,
            alert_to="security@example.com",
            smtp_timeout_seconds=3,
        )
    )

    assert made is not None
    assert (made.host, made.port, made.security) == ("smtp.example.com", 587, Security.STARTTLS)
    assert made.recipients == ("security@example.com",)
    assert made.password is not None
    assert made.password.get_secret_value() == PASSWORD
    assert made.timeout == 3.0
    assert DEFAULT_PORTS == {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}
