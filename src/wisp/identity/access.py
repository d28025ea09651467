"""17.04(1)(d), 17.04(2)(a): sessions and API tokens, checked on every request.

The checks are the hot path: one indexed query reads the credential, its user's status, roles
(custom grants included) and MFA state; a write follows at most once a minute per credential
(`last_seen_at`, `last_used_at`), so `last_seen_at` may lag by up to a minute and the idle
timeout errs early, never late. A credential of a disabled user is refused and the attempt is
audited as `access.denied` with reason `disabled`, for the alert rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, NoReturn

from sqlalchemy.orm import Session

from wisp.audit.events import Action, DetailValue, Outcome
from wisp.errors import SessionInvalid
from wisp.identity import repository as repo
from wisp.identity.context import Context, stored_roles, user_target
from wisp.identity.roles import Permission, Principal
from wisp.identity.tokens import (
    API_TOKEN_PREFIX,
    SESSION_PREFIX,
    SessionStatus,
    hash_secret,
    start_session,
)
from wisp.identity.tokens import Session as StoredSession
from wisp.identity.views import Credential, SessionState, SignIn, SignInFailure, UserStatus
from wisp.storage.session import transaction

__all__ = [
    "LiveSession",
    "authenticate_session",
    "authenticate_token",
    "lock_live_session",
    "new_session",
    "require_live_session",
    "session_digest",
    "session_expiry",
    "sign_out",
]

#: How stale `last_seen_at` / `last_used_at` may get before a request writes it.
_TOUCH_EVERY: Final = timedelta(minutes=1)
_INVALID: Final = "the session has ended or is not valid; sign in again"
_TOKEN_INVALID: Final = "the API token is not valid, has expired or was revoked"  # noqa: S105


def session_digest(secret: str) -> str:
    """The stored hash of a presented session id; SessionInvalid if it is malformed."""
    digest = hash_secret(secret, SESSION_PREFIX)
    if digest is None:
        raise SessionInvalid(_INVALID)
    return digest


def session_expiry(
    ctx: Context, state: SessionState, created_at: datetime, last_seen_at: datetime
) -> datetime:
    """When a session ends if unused from now on.

    A pending session is never touched: it lasts one idle timeout from the password step.
    """
    if state is SessionState.FULL:
        stored = StoredSession("", "", created_at, last_seen_at)
        return stored.expires_at(ctx.timeouts)
    return created_at + ctx.timeouts.idle_timeout


def new_session(
    ctx: Context,
    session: Session,
    user_id: uuid.UUID,
    state: SessionState,
    source: str | None,
    *,
    audit_login: bool = True,
    details: Mapping[str, DetailValue] | None = None,
) -> SignIn:
    """Start a session (a new id every time: no fixation), audited as a sign-in unless told."""
    now = ctx.now()
    secret, stored = start_session(str(user_id), now=now)
    repo.insert_session(session, stored.id_hash, user_id, state, now)
    if audit_login:
        ctx.record(
            session,
            Action.LOGIN,
            Outcome.SUCCESS,
            actor=user_id,
            target=user_target(user_id),
            source=source,
            state=state,
            **(details or {}),
        )
    return SignIn(secret, state, user_id, session_expiry(ctx, state, now, now))


@dataclass(frozen=True)
class LiveSession:
    """A session that is open, in one of the wanted states, of an active user: both locked."""

    record: repo.SessionRecord
    user: repo.UserRecord


def lock_live_session(
    ctx: Context, session: Session, digest: str, states: Collection[SessionState]
) -> LiveSession | None:
    """The live session `digest` with its user, locked user first (the order every writer
    follows, so that two transactions never wait on each other); None if not live."""
    first = repo.get_session(session, digest)
    if first is None:
        return None
    user = repo.get_user(session, first.user_id, lock=True)
    record = repo.get_session(session, digest, lock=True)
    if user is None or record is None or user.status is not UserStatus.ACTIVE:
        return None
    if record.revoked_at is not None or record.state not in states:
        return None
    if ctx.now() >= session_expiry(ctx, record.state, record.created_at, record.last_seen_at):
        return None
    return LiveSession(record, user)


def require_live_session(
    ctx: Context, session: Session, digest: str, states: Collection[SessionState]
) -> LiveSession:
    """`lock_live_session`, or SessionInvalid (sign in again) if the session is not live."""
    live = lock_live_session(ctx, session, digest, states)
    if live is None:
        raise SessionInvalid(_INVALID)
    return live


def authenticate_session(ctx: Context, secret: str, source: str | None) -> Principal:
    """The principal of a FULL session; SessionInvalid for anything else.

    Refused: an unknown, revoked, pending (MFA not done), idle or expired session, a disabled
    user (audited as access denied), and a user whose roles now need MFA they have not
    enrolled (their roles changed since they signed in: they must sign in and enrol).
    """
    digest = session_digest(secret)
    with ctx.reading() as connection:
        found = repo.session_context(connection, digest)
    if found is None:
        raise SessionInvalid(_INVALID)
    if found.user_status is not UserStatus.ACTIVE:
        _deny_disabled(ctx, found.user_id, Credential.SESSION, source, _INVALID)
    if found.revoked_at is not None or found.state is not SessionState.FULL:
        raise SessionInvalid(_INVALID)
    now = ctx.now()
    last_seen = found.last_used_at or found.created_at
    status = StoredSession(digest, "", found.created_at, last_seen).status(now, ctx.timeouts)
    if status is not SessionStatus.ACTIVE:
        _expire(ctx, digest, found.user_id, status, source)
    principal = Principal(str(found.user_id), stored_roles(found.roles))
    if principal.requires_mfa and not found.mfa_enrolled:
        raise SessionInvalid(_INVALID)
    if now - last_seen >= _TOUCH_EVERY:
        with transaction(ctx.sessions, write=True) as session:
            repo.touch_session(session, digest, now, now - _TOUCH_EVERY)
    return principal


def _expire(
    ctx: Context, digest: str, user_id: uuid.UUID, status: SessionStatus, source: str | None
) -> NoReturn:
    # Ended once, and audited once, however often the stale cookie comes back.
    with transaction(ctx.sessions, write=True) as session:
        if repo.revoke_session(session, digest, ctx.now()):
            ctx.record(
                session,
                Action.SESSION_EXPIRED,
                Outcome.SUCCESS,
                actor=user_id,
                target=user_target(user_id),
                source=source,
                reason=status,
            )
    raise SessionInvalid(_INVALID)


def _deny_disabled(
    ctx: Context, user_id: uuid.UUID, credential: Credential, source: str | None, message: str
) -> NoReturn:
    # A terminated user's old cookie or token coming back is what 17.04(2)(a) alerts on.
    with transaction(ctx.sessions, write=True) as session:
        ctx.record(
            session,
            Action.ACCESS_DENIED,
            Outcome.DENIED,
            actor=user_id,
            target=user_target(user_id),
            source=source,
            reason=SignInFailure.DISABLED,
            credential=credential,
        )
    raise SessionInvalid(message)


def sign_out(ctx: Context, secret: str, source: str | None) -> None:
    """End the session `secret`; nothing happens for an unknown or ended one."""
    digest = hash_secret(secret, SESSION_PREFIX)
    if digest is None:
        return
    with transaction(ctx.sessions, write=True) as session:
        found = repo.get_session(session, digest)
        if found is not None and repo.revoke_session(session, digest, ctx.now()):
            ctx.record(
                session,
                Action.LOGOUT,
                Outcome.SUCCESS,
                actor=found.user_id,
                target=user_target(found.user_id),
                source=source,
            )


def authenticate_token(ctx: Context, secret: str, source: str | None) -> Principal:
    """The principal of an API token: its user's current roles, narrowed to the token's scopes.

    A token of a user whose roles require MFA is accepted without a second factor: it was
    issued from a FULL session (MFA done) or by someone at the host's shell, and is shown once.
    """
    digest = hash_secret(secret, API_TOKEN_PREFIX)
    if digest is None:
        raise SessionInvalid(_TOKEN_INVALID)
    with ctx.reading() as connection:
        found = repo.token_context(connection, digest)
    if found is None:
        raise SessionInvalid(_TOKEN_INVALID)
    if found.user_status is not UserStatus.ACTIVE:
        _deny_disabled(ctx, found.user_id, Credential.API_TOKEN, source, _TOKEN_INVALID)
    now = ctx.now()
    if found.revoked_at is not None or found.expires_at is None or now >= found.expires_at:
        raise SessionInvalid(_TOKEN_INVALID)
    scopes = frozenset(Permission.parse(scope) for scope in found.scopes)
    principal = Principal(str(found.user_id), stored_roles(found.roles), scopes=scopes)
    if found.last_used_at is None or now - found.last_used_at >= _TOUCH_EVERY:
        with transaction(ctx.sessions, write=True) as session:
            repo.touch_token(session, digest, now, now - _TOUCH_EVERY)
    return principal
