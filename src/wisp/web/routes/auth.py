"""17.04(1): signing in and out, the second factor, one's own password and API tokens.

Routes that check a password or a code are plain `def`: argon2 takes tens of milliseconds and
runs in the thread pool, off the event loop that serves everyone else.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from wisp.errors import SessionInvalid
from wisp.identity.roles import Permission
from wisp.identity.views import PasskeyView, SessionState, SignIn, TokenView
from wisp.web.deps import (
    SESSION_COOKIE,
    Caller,
    Rt,
    client_address,
    require_browser_header,
    sign_in_source,
)

__all__ = [
    "CodeIn",
    "MeOut",
    "MfaSetupOut",
    "PasskeyIn",
    "PasskeyOut",
    "PasskeyRegisterIn",
    "PasswordChangeIn",
    "RecoveryCodesOut",
    "SessionOut",
    "SignInIn",
    "TokenIn",
    "TokenIssuedOut",
    "TokenOut",
    "router",
]

router = APIRouter(prefix="/auth", tags=["auth"])
_MAX_SECRET = 1024


class SignInIn(BaseModel):
    """A user name and password."""

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=_MAX_SECRET)


class CodeIn(BaseModel):
    """A TOTP code, or a recovery code."""

    code: str = Field(min_length=1, max_length=64)


class SessionOut(BaseModel):
    """The state of the session the cookie now holds: only `full` may act."""

    state: SessionState
    user_id: uuid.UUID
    expires_at: datetime


class MfaSetupOut(BaseModel):
    """What an authenticator app needs; shown once."""

    secret: str
    uri: str


class RecoveryCodesOut(SessionOut):
    """The recovery codes, shown once; each works once."""

    recovery_codes: list[str]


class MeOut(BaseModel):
    """Who the caller is and what they may do."""

    user_id: str
    roles: list[str]
    permissions: list[Permission]


class PasswordChangeIn(BaseModel):
    """One's own password change."""

    old_password: str = Field(min_length=1, max_length=_MAX_SECRET)
    new_password: str = Field(min_length=1, max_length=_MAX_SECRET)


class TokenIn(BaseModel):
    """A new API token for oneself."""

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Permission] = Field(min_length=1)
    days: int = Field(ge=1, le=366)


