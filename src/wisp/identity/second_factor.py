"""17.04(1)(a)-(b): the second factor, kept: TOTP enrolment, codes checked once, admin reset.

A TOTP secret cannot be hashed, so it is encrypted (AES-256-GCM, bound to its user) under a key
derived from the vault's root key; the version is stored beside it so that a key rotation leaves
it readable. Recovery codes are HMAC-hashed under a sibling key of the same version. A TOTP code
is spent by a compare-and-swap on the last step used, a recovery code by deleting its row: of two
requests presenting the same code, exactly one succeeds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from wisp.audit.events import Action, Outcome
from wisp.errors import Conflict, InvalidInput, NotFound
from wisp.identity import repository as repo
from wisp.identity.access import LiveSession, new_session, require_live_session, session_digest
from wisp.identity.context import Actor, Context, authorize, user_target
from wisp.identity.mfa import (
    TOTP_DIGITS,
    generate_recovery_codes,
    hash_recovery_code,
    new_totp_secret,
    provisioning_uri,
    verify_totp,
)
from wisp.identity.views import MfaEnrolled, MfaFactor, MfaSetup, SessionState, SignInFailure
from wisp.storage.session import transaction
from wisp.vault.crypto import Aad, DataKey, Purpose, derive_key, open_, seal
from wisp.vault.keys import RootKey

__all__ = [
    "CodeCheck",
    "begin_enrollment",
    "check_code",
    "confirm_enrollment",
    "open_totp_secret",
    "recovery_key",
    "reset_mfa",
    "seal_totp_secret",
]

#: Longer input is no code of ours; refused before any hashing.
_MAX_CODE_CHARS: Final = 64
_ENROLLING: Final = (SessionState.PENDING_ENROLLMENT, SessionState.FULL)


def _aad(user_id: uuid.UUID) -> Aad:
    return Aad("identity_mfa", str(user_id), "totp_secret")


def seal_totp_secret(root: RootKey, user_id: uuid.UUID, secret: str) -> bytes:
    """The TOTP secret encrypted for `user_id` alone: copied to another user's row, it fails."""
    key = DataKey(derive_key(root.secret, Purpose.MFA_TOTP))
    return seal(secret.encode("ascii"), key, _aad(user_id))


def open_totp_secret(root: RootKey, user_id: uuid.UUID, ciphertext: bytes) -> str:
    """The TOTP secret back; DecryptionError if the key, the user or a byte is wrong."""
    key = DataKey(derive_key(root.secret, Purpose.MFA_TOTP))
    return open_(ciphertext, key, _aad(user_id)).decode("ascii")


def recovery_key(root: RootKey) -> bytes:
    """The key of the recovery-code hashes made under `root`'s version."""
    return derive_key(root.secret, Purpose.RECOVERY_CODE)


@dataclass(frozen=True)
class CodeCheck:
    """A code that was accepted: which factor, and how many recovery codes are left."""

    factor: MfaFactor
    recovery_codes_left: int | None = None


def check_code(ctx: Context, session: Session, user_id: uuid.UUID, code: str) -> CodeCheck | None:
    """Spend `code` (a TOTP code or a recovery code) of the enrolled user; None if refused.

    Six digits are a TOTP code; anything else is tried as a recovery code.
    """
    mfa = repo.get_mfa(session, user_id, lock=True)
    if mfa is None or mfa.enrolled_at is None or len(code) > _MAX_CODE_CHARS:
        return None
    root = ctx.keys().get(mfa.key_version)
    typed = "".join(code.split())
    if len(typed) == TOTP_DIGITS and typed.isascii() and typed.isdigit():
        secret = open_totp_secret(root, user_id, mfa.secret_ciphertext)
        step = verify_totp(secret, typed, now=ctx.now(), last_step=mfa.last_step)
        if step is None or not repo.set_last_step(session, user_id, step):
            return None
        return CodeCheck(MfaFactor.TOTP)
    left = repo.use_recovery_code(session, user_id, hash_recovery_code(code, recovery_key(root)))
    return None if left is None else CodeCheck(MfaFactor.RECOVERY_CODE, left)


