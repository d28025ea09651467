"""17.04(1), 17.04(2): what the identity service hands out: frozen views, never database rows.

The web layer and the CLI read these; secrets (session ids, API tokens, TOTP secrets, recovery
codes) appear in a view only the once they are made, and never in its `repr`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from wisp.identity.roles import MFA_PERMISSIONS, Grant, Permission

__all__ = [
    "Credential",
    "MfaEnrolled",
    "MfaFactor",
    "MfaSetup",
    "PasskeyView",
    "RoleView",
    "SessionState",
    "SignIn",
    "SignInFailure",
    "TokenView",
    "UserStatus",
    "UserView",
]


class UserStatus(StrEnum):
    """Whether a user may sign in; a disabled user's sessions and tokens are all ended."""

    ACTIVE = "active"
    DISABLED = "disabled"


class SessionState(StrEnum):
    """How far a session got: only FULL may act; the pending ones may only finish signing in."""

    PENDING_MFA = "pending_mfa"  # the password was right; a TOTP or recovery code is due
    PENDING_ENROLLMENT = "pending_enrollment"  # the user's roles need MFA; it must be enrolled
    FULL = "full"


class SignInFailure(StrEnum):
    """Why a sign-in failed: the `reason` of every `auth.login_failed` audit entry.

    Alert rules key on these strings; the user always sees the same generic message.
    """

    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason, not a secret
    WRONG_CODE = "wrong_code"
    LOCKED = "locked"
    DISABLED = "disabled"
    THROTTLED = "throttled"


class MfaFactor(StrEnum):
    """Which second factor completed a sign-in."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    WEBAUTHN = "webauthn"  # a security key or passkey


@dataclass(frozen=True)
class PasskeyView:
    """A registered security key, as its owner sees it: the name they gave it, and its use."""

    name: str
    created_at: datetime
    last_used_at: datetime | None


class Credential(StrEnum):
    """What was presented on a request: a browser session or an API token."""

    SESSION = "session"
    API_TOKEN = "api_token"  # noqa: S105 - a kind of credential, not a secret


@dataclass(frozen=True)
class UserView:
    """A user as an administrator sees them; never the password hash or MFA secret."""

    id: uuid.UUID
    username: str
    display_name: str | None
    status: UserStatus
    roles: tuple[str, ...]
    mfa_enrolled: bool
    locked: bool
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class RoleView:
    """A role: built in (fixed) or defined by an administrator."""

    name: str
    description: str
    grants: tuple[Grant, ...]
    builtin: bool

    @property
    def requires_mfa(self) -> bool:
        """Whether a holder must have a second factor (see `wisp.identity.roles`)."""
        return any(grant.permission in MFA_PERMISSIONS for grant in self.grants)


@dataclass(frozen=True)
class TokenView:
    """An API token's description; its secret was shown once, when it was issued."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    scopes: frozenset[Permission]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class SignIn:
    """A new session: `secret` goes into the cookie, once; only its hash is stored.

    `expires_at` is when the session ends if unused from now on (for the cookie's expiry).
    """

    secret: str = field(repr=False)
    state: SessionState
    user_id: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True)
class MfaSetup:
    """What an authenticator app needs at enrolment: show it once, as text and a QR code."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)


@dataclass(frozen=True)
class MfaEnrolled:
    """The recovery codes to show once, and the FULL session that replaces the pending one."""

    recovery_codes: tuple[str, ...] = field(repr=False)
    sign_in: SignIn
