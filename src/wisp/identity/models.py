"""17.04(1), 17.04(2): the identity tables: users, roles, credentials, sessions, tokens, lockout.

Every secret is stored hashed (passwords: argon2id; sessions, tokens: SHA-256; recovery codes:
keyed HMAC) or encrypted (TOTP secrets: AES-GCM under a key derived from the vault's root key).
Lockout state lives here too, so that every app server sharing the database sees it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wisp.storage.models import Base

__all__ = [
    "AccountLockout",
    "ApiTokenRow",
    "CustomRole",
    "MfaCredential",
    "RecoveryCode",
    "SessionRow",
    "SourceThrottle",
    "User",
    "UserRole",
    "WebAuthnChallenge",
    "WebAuthnCredential",
]

_USER_FK = "identity_user.id"


class User(Base):
    """One person who signs in; `username_key` (case-folded) keeps names unique in any case."""

    __tablename__ = "identity_user"
    __table_args__ = (CheckConstraint("status IN ('active', 'disabled')", name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class CustomRole(Base):
    """A role an administrator defined; the built-in roles live in code and are never stored.

    `grants` is a JSON list of {"permission", "collections", "fields"}: read with its role in the
    one query that authenticates a request.
    """

    __tablename__ = "identity_role"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(256))
    grants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class UserRole(Base):
    """A user holds a role, built-in or custom, by name."""

    __tablename__ = "identity_user_role"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), primary_key=True)
    # Indexed: deleting a custom role first asks whether anyone still holds it.
    role_name: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class MfaCredential(Base):
    """A user's TOTP secret, encrypted; `enrolled_at` is None until a first code confirmed it.

    `key_version` is the vault root key the secret and the recovery-code hashes were made under:
    they stay readable after a rotation. `last_step` refuses a code used before (replay).
    """

    __tablename__ = "identity_mfa"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), primary_key=True)
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int]
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    enrolled_at: Mapped[datetime | None]


class RecoveryCode(Base):
    """One unused recovery code, as its keyed hash; using it deletes the row (single use)."""

    __tablename__ = "identity_recovery_code"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class WebAuthnCredential(Base):
    """A security key or passkey registered as a second kind of second factor (WebAuthn).

    Only its public key is kept; `sign_count` refuses an assertion from a cloned authenticator
    (a counter that does not move forward).
    """

    __tablename__ = "identity_webauthn_credential"

    credential_id: Mapped[str] = mapped_column(String(1366), primary_key=True)  # base64url
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class WebAuthnChallenge(Base):
    """The challenge a session was sent for one WebAuthn ceremony; taken (deleted) once."""

    __tablename__ = "identity_webauthn_challenge"

    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class SessionRow(Base):
    """A browser session: the SHA-256 of its id, never the id itself."""

    __tablename__ = "identity_session"
    __table_args__ = (
        CheckConstraint("state IN ('pending_mfa', 'pending_enrollment', 'full')", name="state"),
    )

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), index=True)
    state: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiTokenRow(Base):
    """An API token: the SHA-256 of its secret, its scopes (JSON list) and its lifetime."""

    __tablename__ = "identity_api_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), index=True)
    name: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class AccountLockout(Base):
    """`wisp.identity.lockout.AccountState` of one user; `counted` is a JSON list of instants."""

    __tablename__ = "identity_account_lockout"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_USER_FK), primary_key=True)
    counted: Mapped[list[str]] = mapped_column(JSON)
    consecutive: Mapped[int]
    locked_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class SourceThrottle(Base):
    """`wisp.identity.lockout.SourceState` of one source (IPv4 address or IPv6 /64)."""

    __tablename__ = "identity_source_throttle"

    source_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    # Indexed: sources quiet for longer than the reset time are pruned.
    last_failure_at: Mapped[datetime | None] = mapped_column(index=True)
    by_account: Mapped[list[list[Any]]] = mapped_column(JSON)
