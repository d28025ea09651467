"""API tokens and session ids: opaque, random, stored only as SHA-256 hashes, always expiring.

17.04(1)(d) security of passwords and other access credentials; ASVS 5.0 V7 (sessions), V8.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Final

from wisp.config import Settings
from wisp.identity.clock import require_aware
from wisp.identity.roles import Permission, Principal, Role

__all__ = [
    "API_TOKEN_PREFIX",
    "SESSION_PREFIX",
    "ApiToken",
    "Session",
    "SessionPolicy",
    "SessionStatus",
    "TokenStatus",
    "hash_secret",
    "issue_api_token",
    "start_session",
]

#: Prefixes say what a leaked string is (secret scanners match them) and keep an API token
#: from ever being accepted as a session id, or the reverse.
API_TOKEN_PREFIX: Final = "wisp_at_"  # noqa: S105 (a prefix, not a secret)
SESSION_PREFIX: Final = "wisp_ss_"
#: 256 random bits (ASVS asks at least 128 for session tokens).
_SECRET_BYTES: Final = 32
_BODY = re.compile(r"[A-Za-z0-9_-]{43}")

TokenBytes = Callable[[int], bytes]


def _new_secret(prefix: str, token_bytes: TokenBytes) -> str:
    body = base64.urlsafe_b64encode(token_bytes(_SECRET_BYTES)).decode("ascii").rstrip("=")
    return prefix + body


def hash_secret(presented: str, prefix: str) -> str | None:
    """The stored form (SHA-256, hex) of a presented token or session id; None if malformed.

    A fast hash is enough: the secret is 256 random bits, not a password, so there is nothing
    to guess, and a plain hash lets the store look a token up by it. The store's own (not
    constant-time) comparison leaks at most bits of a hash whose preimage the caller controls.
    """
    body = presented.removeprefix(prefix)
    if body == presented or not _BODY.fullmatch(body):
        return None
    return hashlib.sha256(presented.encode("ascii")).hexdigest()


def _matches(presented: str, prefix: str, stored_hash: str) -> bool:
    digest = hash_secret(presented, prefix)
    return digest is not None and hmac.compare_digest(digest, stored_hash)


class TokenStatus(Enum):
    """What an API token check found; only VALID lets a request through."""

    VALID = "valid"
    WRONG = "wrong"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ApiToken:
    """The stored form of an API token: its hash, owner, scopes and lifetime; never the token."""

    token_hash: str
    user_id: str
    name: str
    scopes: frozenset[Permission]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def check(self, presented: str, now: datetime) -> TokenStatus:
        """Whether `presented` is this token and still usable at `now`."""
        if not _matches(presented, API_TOKEN_PREFIX, self.token_hash):
            return TokenStatus.WRONG
        if self.revoked_at is not None and self.revoked_at <= require_aware(now):
            return TokenStatus.REVOKED
        if require_aware(now) >= self.expires_at:
            return TokenStatus.EXPIRED
        return TokenStatus.VALID

    def principal(self, roles: tuple[Role, ...]) -> Principal:
        """Who acts with this token: its owner's current roles, narrowed to the token's scopes."""
        return Principal(self.user_id, roles, scopes=self.scopes)

    def revoke(self, now: datetime) -> ApiToken:
        """This token, revoked from `now` on."""
        return replace(self, revoked_at=require_aware(now))


def issue_api_token(
    user_id: str,
    name: str,
    scopes: Iterable[Permission | str],
    *,
    now: datetime,
    lifetime: timedelta,
    max_lifetime: timedelta = timedelta(days=90),
    token_bytes: TokenBytes = secrets.token_bytes,
) -> tuple[str, ApiToken]:
    """A new token to show its owner once, and what to store in its place.

    Every token has at least one scope and an expiry no later than `max_lifetime` (the
    setting `api_token_max_days`). A scope the owner's roles do not grant is harmless:
    `Principal.can` needs both.
    """
    parsed = frozenset(
        scope if isinstance(scope, Permission) else Permission.parse(scope) for scope in scopes
    )
    if not parsed:
        raise ValueError("an API token needs at least one scope")
    if not timedelta(0) < lifetime <= max_lifetime:
        raise ValueError(f"an API token's lifetime must be positive and at most {max_lifetime}")
    secret = _new_secret(API_TOKEN_PREFIX, token_bytes)
    digest = hash_secret(secret, API_TOKEN_PREFIX)
    assert digest is not None  # we made it well-formed
    created = require_aware(now)
    return secret, ApiToken(digest, user_id, name, parsed, created, created + lifetime)


class SessionStatus(Enum):
    """Whether a session may still be used; any value but ACTIVE means sign in again."""

    ACTIVE = "active"
    IDLE = "idle"  # unused for longer than the idle timeout
    EXPIRED = "expired"  # older than the absolute timeout, however busy


@dataclass(frozen=True)
class SessionPolicy:
    """Idle and absolute timeouts (ASVS 5.0 7.3.1, 7.3.2; 800-63B-4 §2.2.3 for AAL2).

    15 minutes idle suits a screen that can show PI; 12 hours is a working day, after which a
    forgotten browser no longer carries a session.
    """

    idle_timeout: timedelta = timedelta(minutes=15)
    absolute_timeout: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.idle_timeout <= self.absolute_timeout:
            raise ValueError("session timeouts must satisfy 0 < idle <= absolute")

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """The timeouts an installation configured."""
        return cls(
            idle_timeout=timedelta(minutes=settings.session_idle_minutes),
            absolute_timeout=timedelta(hours=settings.session_absolute_hours),
        )


@dataclass(frozen=True)
class Session:
    """The stored form of a session: the hash of its id, its user and its two clocks."""

    id_hash: str
    user_id: str
    created_at: datetime
    last_seen_at: datetime

    def matches(self, presented: str) -> bool:
        """Whether `presented` is this session's id (constant-time comparison of hashes)."""
        return _matches(presented, SESSION_PREFIX, self.id_hash)

    def status(self, now: datetime, policy: SessionPolicy) -> SessionStatus:
        """ACTIVE, or why the session is over; the absolute timeout wins over the idle one."""
        at = require_aware(now)
        if at >= self.created_at + policy.absolute_timeout:
            return SessionStatus.EXPIRED
        if at >= self.last_seen_at + policy.idle_timeout:
            return SessionStatus.IDLE
        return SessionStatus.ACTIVE

    def expires_at(self, policy: SessionPolicy) -> datetime:
        """When the session ends if unused from now on (for a cookie's expiry)."""
        return min(
            self.last_seen_at + policy.idle_timeout, self.created_at + policy.absolute_timeout
        )

    def touch(self, now: datetime) -> Session:
        """This session, seen at `now`; call it only for an ACTIVE session."""
        return replace(self, last_seen_at=max(self.last_seen_at, require_aware(now)))


def start_session(
    user_id: str, *, now: datetime, token_bytes: TokenBytes = secrets.token_bytes
) -> tuple[str, Session]:
    """A new session id for the cookie, and what to store in its place.

    Start a new session at every sign-in and every change of privilege (ASVS 7.2.4), never
    reuse one: that is what defeats session fixation.
    """
    secret = _new_secret(SESSION_PREFIX, token_bytes)
    digest = hash_secret(secret, SESSION_PREFIX)
    assert digest is not None  # we made it well-formed
    started = require_aware(now)
    return secret, Session(digest, user_id, started, started)
