"""The one validated Settings object, read from `WISP_*` environment variables at start-up."""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "default_home"]


def default_home() -> Path:
    """The state directory: `$XDG_DATA_HOME/wisp`, else `~/.local/share/wisp`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wisp"


class Settings(BaseSettings):
    """wisp's settings; each field is also the environment variable `WISP_<NAME>`."""

    # Errors never echo the input: WISP_DATABASE_URL may carry a password.
    model_config = SettingsConfigDict(
        env_prefix="WISP_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    home: Path = Field(default_factory=default_home, description="State directory (keys, caches).")
    workers: int = Field(
        default=0, ge=0, description="Scan worker processes; 0 means one per core."
    )
    max_file_bytes: int = Field(
        default=512 * 1024 * 1024, gt=0, description="Files larger than this are not scanned."
    )
    max_findings_per_file: int = Field(
        default=100, ge=0, description="Findings listed per file; counts are always complete."
    )
    archive_max_depth: int = Field(default=5, ge=0, description="Nested archive depth limit.")
    archive_max_members: int = Field(default=10_000, gt=0, description="Members per archive.")
    archive_max_ratio: int = Field(
        default=100, gt=0, description="Largest allowed uncompressed/compressed ratio."
    )
    archive_max_bytes: int = Field(
        default=1024 * 1024 * 1024, gt=0, description="Total uncompressed bytes per archive."
    )
    # Identity and access (17.04(1), 17.04(2)); the reasons for each default are in wisp.identity.
    password_min_length: int = Field(
        default=12, ge=8, le=64, description="Shortest password accepted, in characters."
    )
    lockout_threshold: int = Field(
        default=5, ge=2, le=100, description="Counted failed sign-ins that lock an account."
    )
    lockout_window_minutes: int = Field(
        default=15, gt=0, description="Failures older than this stop counting toward a lockout."
    )
    lockout_minutes: int = Field(
        default=30, ge=0, description="How long a lockout lasts; 0: until an administrator unlocks."
    )
    throttle_free_failures: int = Field(
        default=3, ge=1, description="Failures from one source before its backoff starts."
    )
    throttle_max_delay_seconds: int = Field(
        default=900, gt=0, description="Longest wait imposed on one source between attempts."
    )
    throttle_reset_minutes: int = Field(
        default=60, gt=0, description="A source with no failure for this long starts afresh."
    )
    session_idle_minutes: int = Field(
        default=15, gt=0, description="A session unused for this long ends."
    )
    session_absolute_hours: int = Field(
        default=12, gt=0, description="A session ends this long after sign-in, used or not."
    )
    api_token_max_days: int = Field(
        default=90, gt=0, le=366, description="Longest lifetime an API token may be given."
    )
    # Storage and audit (17.03(2)(j), 17.04(4)); the reasons are in wisp.storage and wisp.audit.
    database_url: SecretStr | None = Field(
        default=None,
        description=(
            "Database URL, postgresql+psycopg://user:password@host/db for several app servers;"
            " unset: SQLite in <home>/wisp.sqlite3. A secret: it may hold a password."
        ),
    )
    key_provider: str = Field(
        default="file",
        description=(
            "Where the vault's root keys live: file (the keyring made by wisp init), env"
            " (WISP_MASTER_KEY), or a provider a plugin adds."
        ),
    )
    key_passphrase_file: Path | None = Field(
        default=None,
        description="File holding the keyring's passphrase (e.g. a systemd credential).",
    )
    # The server (17.04(3)): HTTPS unless on loopback or behind a declared TLS proxy.
    bind: str = Field(default="127.0.0.1", description="Address wisp serve listens on.")
    port: int = Field(default=8443, gt=0, lt=65536, description="Port wisp serve listens on.")
    tls_cert_file: Path | None = Field(
        default=None, description="Certificate chain (PEM); unset: <home>/tls/cert.pem from init."
    )
    tls_key_file: Path | None = Field(
        default=None, description="Its private key (PEM, mode 0600); unset: <home>/tls/key.pem."
    )
    plain_http: bool = Field(
        default=False,
        description="Serve plain HTTP: only on a loopback address, or behind WISP_TRUSTED_PROXIES.",
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses of TLS-terminating proxies whose X-Forwarded-For and"
            " X-Forwarded-Proto are believed."
        ),
    )
    web_workers: int = Field(default=0, ge=0, description="Server processes; 0: one per core.")
    audit_checkpoint_every: int = Field(
        default=1000,
        ge=0,
        description="Sign an audit checkpoint after this many entries; 0: only on demand.",
    )
    # Monitoring and alerts (17.04(4)); the reasons for each default are in wisp.audit.alerts.
    smtp_host: str | None = Field(
        default=None, description="SMTP server for alert e-mail; unset: alerts kept, not mailed."
    )
    smtp_port: int | None = Field(
        default=None, gt=0, le=65535, description="SMTP port; unset: 587, 465 (tls) or 25 (none)."
    )
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls, tls (implicit), or none (to loopback only)."
    )
    smtp_username: str | None = Field(default=None, description="SMTP user; unset: no login.")
    smtp_password_file: Path | None = Field(
        default=None,
        validate_default=True,
        description="File holding the SMTP password (first line); needed with smtp_username.",
    )
    smtp_timeout_seconds: int = Field(
        default=10, gt=0, le=300, description="Give up on the SMTP server after this long."
    )
    alert_from: str | None = Field(
        default=None, validate_default=True, description="Sender address of alert e-mail."
    )
    alert_to: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validate_default=True, description="Comma-separated alert recipients."
    )
    webauthn_origin: str | None = Field(
        default=None,
        description=(
            "The origin users' browsers reach wisp at (https://host[:port]); set, security keys"
            " and passkeys (WebAuthn) are offered as a second kind of second factor."
        ),
    )
    webauthn_rp_id: str | None = Field(
        default=None,
        validate_default=True,
        description="WebAuthn relying-party id: the origin's host or a parent domain of it.",
    )
    business_hours: str = Field(
        default="07:00-19:00", description="Working hours; sign-ins and reveals outside alert."
    )
    business_days: str = Field(default="mon-fri", description="Working days, e.g. mon-fri.")
    timezone: str = Field(
        default="America/New_York", description="IANA time zone of business hours and e-mails."
    )
    alert_failed_sign_ins: int = Field(
        default=5, ge=2, description="Failed sign-ins per account or source that raise an alert."
    )
    alert_failed_sign_ins_minutes: int = Field(
        default=15, gt=0, description="Window in which failed sign-ins are counted."
    )
    alert_reveals: int = Field(
        default=20, ge=1, description="Reveals by one user above this many in the window alert."
    )
    alert_reveals_minutes: int = Field(
        default=10, gt=0, description="Window in which one user's reveals are counted."
    )
    alert_export_records: int = Field(
        default=100, ge=1, description="An export of more records than this is a bulk export."
    )
    alert_repeat_minutes: int = Field(
        default=60, gt=0, description="An open alert absorbs repeats of itself for this long."
    )

    @field_validator("home")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the URL: it may carry a password.
        if value is None or not value.get_secret_value().strip():
            return None
        from wisp.storage.urls import normalize_database_url

        return SecretStr(normalize_database_url(value.get_secret_value()))

    # Cross-field rules sit on the later field, so that an error names a setting.
    @field_validator("throttle_free_failures")
    @classmethod
    def _throttle_before_lockout(cls, value: int, info: ValidationInfo) -> int:
        # One source alone must never be able to lock an account (see wisp.identity.lockout).
        threshold = info.data.get("lockout_threshold")
        if threshold is not None and value >= threshold:
            raise ValueError("must be smaller than lockout_threshold")
        return value

    @field_validator("throttle_reset_minutes")
    @classmethod
    def _reset_outlasts(cls, value: int, info: ValidationInfo) -> int:
        window = info.data.get("lockout_window_minutes")
        delay = info.data.get("throttle_max_delay_seconds")
        if window is not None and value < window:
            raise ValueError("must be at least lockout_window_minutes")
        if delay is not None and value * 60 <= delay:
            raise ValueError("must be longer than throttle_max_delay_seconds")
        return value

    @field_validator("session_absolute_hours")
    @classmethod
    def _absolute_outlasts_idle(cls, value: int, info: ValidationInfo) -> int:
        idle = info.data.get("session_idle_minutes")
        if idle is not None and value * 60 < idle:
            raise ValueError("must be at least session_idle_minutes")
        return value

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not all(c.isalnum() or c in ".-:_" for c in value.strip()):
            raise ValueError("must be a host name or an IP address")
        return value.strip()

    @field_validator("smtp_security")
    @classmethod
    def _plain_only_to_loopback(cls, value: str, info: ValidationInfo) -> str:
        from wisp.audit.mailer import is_loopback

        host = info.data.get("smtp_host")
        if value == "none" and host is not None and not is_loopback(host):
            raise ValueError("none (no TLS) is allowed only to localhost or a loopback address")
        return value

    @field_validator("smtp_password_file")
    @classmethod
    def _login_needs_both(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if (value is None) != (info.data.get("smtp_username") is None):
            raise ValueError("must be set together with smtp_username")
        return value

    @field_validator("alert_from")
    @classmethod
    def _sender(cls, value: str | None, info: ValidationInfo) -> str | None:
        from wisp.audit.mailer import parse_address

        if value is None or not value.strip():
            if info.data.get("smtp_host") is not None:
                raise ValueError("must be set when smtp_host is")
            return None
        return parse_address(value)

    @field_validator("alert_to", mode="before")
    @classmethod
    def _recipients(cls, value: object, info: ValidationInfo) -> tuple[str, ...]:
        from wisp.audit.mailer import parse_address, parse_addresses

        if isinstance(value, str):
            recipients = parse_addresses(value)
        elif isinstance(value, (list, tuple)):
            recipients = tuple(parse_address(str(item)) for item in value)
        else:
            raise ValueError("must be comma-separated e-mail addresses")
        if not recipients and info.data.get("smtp_host") is not None:
            raise ValueError("must name at least one address when smtp_host is set")
        return recipients

    @field_validator("business_hours", "business_days", "timezone")
    @classmethod
    def _schedule(cls, value: str, info: ValidationInfo) -> str:
        # The alert rules' own parsers: what they refuse at use, settings refuse at start.
        from wisp.audit.alerts import parse_days, parse_hours, parse_zone

        parsers: dict[str | None, Callable[[str], object]] = {
            "business_hours": parse_hours,
            "business_days": parse_days,
            "timezone": parse_zone,
        }
        parsers[info.field_name](value)
        return value

    @field_validator("webauthn_origin")
    @classmethod
    def _webauthn_origin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value)
        secure = parsed.scheme == "https" or parsed.hostname in ("localhost", "127.0.0.1")
        if not (secure and parsed.hostname) or parsed.path not in ("", "/") or parsed.query:
            raise ValueError("must be an https origin such as https://wisp.example.com:8443")
        return f"{parsed.scheme}://{parsed.netloc}"

    @field_validator("webauthn_rp_id")
    @classmethod
    def _webauthn_rp_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        origin = info.data.get("webauthn_origin")
        if origin is None:
            if value is not None:
                raise ValueError("needs webauthn_origin as well")
            return None
        host = urlsplit(origin).hostname or ""
        rp_id = (value or host).lower()
        if host != rp_id and not host.endswith("." + rp_id):
            raise ValueError("must be the webauthn_origin's host or a parent domain of it")
        return rp_id

    def worker_count(self) -> int:
        """How many processes a scan uses."""
        return self.workers or os.cpu_count() or 1