def begin_enrollment(ctx: Context, secret: str, source: str | None) -> MfaSetup:
    """A new TOTP secret for the session's user, stored encrypted until a code confirms it.

    Allowed in a PENDING_ENROLLMENT session and in a FULL session of a user without MFA; an
    enrolled factor is replaced only after an administrator's `reset_mfa`.
    """
    digest = session_digest(secret)
    with transaction(ctx.sessions, write=True) as session:
        live = require_live_session(ctx, session, digest, _ENROLLING)
        user_id = live.user.id
        mfa = repo.get_mfa(session, user_id, lock=True)
        if mfa is not None and mfa.enrolled_at is not None:
            raise Conflict("a second factor is enrolled already; an administrator can reset it")
        totp = new_totp_secret()
        root = ctx.keys().current()
        ciphertext = seal_totp_secret(root, user_id, totp)
        repo.put_pending_mfa(session, user_id, ciphertext, root.version, ctx.now())
        account = live.user.username
    return MfaSetup(totp, provisioning_uri(totp, account))


def confirm_enrollment(ctx: Context, secret: str, code: str, source: str | None) -> MfaEnrolled:
    """Enrol the pending secret if `code` matches it: new recovery codes, and a FULL session
    replacing the one presented (a new id at each change of privilege, ASVS 7.2.4).

    A wrong code is audited as `auth.mfa_failed` and raises InvalidInput; the user is signed in
    by password already and holds the secret, so there is nothing to guess.
    """
    digest = session_digest(secret)
    with transaction(ctx.sessions, write=True) as session:
        live = require_live_session(ctx, session, digest, _ENROLLING)
        user_id = live.user.id
        mfa = repo.get_mfa(session, user_id, lock=True)
        if mfa is None or mfa.enrolled_at is not None:
            raise Conflict("no enrolment is in progress; begin one first")
        root = ctx.keys().get(mfa.key_version)
        totp = open_totp_secret(root, user_id, mfa.secret_ciphertext)
        step = verify_totp(totp, code[:_MAX_CODE_CHARS], now=ctx.now(), last_step=None)
        done = None if step is None else _enrol(ctx, session, live, step, root, source)
        if done is None:
            ctx.record(
                session,
                Action.MFA_FAILED,
                Outcome.FAILURE,
                actor=user_id,
                target=user_target(user_id),
                source=source,
                reason=SignInFailure.WRONG_CODE,
            )
    if done is None:
        raise InvalidInput("the code does not match; check the authenticator app's clock")
    return done


def _enrol(
    ctx: Context,
    session: Session,
    live: LiveSession,
    step: int,
    root: RootKey,
    source: str | None,
) -> MfaEnrolled:
    user_id = live.user.id
    repo.confirm_mfa(session, user_id, step, ctx.now())
    codes, stored = generate_recovery_codes(recovery_key(root))
    repo.replace_recovery_codes(session, user_id, stored.hashes)
    repo.revoke_session(session, live.record.id_hash, ctx.now())
    ctx.record(
        session,
        Action.MFA_ENROLLED,
        Outcome.SUCCESS,
        actor=user_id,
        target=user_target(user_id),
        source=source,
        recovery_codes=stored.remaining,
    )
    # From a pending session this completes the sign-in; from a full one it only re-keys it.
    completes = live.record.state is SessionState.PENDING_ENROLLMENT
    sign_in = new_session(
        ctx,
        session,
        user_id,
        SessionState.FULL,
        source,
        audit_login=completes,
        details={"factor": MfaFactor.TOTP},
    )
    return MfaEnrolled(codes, sign_in)


def reset_mfa(ctx: Context, actor: Actor, user_id: uuid.UUID, source: str | None) -> None:
    """Remove the user's second factor, security keys and recovery codes; end their sessions.

    At their next sign-in a user whose roles need MFA must enrol again.
    """
    who = authorize(actor)
    with transaction(ctx.sessions, write=True) as session:
        if repo.get_user(session, user_id, lock=True) is None:
            raise NotFound("no such user")
        enrolled = repo.delete_mfa(session, user_id)
        keys = repo.delete_passkeys(session, user_id)
        ended = repo.revoke_sessions(session, user_id, ctx.now())
        ctx.record(
            session,
            Action.MFA_RESET,
            Outcome.SUCCESS,
            actor=who,
            target=user_target(user_id),
            source=source,
            enrolled=enrolled,
            security_keys=keys,
            sessions_ended=ended,
        )
