"""17.04(4): alert e-mail over SMTP (stdlib smtplib): STARTTLS, implicit TLS, or plain to loopback.

A message names the rule, when it fired (UTC and local), the subject's id, how many audit
entries and where to look; it is built from the alerts table alone, which holds no PI. A failure
is one `MailError` line naming the error's class; the alert stays, marked failed, for a retry.
"""

from __future__ import annotations

import email.policy
import enum
import ipaddress
import smtplib
import socket
import ssl
import stat
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from wisp.audit.alert_models import AlertView
from wisp.errors import ConfigError, MailError

if TYPE_CHECKING:
    from wisp.config import Settings

__all__ = [
    "DEFAULT_PORTS",
    "Mailer",
    "Security",
    "SmtpConfig",
    "compose_alert",
    "is_loopback",
    "parse_address",
    "parse_addresses",
    "read_password",
]

_MAX_PASSWORD_BYTES = 1024
# Lines up to 200 characters (RFC 5322 allows 998): the default 78 folds a long Subject right
# after its colon, which some readers show with a leading blank.
_POLICY = email.policy.SMTP.clone(max_line_length=200)


class Security(enum.StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


#: The port each kind of security uses unless WISP_SMTP_PORT says otherwise.
DEFAULT_PORTS = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: `localhost` or a loopback address (no name lookup)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_address(text: str) -> str:
    """`text` as a bare address (`alerts@example.com`); ValueError, never quoting it, if not one."""
    try:
        address = Address(addr_spec=text.strip())
    except (ValueError, IndexError, MessageError):
        raise ValueError("is not an e-mail address (name@domain)") from None
    if not address.username or not address.domain:
        raise ValueError("is not an e-mail address (name@domain)")
    return address.addr_spec


def parse_addresses(text: str) -> tuple[str, ...]:
    """Comma-separated addresses, each checked by `parse_address`; blanks are skipped."""
    return tuple(parse_address(part) for part in text.split(",") if part.strip())


def read_password(path: Path) -> SecretStr:
    """The SMTP password in `path` (first line); ConfigError if unreadable or open to others."""
    try:
        if path.stat().st_mode & stat.S_IRWXO:
            raise ConfigError(f"the SMTP password file {path} is open to others; chmod o-rwx it")
        data = path.read_bytes()[: _MAX_PASSWORD_BYTES + 1]
    except OSError as exc:
        raise ConfigError(f"cannot read the SMTP password file {path}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"the SMTP password file {path} is not UTF-8 text") from None
    lines = text.splitlines()
    if len(data) > _MAX_PASSWORD_BYTES or not lines or not lines[0]:
        raise ConfigError(f"the SMTP password file {path} is empty or too long")
    return SecretStr(lines[0])


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where alert e-mail goes, and how; `password` is never shown."""

    host: str
    port: int
    security: Security
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        # Plain text, and a password in it, may cross only the loopback interface.
        if self.security is Security.NONE and not is_loopback(self.host):
            raise ConfigError("SMTP without TLS is allowed only to a loopback host")
        if not self.recipients:
            raise ConfigError("alert e-mail needs at least one recipient (WISP_ALERT_TO)")
        if (self.username is None) != (self.password is None):
            raise ConfigError("SMTP authentication needs both a user name and a password")

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The configuration `settings` give; None when WISP_SMTP_HOST is unset (no e-mail)."""
        if settings.smtp_host is None:
            return None
        if settings.alert_from is None:
            raise ConfigError("WISP_ALERT_FROM must be set with WISP_SMTP_HOST")
        security = Security(settings.smtp_security)
        password_file = settings.smtp_password_file
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or DEFAULT_PORTS[security],
            security=security,
            sender=settings.alert_from,
            recipients=tuple(settings.alert_to),
            username=settings.smtp_username,
            password=read_password(password_file) if password_file is not None else None,
            timeout=float(settings.smtp_timeout_seconds),
        )


class Mailer:
    """Hands messages to one SMTP server; certificates are verified unless told otherwise."""

    def __init__(self, config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._context = ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        # The host's own name, not getfqdn(): a reverse lookup can stall for seconds.
        local = socket.gethostname()
        if config.security is Security.TLS:
            return smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=local,
                timeout=config.timeout,
                context=self._context,
            )
        return smtplib.SMTP(config.host, config.port, local_hostname=local, timeout=config.timeout)

    def send(self, message: EmailMessage) -> None:
        """Deliver `message` to the configured recipients; MailError (one line) if refused."""
        config = self.config
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if config.security is Security.STARTTLS:
                    # Refused, not skipped, when the server offers no STARTTLS: fail closed.
                    smtp.starttls(context=self._context)
                    smtp.ehlo()
                if config.username is not None and config.password is not None:
                    smtp.login(config.username, config.password.get_secret_value())
                refused = smtp.send_message(
                    message, from_addr=config.sender, to_addrs=list(config.recipients)
                )
        except (smtplib.SMTPException, OSError) as exc:
            # The class only: a server's reply may echo addresses or credentials.
            raise MailError(
                f"cannot send alert e-mail through {config.host}:{config.port}"
                f" ({type(_root(exc)).__name__})"
            ) from _root(exc)
        if refused:
            cause = smtplib.SMTPRecipientsRefused(refused)
            raise MailError(
                f"the SMTP server refused {len(refused)} of {len(config.recipients)} recipients"
            ) from cause


def _root(exc: BaseException) -> BaseException:
    # smtplib turns a socket error (a timeout, a reset) into SMTPServerDisconnected; name the
    # socket error, which says more.
    context = exc.__context__
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(context, OSError):
        return context
    return exc


def _subject_text(subject: str) -> str:
    try:
        return f"user {uuid.UUID(subject)}"
    except ValueError:
        pass
    try:
        return f"source address {ipaddress.ip_address(subject).compressed}"
    except ValueError:
        return subject


def _when(instant: datetime, zone: tzinfo) -> str:
    local = instant.astimezone(zone)
    return (
        f"{instant.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        f" ({local:%Y-%m-%d %H:%M:%S %Z}, {getattr(zone, 'key', str(zone))})"
    )


def _body(alert: AlertView, description: str, zone: tzinfo) -> str:
    # A counting rule's first entry precedes the alert by up to its window (15 minutes at most
    # by default); an hour's margin finds it without knowing the rule's settings.
    since = alert.raised_at.astimezone(UTC) - timedelta(hours=1)
    entries = (
        f"entry {alert.first_sequence}"
        if alert.first_sequence == alert.last_sequence
        else f"entries {alert.first_sequence} to {alert.last_sequence}"
    )
    lines = [
        f"wisp raised a {alert.severity.value} alert (#{alert.id}).",
        "",
        f"What:       {alert.title}",
        f"Rule:       {alert.rule}: {description}",
        f"Subject:    {_subject_text(alert.subject)}",
        f"Events:     {alert.count} (audit {entries})",
        f"Raised:     {_when(alert.raised_at, zone)}",
        f"Last event: {_when(alert.last_seen_at, zone)}",
        "",
        "Where to look, on the wisp server:",
        "  wisp alerts list",
        f"  wisp audit list --since {since:%Y-%m-%dT%H:%M:%SZ}",
        f"Acknowledge it once reviewed: wisp alerts ack {alert.id}",
        "",
        "This message carries ids, times and counts only; never personal information.",
    ]
    return "\n".join(lines) + "\n"


def compose_alert(
    alert: AlertView,
    description: str,
    *,
    sender: str,
    recipients: tuple[str, ...],
    zone: tzinfo,
    sent_at: datetime,
) -> EmailMessage:
    """The e-mail for `alert`; `description` is its rule's one sentence, with its thresholds."""
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = f"[wisp] {alert.severity.value.upper()} alert #{alert.id}: {alert.title}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(sent_at.astimezone(UTC))
    message["Message-ID"] = make_msgid("wisp-alert", domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(_body(alert, description, zone))
    return message
