"""17.04(4), 17.03(2)(j): what may be written into the audit log, checked before it is written.

The audit log is kept for years, copied to reviewers and outlives every key, so it must never
hold personal information. It cannot recognize PI in free text, so it accepts no free text:
each field is an id (UUID or integer), a member of an enum defined in wisp's code, a count, a
masked value (`***-**-6789`) or a keyed digest. A plain `str` is refused with `UnsafeAuditField`,
so a name, an address or a typed-in username can only get in by a deliberate wrapper. A failed
sign-in for an unknown username therefore has no actor: what was typed may be a password.
"""

from __future__ import annotations

import enum
import ipaddress
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wisp.errors import UnsafeAuditField

__all__ = [
    "MAX_DETAILS",
    "Action",
    "AuditEvent",
    "DetailValue",
    "Digest",
    "Masked",
    "Outcome",
    "SystemActor",
    "Target",
    "normalize_details",
]

MAX_DETAILS = 32
_MAX_LIST = 64
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Letters and underscores only: a kind of thing, which can hold no number.
_KIND = re.compile(r"[a-z][a-z_]{0,31}")
_HEX = re.compile(r"[0-9a-f]{16,128}")
_VISIBLE = re.compile(r"[0-9A-Za-z]")
_MASK_CHARS = re.compile(r"[-*•# ./]*[*•#][-*•# ./]*")


class Action(enum.StrEnum):
    """What happened; a closed vocabulary, so that alert rules and reports can rely on it."""

    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOGOUT = "auth.logout"
    LOCKOUT = "auth.lockout"
    UNLOCK = "auth.unlock"
    SESSION_EXPIRED = "auth.session_expired"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 - an action, not a secret
    PASSWORD_RESET = "auth.password_reset"  # noqa: S105 - an action, not a secret
    MFA_ENROLLED = "auth.mfa_enrolled"
    MFA_FAILED = "auth.mfa_failed"
    MFA_RESET = "auth.mfa_reset"
    TOKEN_CREATED = "auth.token_created"  # noqa: S105 - an action, not a secret
    TOKEN_REVOKED = "auth.token_revoked"  # noqa: S105 - an action, not a secret
    CREDENTIALS_PURGED = "auth.credentials_purged"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_DELETED = "user.deleted"
    ROLE_GRANTED = "access.role_granted"
    ROLE_REVOKED = "access.role_revoked"
    PERMISSION_CHANGED = "access.permission_changed"
    ACCESS_DENIED = "access.denied"
    RECORD_CREATED = "vault.record_created"
    RECORD_UPDATED = "vault.record_updated"
    RECORD_DELETED = "vault.record_deleted"
    RECORD_SHREDDED = "vault.record_shredded"
    REVEAL = "vault.reveal"
    EXPORT = "data.export"
    IMPORT = "data.import"
    KEY_CREATED = "key.created"
    KEY_ROTATED = "key.rotated"
    KEY_REWRAPPED = "key.rewrapped"
    KEY_DESTROYED = "key.destroyed"
    SCAN = "discovery.scan"
    CONFIG_CHANGED = "config.changed"
    AUDIT_VERIFIED = "audit.verified"
    AUDIT_EXPORTED = "audit.exported"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"


class Outcome(enum.StrEnum):
    """How it ended."""

    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"
    ERROR = "error"


class SystemActor(enum.StrEnum):
    """An actor that is not a user: wisp itself, or someone at the host's command line."""

    SYSTEM = "system"
    CLI = "cli"


class Masked(str):
    """A masked value, such as `***-**-6789`: at most four characters left visible."""

    __slots__ = ()

    def __new__(cls, text: str) -> Masked:
        visible = _VISIBLE.findall(text)
        hidden = "".join(_VISIBLE.split(text))
        if len(text) > 64 or len(visible) > 4 or not _MASK_CHARS.fullmatch(hidden):
            raise UnsafeAuditField(
                "a masked value shows at most 4 characters among mask characters"
            )
        return super().__new__(cls, text)


