"""17.04(1): security keys and passkeys (WebAuthn) as a second kind of second factor.

A user who has enrolled an authenticator app (and so holds recovery codes) may register
WebAuthn credentials from a FULL session; a PENDING_MFA sign-in can then be completed with one
instead of a code, throttled, locked and audited as a code is (`signin.complete_second_factor`).
The ceremonies are py_webauthn's: wisp keeps each challenge server-side, for one use within
`CHALLENGE_SECONDS`, and of a credential only its public key and signature counter (a counter
that does not move forward is refused: a cloned authenticator).

Offered only when `WISP_WEBAUTHN_ORIGIN` is set: the origin the users' browsers show for wisp.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from wisp.audit.events import Action, Outcome
from wisp.errors import ConfigError, Conflict, InvalidInput, NotFound
from wisp.identity import repository as repo
from wisp.identity.access import LiveSession, require_live_session, session_digest
from wisp.identity.context import Context, user_target
from wisp.identity.second_factor import CodeCheck
from wisp.identity.signin import complete_second_factor
from wisp.identity.views import MfaFactor, PasskeyView, SessionState, SignIn
from wisp.storage.session import transaction

__all__ = [
    "CHALLENGE_SECONDS",
    "begin_registration",
    "begin_sign_in",
    "finish_registration",
    "finish_sign_in",
    "passkeys",
]

#: How long a challenge may be answered.
CHALLENGE_SECONDS: Final = 300
_REGISTER: Final = "register"
_SIGN_IN: Final = "sign_in"
_MAX_NAME: Final = 64
#: A response is a few kilobytes; anything far larger is no authenticator's.
_MAX_RESPONSE_CHARS: Final = 64 * 1024
Credential = str | Mapping[str, Any]


def _relying_party(ctx: Context) -> tuple[str, str]:
    origin, rp_id = ctx.settings.webauthn_origin, ctx.settings.webauthn_rp_id
    if origin is None or rp_id is None:
        raise ConfigError("security keys are not set up here: set WISP_WEBAUTHN_ORIGIN")
    return origin, rp_id


def _descriptor(record: repo.PasskeyRecord) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(record.credential_id))


def _credential_json(credential: Credential) -> str:
    text = credential if isinstance(credential, str) else json.dumps(dict(credential))
    if len(text) > _MAX_RESPONSE_CHARS:
        raise InvalidInput("the security key's response is too large")
    return text


def _live(ctx: Context, session: Session, digest: str, state: SessionState) -> LiveSession:
    return require_live_session(ctx, session, digest, (state,))


def _take_fresh_challenge(
    ctx: Context, session: Session, digest: str, purpose: str
) -> bytes | None:
    """The challenge sent to the session for `purpose`, spent; None if none is waiting or it
    is older than CHALLENGE_SECONDS."""
    taken = repo.take_challenge(session, digest, purpose)
    if taken is None or ctx.now() - taken[1] > timedelta(seconds=CHALLENGE_SECONDS):
        return None
    return taken[0]


def begin_registration(ctx: Context, secret: str) -> str:
    """The options (JSON, for `navigator.credentials.create`) to register a security key."""
    _, rp_id = _relying_party(ctx)
    digest = session_digest(secret)
    with transaction(ctx.sessions, write=True) as session:
        user = _live(ctx, session, digest, SessionState.FULL).user
        mfa = repo.get_mfa(session, user.id)
        if mfa is None or mfa.enrolled_at is None:
            raise Conflict("enrol an authenticator app first; a security key is a second kind")
        options = generate_registration_options(
            rp_id=rp_id,
            rp_name="wisp",
            user_name=user.username,
            user_id=user.id.bytes,
            user_display_name=user.display_name or user.username,
            exclude_credentials=[_descriptor(p) for p in repo.passkeys_of(session, user.id)],
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.DISCOURAGED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            timeout=CHALLENGE_SECONDS * 1000,
        )
        repo.put_challenge(session, digest, _REGISTER, options.challenge, ctx.now())
    return options_to_json(options)


def finish_registration(
    ctx: Context, secret: str, credential: Credential, name: str, source: str | None
) -> PasskeyView:
    """Register the key that answered `begin_registration`; audited MFA_ENROLLED (webauthn).

    InvalidInput if the response does not verify (the challenge is spent either way).
    """
    origin, rp_id = _relying_party(ctx)
    label = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(label) <= _MAX_NAME or not label.isprintable():
        raise InvalidInput(f"a security key's name is 1-{_MAX_NAME} printable characters")
    response = _credential_json(credential)
    digest = session_digest(secret)
    with transaction(ctx.sessions, write=True) as session:  # spent even if the rest fails
        _live(ctx, session, digest, SessionState.FULL)
        challenge = _take_fresh_challenge(ctx, session, digest, _REGISTER)
    if challenge is None:
        raise InvalidInput("no security-key challenge is waiting for this session; begin again")
    try:
        verified = verify_registration_response(
            credential=response,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise InvalidInput("the security key's response did not verify") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    with transaction(ctx.sessions, write=True) as session:
        live = _live(ctx, session, digest, SessionState.FULL)
        if repo.get_passkey(session, credential_id) is not None:
            raise Conflict("that security key is registered already")
        now = ctx.now()
        record = repo.PasskeyRecord(
            credential_id,
            live.user.id,
            verified.credential_public_key,
            verified.sign_count,
            label,
            now,
            None,
        )
        repo.insert_passkey(session, record)
        ctx.record(
            session,
            Action.MFA_ENROLLED,
            Outcome.SUCCESS,
            actor=live.user.id,
            target=user_target(live.user.id),
            source=source,
            factor=MfaFactor.WEBAUTHN,
        )
    return PasskeyView(label, now, None)


def passkeys(ctx: Context, secret: str) -> tuple[PasskeyView, ...]:
    """The security keys of the FULL session's user."""
    digest = session_digest(secret)
    with transaction(ctx.sessions) as session:
        found = repo.passkeys_of(session, _live(ctx, session, digest, SessionState.FULL).user.id)
    return tuple(PasskeyView(p.name, p.created_at, p.last_used_at) for p in found)