class TokenOut(BaseModel):
    """An API token's description (never its secret)."""

    id: uuid.UUID
    name: str
    scopes: list[Permission]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: TokenView) -> TokenOut:
        """The view as the API shows it."""
        return cls(
            id=token.id,
            name=token.name,
            scopes=sorted(token.scopes),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


class TokenIssuedOut(BaseModel):
    """A new token: `secret` is shown this once and never again."""

    secret: str
    token: TokenOut


def _session_cookie(request: Request) -> str:
    require_browser_header(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SessionInvalid("sign in first")
    return cookie


def _set_cookie(response: Response, sign_in: SignIn) -> SessionOut:
    # No Max-Age: the cookie dies with the browser; the server enforces idle and absolute limits.
    response.set_cookie(
        SESSION_COOKIE, sign_in.secret, secure=True, httponly=True, samesite="strict", path="/"
    )
    return SessionOut(state=sign_in.state, user_id=sign_in.user_id, expires_at=sign_in.expires_at)


@router.post("/sign-in")
def sign_in(body: SignInIn, request: Request, response: Response, rt: Rt) -> SessionOut:
    """Check the password; the cookie then holds a `full` session, or one pending MFA."""
    require_browser_header(request)
    source = sign_in_source(request)
    return _set_cookie(response, rt.identity.sign_in(body.username, body.password, source))


@router.post("/mfa")
def complete_mfa(body: CodeIn, request: Request, response: Response, rt: Rt) -> SessionOut:
    """Finish a `pending_mfa` sign-in with a TOTP or recovery code."""
    source = sign_in_source(request)
    return _set_cookie(
        response, rt.identity.complete_mfa(_session_cookie(request), body.code, source)
    )


@router.post("/mfa/enrollment")
def begin_enrollment(request: Request, rt: Rt) -> MfaSetupOut:
    """A TOTP secret for the signed-in (or `pending_enrollment`) user; shown once."""
    setup = rt.identity.begin_mfa_enrollment(
        _session_cookie(request), source_ip=client_address(request)
    )
    return MfaSetupOut(secret=setup.secret, uri=setup.uri)


@router.post("/mfa/enrollment/confirm")
def confirm_enrollment(
    body: CodeIn, request: Request, response: Response, rt: Rt
) -> RecoveryCodesOut:
    """Enrol with a first right code: recovery codes (shown once) and a `full` session."""
    enrolled = rt.identity.confirm_mfa_enrollment(
        _session_cookie(request), body.code, source_ip=client_address(request)
    )
    session = _set_cookie(response, enrolled.sign_in)
    return RecoveryCodesOut(**session.model_dump(), recovery_codes=list(enrolled.recovery_codes))


class PasskeyIn(BaseModel):
    """A browser's answer to the options: the PublicKeyCredential as JSON (`toJSON()`)."""

    model_config = ConfigDict(extra="forbid")
    credential: dict[str, Any]


class PasskeyRegisterIn(PasskeyIn):
    name: str = Field(min_length=1, max_length=64, description="What the owner calls the key.")


class PasskeyOut(BaseModel):
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: PasskeyView) -> PasskeyOut:
        return cls(name=key.name, created_at=key.created_at, last_used_at=key.last_used_at)


def _options(options_json: str) -> dict[str, Any]:
    options: dict[str, Any] = json.loads(options_json)
    return options


@router.post("/webauthn/sign-in")
def begin_passkey_sign_in(request: Request, rt: Rt) -> dict[str, Any]:
    """Options for `navigator.credentials.get`, to finish a `pending_mfa` sign-in with a
    security key (when WISP_WEBAUTHN_ORIGIN is set)."""
    return _options(rt.identity.begin_passkey_sign_in(_session_cookie(request)))


@router.post("/webauthn/sign-in/finish")
def finish_passkey_sign_in(
    body: PasskeyIn, request: Request, response: Response, rt: Rt
) -> SessionOut:
    """Finish a `pending_mfa` sign-in with the key's answer; refused like a wrong code."""
    source = sign_in_source(request)
    secret = _session_cookie(request)
    signed = rt.identity.finish_passkey_sign_in(secret, body.credential, source)
    return _set_cookie(response, signed)


@router.post("/webauthn/keys")
def begin_passkey_registration(request: Request, rt: Rt) -> dict[str, Any]:
    """Options for `navigator.credentials.create`, to register a security key (a `full`
    session of a user with an authenticator app enrolled)."""
    return _options(rt.identity.begin_passkey_registration(_session_cookie(request)))


@router.post("/webauthn/keys/finish", status_code=201)
def finish_passkey_registration(body: PasskeyRegisterIn, request: Request, rt: Rt) -> PasskeyOut:
    """Register the key that answered; audited as an MFA enrolment (`factor: webauthn`)."""
    key = rt.identity.finish_passkey_registration(
        _session_cookie(request), body.credential, body.name, source_ip=client_address(request)
    )
    return PasskeyOut.of(key)


@router.get("/webauthn/keys")
def list_passkeys(request: Request, rt: Rt) -> list[PasskeyOut]:
    """The signed-in user's security keys."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SessionInvalid("sign in first")
    return [PasskeyOut.of(key) for key in rt.identity.list_passkeys(secret)]


@router.post("/sign-out", status_code=204)
def sign_out(request: Request, response: Response, rt: Rt) -> None:
    """End the session and clear the cookie."""
    rt.identity.sign_out(_session_cookie(request), source_ip=client_address(request))
    response.delete_cookie(SESSION_COOKIE, secure=True, httponly=True, samesite="strict")


@router.get("/me")
async def me(principal: Caller) -> MeOut:
    """The caller's id, roles and effective permissions."""
    allowed = [p for p in Permission if _granted_somewhere(principal, p)]
    return MeOut(
        user_id=principal.user_id,
        roles=[role.name for role in principal.roles],
        permissions=allowed,
    )


def _granted_somewhere(principal: Caller, permission: Permission) -> bool:
    # A grant on some collections only still lets the caller act there.
    if principal.scopes is not None and permission not in principal.scopes:
        return False
    return any(g.permission is permission for role in principal.roles for g in role.grants)


@router.post("/password", status_code=204)
def change_password(body: PasswordChangeIn, request: Request, principal: Caller, rt: Rt) -> None:
    """Change one's own password; one's other sessions end."""
    rt.identity.change_password(
        principal,
        body.old_password,
        body.new_password,
        session_secret=request.cookies.get(SESSION_COOKIE),
        source=client_address(request),
    )


@router.post("/tokens", status_code=201)
def issue_token(body: TokenIn, request: Request, principal: Caller, rt: Rt) -> TokenIssuedOut:
    """An API token for oneself, scopes within one's roles; the secret is shown once."""
    secret, token = rt.identity.issue_token(
        principal,
        uuid.UUID(principal.user_id),
        body.name,
        body.scopes,
        body.days,
        source=client_address(request),
    )
    return TokenIssuedOut(secret=secret, token=TokenOut.of(token))


@router.get("/tokens")
def list_tokens(principal: Caller, rt: Rt) -> list[TokenOut]:
    """One's own tokens, newest first."""
    tokens = rt.identity.list_tokens(principal, uuid.UUID(principal.user_id))
    return [TokenOut.of(token) for token in tokens]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: uuid.UUID, request: Request, principal: Caller, rt: Rt) -> None:
    """Revoke one of one's tokens."""
    rt.identity.revoke_token(principal, token_id, source=client_address(request))