class Digest(str):
    """A keyed fingerprint or hash, in lowercase hex (16 to 128 digits)."""

    __slots__ = ()

    def __new__(cls, text: str) -> Digest:
        if not _HEX.fullmatch(text):
            raise UnsafeAuditField("a digest is 16 to 128 lowercase hex digits")
        return super().__new__(cls, text)


Id = uuid.UUID | int
Scalar = bool | int | uuid.UUID | enum.Enum | Masked | Digest | datetime | None
#: What a detail may hold: a scalar above, or a list/tuple of them.
DetailValue = Scalar | list[Scalar] | tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """What was acted on: a kind (`vault_record`, `user`, `role`) and its id."""

    kind: str
    id: Id | Digest | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise UnsafeAuditField("a target kind is lowercase letters and underscores")
        _id_text("target id", self.id)


def _id_text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (uuid.UUID, int, Digest, SystemActor)):
        raise UnsafeAuditField(f"the {name} must be a UUID or an integer id")
    return str(value)


def _scalar(name: str, value: object) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        if not isinstance(value.value, (str, int)):
            raise UnsafeAuditField(f"detail {name!r}: an enum value must be a str or an int")
        return value.value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (Masked, Digest)):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise UnsafeAuditField(f"detail {name!r}: a time must be timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    # Plain text, floats, bytes, mappings: anything that could carry PI, or hash unsteadily.
    raise UnsafeAuditField(
        f"detail {name!r} is a {type(value).__name__}: use an id, an enum, a count,"
        " Masked or Digest"
    )


def normalize_details(details: Mapping[str, object]) -> dict[str, Any]:
    """The details as JSON values, refused with UnsafeAuditField if a value might carry PI."""
    if len(details) > MAX_DETAILS:
        raise UnsafeAuditField(f"an audit entry holds at most {MAX_DETAILS} details")
    normalized: dict[str, Any] = {}
    for name, value in details.items():
        if not isinstance(name, str) or not _KEY.fullmatch(name):
            raise UnsafeAuditField("a detail name is lowercase letters, digits and underscores")
        if isinstance(value, (list, tuple)):
            if len(value) > _MAX_LIST:
                raise UnsafeAuditField(f"detail {name!r} lists more than {_MAX_LIST} values")
            normalized[name] = [_scalar(name, item) for item in value]
        else:
            normalized[name] = _scalar(name, value)
    return normalized


def _source_text(source: object) -> str | None:
    if source is None:
        return None
    if isinstance(source, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return source.compressed
    try:
        return ipaddress.ip_address(str(source)).compressed
    except ValueError:
        raise UnsafeAuditField("the source must be an IP address") from None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event to record, validated when made; the clock and the chain add the rest."""

    action: Action
    outcome: Outcome
    actor: Id | SystemActor | None = None
    target: Target | None = None
    source: ipaddress.IPv4Address | ipaddress.IPv6Address | str | None = None
    details: Mapping[str, DetailValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.action, Action):
            raise UnsafeAuditField("the action must be a wisp.audit.events.Action")
        if not isinstance(self.outcome, Outcome):
            raise UnsafeAuditField("the outcome must be a wisp.audit.events.Outcome")
        if self.target is not None and not isinstance(self.target, Target):
            raise UnsafeAuditField("the target must be a wisp.audit.events.Target")
        _id_text("actor", self.actor)
        _source_text(self.source)
        normalize_details(self.details)

    def columns(self) -> dict[str, Any]:
        """The event as the audit table's columns (without sequence, time and chain)."""
        return {
            "actor": _id_text("actor", self.actor),
            "action": self.action.value,
            "target_type": self.target.kind if self.target else None,
            "target_id": _id_text("target id", self.target.id) if self.target else None,
            "source": _source_text(self.source),
            "outcome": self.outcome.value,
            "details": normalize_details(self.details),
        }