def begin_sign_in(ctx: Context, secret: str) -> str:
    """The options (JSON, for `navigator.credentials.get`) to finish a PENDING_MFA sign-in
    with a security key; NotFound if the user has none."""
    _, rp_id = _relying_party(ctx)
    digest = session_digest(secret)
    with transaction(ctx.sessions, write=True) as session:
        live = _live(ctx, session, digest, SessionState.PENDING_MFA)
        keys = repo.passkeys_of(session, live.user.id)
        if not keys:
            raise NotFound("no security key is registered for this account; give a code")
        options = generate_authentication_options(
            rp_id=rp_id,
            allow_credentials=[_descriptor(p) for p in keys],
            user_verification=UserVerificationRequirement.PREFERRED,
            timeout=CHALLENGE_SECONDS * 1000,
        )
        repo.put_challenge(session, digest, _SIGN_IN, options.challenge, ctx.now())
    return options_to_json(options)


def finish_sign_in(ctx: Context, secret: str, credential: Credential, source: str) -> SignIn:
    """Finish a PENDING_MFA sign-in with the key that answered `begin_sign_in`: a new FULL
    session, as `complete_mfa` gives. A response that does not verify counts as a wrong code."""
    origin, rp_id = _relying_party(ctx)
    response = _credential_json(credential)

    def check(session: Session, user_id: uuid.UUID, digest: str) -> CodeCheck | None:
        challenge = _take_fresh_challenge(ctx, session, digest, _SIGN_IN)
        if challenge is None:
            return None
        try:
            parsed = parse_authentication_credential_json(response)
            stored = repo.get_passkey(session, bytes_to_base64url(parsed.raw_id))
            if stored is None or stored.user_id != user_id:
                return None
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=stored.public_key,
                credential_current_sign_count=stored.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            return None
        moved = repo.advance_sign_count(
            session, stored.credential_id, stored.sign_count, verified.new_sign_count, ctx.now()
        )
        return CodeCheck(MfaFactor.WEBAUTHN) if moved else None

    return complete_second_factor(ctx, secret, source, check)
