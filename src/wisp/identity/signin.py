"""17.04(1)(e): sign-in with a password and a second factor, throttled per source, then locked.

The rules are `wisp.identity.lockout`'s; this module keeps their state in the database, so that
every app server sees the same counts. An attempt runs in three steps:

1. **Decide** on the stored states, read without locks: a throttled source stops here, before
   any password is checked, and changes nothing (it is audited).
2. **Verify** the password outside any transaction (argon2 takes ~0.1 s; no lock is held), against
   a throw-away hash for an unknown user name, and even for a locked or disabled account, so
   that neither the time taken nor the message tells them apart.
3. **Settle** in one write transaction holding the user, account and source rows: decide again
   on the fresh states (requests racing past step 1 together are throttled here, their result
   unrevealed), record the failure or success, audit, and start the session.

A wrong TOTP or recovery code counts like a wrong password. Every refusal but THROTTLED shows
`GENERIC_FAILURE`; the audit entry's `reason` (a `SignInFailure`) says what happened.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from wisp.audit.events import Action, DetailValue, Outcome
from wisp.errors import PermissionDenied, SessionInvalid, SignInFailed, Throttled
from wisp.identity import repository as repo
from wisp.identity.access import new_session, require_live_session, session_digest
from wisp.identity.context import (
    Context,
    principal_id,
    registry,
    resolve,
    user_target,
    username_key,
)
from wisp.identity.lockout import (
    GENERIC_FAILURE,
    AccountState,
    Decision,
    SourceState,
    Verdict,
    decide,
    record_failure,
    record_success,
    source_key,
)
from wisp.identity.passwords import hash_password, needs_rehash, verify_password
from wisp.identity.roles import Principal
from wisp.identity.second_factor import CodeCheck, check_code
from wisp.identity.views import SessionState, SignIn, SignInFailure, UserStatus
from wisp.storage.session import transaction

__all__ = [
    "SecondFactorCheck",
    "change_password",
    "complete_mfa",
    "complete_second_factor",
    "sign_in",
]

#: How many stale source rows one failure prunes, at most (bounded work per request).
_PRUNE_BATCH: Final = 100
#: The width of `identity_source_throttle.source_key`.
_MAX_SOURCE_KEY: Final = 64


def _throttle_key(source: str) -> str:
    """The row a source is throttled under: its address (or /64), or a digest of anything
    longer than the column (a Unix socket's path), so that no peer can overflow it."""
    key = source_key(source)
    if len(key) <= _MAX_SOURCE_KEY:
        return key
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class _Outcome:
    sign_in: SignIn | None = None
    failure: SignInFailure | None = None
    retry_after: timedelta | None = None


def _deliver(outcome: _Outcome) -> SignIn:
    """Raise what a refused attempt shows, after its transaction has committed."""
    if outcome.failure is SignInFailure.THROTTLED:
        seconds = max(1, math.ceil((outcome.retry_after or timedelta(0)).total_seconds()))
        raise Throttled(
            f"too many failed sign-ins from this address; try again in {seconds} s", seconds
        )
    if outcome.sign_in is None:
        raise SignInFailed(GENERIC_FAILURE)
    return outcome.sign_in


def sign_in(ctx: Context, username: str, password: str, source: str) -> SignIn:
    """Check a user name and password from `source` (the client's IP address).

    The session is FULL, PENDING_MFA if the user has a second factor, or PENDING_ENROLLMENT if
    their roles require one they have not enrolled (that session may only enrol).
    """
    key = _throttle_key(source)
    name_key = username_key(username)
    with transaction(ctx.sessions) as session:
        user = repo.user_by_key(session, name_key) if name_key is not None else None
        account = repo.read_account(session, user.id) if user is not None else None
        decision = decide(ctx.lockout, repo.read_source(session, key), account, ctx.now())
    user_id = user.id if user is not None else None
    if decision.verdict is Verdict.THROTTLED:
        with transaction(ctx.sessions, write=True) as session:
            outcome = _throttled(ctx, session, user_id, decision, source)
        return _deliver(outcome)
    stored = user.password_hash if user is not None else None
    matched = verify_password(stored, password, hasher=ctx.hasher)
    rehash = None
    if matched and stored is not None and needs_rehash(stored, hasher=ctx.hasher):
        rehash = hash_password(password, hasher=ctx.hasher)
    with transaction(ctx.sessions, write=True) as session:
        outcome = _settle_password(ctx, session, user_id, stored, matched, rehash, source)
    return _deliver(outcome)


def _throttled(
    ctx: Context,
    session: Session,
    user_id: uuid.UUID | None,
    decision: Decision,
    source: str,
) -> _Outcome:
    _audit_failure(ctx, session, user_id, SignInFailure.THROTTLED, source)
    return _Outcome(failure=SignInFailure.THROTTLED, retry_after=decision.retry_after)


def _audit_failure(
    ctx: Context,
    session: Session,
    user_id: uuid.UUID | None,
    reason: SignInFailure,
    source: str | None,
    **details: DetailValue,
) -> None:
    # An unknown name has no actor: what was typed may have been a password.
    ctx.record(
        session,
        Action.LOGIN_FAILED,
        Outcome.FAILURE,
        actor=user_id,
        target=user_target(user_id) if user_id is not None else None,
        source=source,
        reason=reason,
        **details,
    )


@dataclass(frozen=True)
class _Locked:
    """The rows an attempt settles on, locked: user, then account, then source."""

    user: repo.UserRecord | None
    account: AccountState | None
    source: SourceState
    source_key: str
    decision: Decision


def _lock_states(ctx: Context, session: Session, user_id: uuid.UUID | None, source: str) -> _Locked:
    user = repo.get_user(session, user_id, lock=True) if user_id is not None else None
    account = repo.lock_account(session, user.id) if user is not None else None
    key = _throttle_key(source)
    state = repo.lock_source(session, key)
    return _Locked(user, account, state, key, decide(ctx.lockout, state, account, ctx.now()))


def _settle_password(
    ctx: Context,
    session: Session,
    user_id: uuid.UUID | None,
    stored: str | None,
    matched: bool,
    rehash: str | None,
    source: str,
) -> _Outcome:
    locked = _lock_states(ctx, session, user_id, source)
    if locked.decision.verdict is Verdict.THROTTLED:
        return _throttled(ctx, session, user_id, locked.decision, source)
    user = locked.user
    failure = _password_failure(user, stored, matched, locked.decision)
    if failure is not None or user is None:
        reason = failure or SignInFailure.UNKNOWN_USER
        _fail(ctx, session, locked, reason, source, matched)
        return _Outcome(failure=reason)
    _succeed(ctx, session, locked, user.id)
    if rehash is not None:  # the hashing parameters were raised since this hash was made
        repo.update_user(session, user.id, password_hash=rehash)
    state = _state_after_password(session, user.id)
    return _Outcome(sign_in=new_session(ctx, session, user.id, state, source))


def _password_failure(
    user: repo.UserRecord | None, stored: str | None, matched: bool, decision: Decision
) -> SignInFailure | None:
    if user is None:
        return SignInFailure.UNKNOWN_USER
    if decision.verdict is Verdict.LOCKED:
        return SignInFailure.LOCKED
    if user.status is not UserStatus.ACTIVE:
        return SignInFailure.DISABLED
    # The hash checked must still be the user's: it may have been reset meanwhile.
    if not matched or user.password_hash != stored:
        return SignInFailure.WRONG_PASSWORD
    return None


def _fail(
    ctx: Context,
    session: Session,
    locked: _Locked,
    reason: SignInFailure,
    source: str,
    secret_matched: bool,
) -> None:
    now = ctx.now()
    user_id = locked.user.id if locked.user is not None else None
    account_key = str(user_id) if user_id is not None else None
    after_source, after_account = record_failure(
        ctx.lockout, locked.source, locked.account, account_key, now
    )
    repo.store_source(session, locked.source_key, after_source)
    # For a locked or disabled account, whether the secret was right tells an investigator
    # that it is known to someone; nobody else ever sees it.
    details: dict[str, DetailValue] = {}
    if reason in (SignInFailure.LOCKED, SignInFailure.DISABLED):
        details["secret_matched"] = secret_matched
    _audit_failure(ctx, session, user_id, reason, source, **details)
    if user_id is not None and after_account is not None and locked.account is not None:
        repo.store_account(session, user_id, after_account)
        if after_account.is_locked(now) and not locked.account.is_locked(now):
            _audit_lockout(ctx, session, user_id, after_account, source)
    repo.prune_sources(session, now - ctx.lockout.source_reset, limit=_PRUNE_BATCH)


def _audit_lockout(
    ctx: Context, session: Session, user_id: uuid.UUID, account: AccountState, source: str
) -> None:
    until: datetime | None = account.locked_until
    ctx.record(
        session,
        Action.LOCKOUT,
        Outcome.SUCCESS,
        actor=user_id,
        target=user_target(user_id),
        source=source,
        locked_until=until,
        until_unlocked=until is None,
        consecutive_failures=account.consecutive,
    )


def _succeed(ctx: Context, session: Session, locked: _Locked, user_id: uuid.UUID) -> None:
    after_source, after_account = record_success(
        ctx.lockout, locked.source, str(user_id), ctx.now()
    )
    repo.store_source(session, locked.source_key, after_source)
    repo.store_account(session, user_id, after_account)


def _state_after_password(session: Session, user_id: uuid.UUID) -> SessionState:
    mfa = repo.get_mfa(session, user_id)
    if mfa is not None and mfa.enrolled_at is not None:
        return SessionState.PENDING_MFA
    roles = resolve(repo.user_role_names(session, user_id), registry(session))
    if Principal(str(user_id), roles).requires_mfa:
        return SessionState.PENDING_ENROLLMENT
    return SessionState.FULL


def complete_mfa(ctx: Context, secret: str, code: str, source: str) -> SignIn:
    """Finish a PENDING_MFA sign-in with a TOTP or recovery code; each code works once.

    The pending session is ended and a new FULL session returned (ASVS 7.2.4). A wrong code
    counts toward the source's throttle and the account's lockout like a wrong password.
    """
    return complete_second_factor(
        ctx,
        secret,
        source,
        lambda session, user_id, _digest: check_code(ctx, session, user_id, code),
    )


#: Checks a second factor for the user of a pending session (in its transaction, with the
#: session's digest); what was accepted, or None.
SecondFactorCheck = Callable[[Session, uuid.UUID, str], CodeCheck | None]


def complete_second_factor(
    ctx: Context, secret: str, source: str, check: SecondFactorCheck
) -> SignIn:
    """Finish a PENDING_MFA sign-in with whatever second factor `check` verifies (see
    `complete_mfa`); throttled, locked and audited alike for every kind."""
    digest = session_digest(secret)
    with transaction(ctx.sessions, write=True) as session:
        live = require_live_session(ctx, session, digest, (SessionState.PENDING_MFA,))
        outcome = _settle_second_factor(ctx, session, live.user.id, digest, source, check)
    return _deliver(outcome)


def _settle_second_factor(
    ctx: Context,
    session: Session,
    user_id: uuid.UUID,
    digest: str,
    source: str,
    check: SecondFactorCheck,
) -> _Outcome:
    locked = _lock_states(ctx, session, user_id, source)
    if locked.decision.verdict is Verdict.THROTTLED:
        return _throttled(ctx, session, user_id, locked.decision, source)
    if locked.decision.verdict is Verdict.LOCKED:
        repo.revoke_session(session, digest, ctx.now())
        _fail(ctx, session, locked, SignInFailure.LOCKED, source, False)
        return _Outcome(failure=SignInFailure.LOCKED)
    accepted = check(session, user_id, digest)
    if accepted is None:
        _fail(ctx, session, locked, SignInFailure.WRONG_CODE, source, False)
        return _Outcome(failure=SignInFailure.WRONG_CODE)
    _succeed(ctx, session, locked, user_id)
    repo.revoke_session(session, digest, ctx.now())
    details: dict[str, DetailValue] = {"factor": accepted.factor}
    if accepted.recovery_codes_left is not None:
        details["recovery_codes_left"] = accepted.recovery_codes_left
    full = new_session(ctx, session, user_id, SessionState.FULL, source, details=details)
    return _Outcome(sign_in=full)


def change_password(
    ctx: Context,
    principal: Principal,
    old: str,
    new: str,
    *,
    session_secret: str | None,
    source: str | None,
) -> None:
    """The signed-in user changes their own password, giving the current one.

    Their other sessions end (the one presenting `session_secret` stays); a wrong current
    password counts toward the throttle and lockout when `source` is known.
    """
    if principal.scopes is not None:
        raise PermissionDenied("permission denied: an API token cannot change a password")
    user_id = principal_id(principal)
    with transaction(ctx.sessions) as session:
        user = repo.get_user(session, user_id)
        account = repo.read_account(session, user_id)
        state = repo.read_source(session, _throttle_key(source)) if source else SourceState()
    if user is None or user.status is not UserStatus.ACTIVE:
        raise SessionInvalid("the session has ended or is not valid; sign in again")
    ctx.passwords.enforce(new, [user.username, *([user.display_name] if user.display_name else [])])
    decision = decide(ctx.lockout, state, account, ctx.now())
    if decision.verdict is Verdict.THROTTLED and source is not None:
        with transaction(ctx.sessions, write=True) as session:
            refused = _throttled(ctx, session, user_id, decision, source)
        _deliver(refused)
    # A locked account takes no more guesses, not even from inside a session.
    matched = decision.verdict is Verdict.ALLOW and verify_password(
        user.password_hash, old, hasher=ctx.hasher
    )
    new_hash = hash_password(new, hasher=ctx.hasher) if matched else None
    with transaction(ctx.sessions, write=True) as session:
        changed = _settle_change(ctx, session, user, new_hash, session_secret, source)
    if not changed:
        raise SignInFailed("the current password is wrong")


def _settle_change(
    ctx: Context,
    session: Session,
    user: repo.UserRecord,
    new_hash: str | None,
    session_secret: str | None,
    source: str | None,
) -> bool:
    current = repo.get_user(session, user.id, lock=True)
    ok = (
        new_hash is not None and current is not None and current.password_hash == user.password_hash
    )
    outcome = Outcome.SUCCESS if ok else Outcome.FAILURE
    details: dict[str, DetailValue] = {}
    if source is not None:
        locked = _lock_states(ctx, session, user.id, source)
        if ok:
            _succeed(ctx, session, locked, user.id)
        else:
            _fail(ctx, session, locked, SignInFailure.WRONG_PASSWORD, source, False)
    if ok and new_hash is not None:
        now = ctx.now()
        repo.update_user(
            session, user.id, password_hash=new_hash, password_changed_at=now, updated_at=now
        )
        keep = session_digest(session_secret) if session_secret is not None else None
        details["sessions_ended"] = repo.revoke_sessions(session, user.id, now, keep=keep)
    else:
        details["reason"] = SignInFailure.WRONG_PASSWORD
    ctx.record(
        session,
        Action.PASSWORD_CHANGED,
        outcome,
        actor=user.id,
        target=user_target(user.id),
        source=source,
        **details,
    )
    return ok
