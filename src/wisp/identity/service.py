"""17.04(1), 17.04(2): the identity service: users, roles, sign-in, MFA, sessions, API tokens.

One object the web layer and the CLI call; every state it keeps is in the database (several app
servers share it), every change is audited in the transaction that makes it, and what it returns
are frozen views (`wisp.identity.views`), never database rows. The rules live in the modules it
delegates to: `admin` (users, roles), `signin` (passwords, lockout), `second_factor` (TOTP and
recovery codes), `access` (sessions and tokens on each request), `api_tokens`.

Who may act: `actor` is a `Principal` holding `users:manage`, or `SystemActor.CLI`, someone at
the host's shell who owns the state directory (and so the database). `source` is always the
client's IP address, recorded in the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import cast

from argon2 import PasswordHasher

from wisp.audit.service import AuditLog
from wisp.config import Settings
from wisp.identity import access, admin, api_tokens, passkeys, second_factor, signin
from wisp.identity.clock import Clock, utc_now
from wisp.identity.context import Actor, Context
from wisp.identity.lockout import LockoutPolicy
from wisp.identity.passwords import DEFAULT_HASHER, PasswordPolicy
from wisp.identity.roles import Grant, Permission, Principal
from wisp.identity.tokens import SessionPolicy
from wisp.identity.views import (
    MfaEnrolled,
    MfaSetup,
    PasskeyView,
    RoleView,
    SignIn,
    SignInFailure,
    TokenView,
    UserStatus,
    UserView,
)
from wisp.storage.session import SessionFactory
from wisp.vault.keys import KeyProvider

__all__ = ["Actor", "IdentityService", "SignInFailure"]


def _key_source(keys: KeyProvider | Callable[[], KeyProvider]) -> Callable[[], KeyProvider]:
    if hasattr(keys, "current"):  # a provider itself
        provider = cast(KeyProvider, keys)
        return lambda: provider
    return keys


class IdentityService:
    """Users, roles, sign-in, MFA, sessions and API tokens of one installation.

    `keys` is the vault's key provider, or a function returning it: it is needed only for MFA
    (TOTP secrets are encrypted under a key derived from its current root key), so a function
    lets commands that never touch MFA run without opening the keyring. `hasher` is argon2id
    with wisp's parameters; tests pass a cheap one.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        audit: AuditLog,
        settings: Settings,
        keys: KeyProvider | Callable[[], KeyProvider],
        *,
        clock: Clock = utc_now,
        hasher: PasswordHasher = DEFAULT_HASHER,
    ) -> None:
        self._ctx = Context(
            sessions=sessions,
            audit=audit,
            settings=settings,
            keys=_key_source(keys),
            clock=clock,
            hasher=hasher,
            lockout=LockoutPolicy.from_settings(settings),
            timeouts=SessionPolicy.from_settings(settings),
            passwords=PasswordPolicy.from_settings(settings),
        )

    # --- users -------------------------------------------------------------------------------

    def create_user(
        self,
        actor: Actor,
        username: str,
        password: str,
        roles: Iterable[str],
        *,
        display_name: str | None = None,
        source: str | None = None,
    ) -> UserView:
        """A new active user; PasswordRejected, UnknownRole, Conflict (name taken, any case)."""
        return admin.create_user(
            self._ctx, actor, username, password, roles, display_name=display_name, source=source
        )

    def list_users(self, actor: Actor) -> tuple[UserView, ...]:
        """Every user, by name."""
        return admin.list_users(self._ctx, actor)

    def get_user(self, actor: Actor, user_id: uuid.UUID) -> UserView:
        """One user; NotFound."""
        return admin.get_user(self._ctx, actor, user_id)

    def find_user(self, actor: Actor, username: str) -> UserView:
        """The user called `username`, in any case; NotFound."""
        return admin.get_user_by_name(self._ctx, actor, username)

    def set_roles(
        self,
        actor: Actor,
        user_id: uuid.UUID,
        roles: Iterable[str],
        *,
        source: str | None = None,
    ) -> UserView:
        """Replace the user's roles (never one's own); effective at their next request."""
        return admin.set_roles(self._ctx, actor, user_id, roles, source)

    def disable_user(
        self, actor: Actor, user_id: uuid.UUID, *, source: str | None = None
    ) -> UserView:
        """Disable the user and end every session and API token of theirs, at once."""
        return admin.set_status(self._ctx, actor, user_id, UserStatus.DISABLED, source)

    def enable_user(
        self, actor: Actor, user_id: uuid.UUID, *, source: str | None = None
    ) -> UserView:
        """Let a disabled user sign in again; their old tokens stay revoked."""
        return admin.set_status(self._ctx, actor, user_id, UserStatus.ACTIVE, source)

    def unlock_user(
        self, actor: Actor, user_id: uuid.UUID, *, source: str | None = None
    ) -> UserView:
        """Clear the user's lockout (an administrator's unlock)."""
        return admin.unlock_user(self._ctx, actor, user_id, source)

    def purge_ended(
        self, actor: Actor, keep: timedelta, *, source: str | None = None
    ) -> tuple[int, int]:
        """Delete sessions and API tokens over for longer than `keep`; how many of each."""
        return admin.purge_ended(self._ctx, actor, keep, source)

    def reset_password(
        self, actor: Actor, user_id: uuid.UUID, new_password: str, *, source: str | None = None
    ) -> None:
        """Set another user's password; their sessions end. PasswordRejected."""
        admin.reset_password(self._ctx, actor, user_id, new_password, source)

    def change_password(
        self,
        principal: Principal,
        old: str,
        new: str,
        *,
        session_secret: str | None = None,
        source: str | None = None,
    ) -> None:
        """The user changes their own password; their sessions but `session_secret` end.

        SignInFailed if `old` is wrong (counted toward lockout when `source` is given).
        """
        signin.change_password(
            self._ctx, principal, old, new, session_secret=session_secret, source=source
        )

    # --- roles -------------------------------------------------------------------------------

    def create_role(
        self,
        actor: Actor,
        name: str,
        grants: Iterable[Grant],
        *,
        description: str = "",
        source: str | None = None,
    ) -> RoleView:
        """A custom role; Conflict for a built-in or existing name."""
        return admin.create_role(
            self._ctx, actor, name, grants, description=description, source=source
        )

    def list_roles(self, actor: Actor) -> tuple[RoleView, ...]:
        """Built-in roles, then custom ones."""
        return admin.list_roles(self._ctx, actor)

    def delete_role(self, actor: Actor, name: str, *, source: str | None = None) -> None:
        """Remove a custom role; Conflict while anyone holds it, or for a built-in role."""
        admin.delete_role(self._ctx, actor, name, source)

    # --- sign-in and MFA ---------------------------------------------------------------------

    def sign_in(self, username: str, password: str, source_ip: str) -> SignIn:
        """A session for a right password: FULL, PENDING_MFA or PENDING_ENROLLMENT.

        SignInFailed (one message, whatever the reason) or Throttled (this source must wait
        `retry_after` seconds; the only refusal that may be told apart).
        """
        return signin.sign_in(self._ctx, username, password, source_ip)

    def complete_mfa(self, session_secret: str, code: str, source_ip: str) -> SignIn:
        """Finish a PENDING_MFA sign-in with a TOTP or recovery code: a new FULL session
        replaces the pending one. SignInFailed, Throttled, SessionInvalid."""
        return signin.complete_mfa(self._ctx, session_secret, code, source_ip)

    # --- security keys (WebAuthn) ------------------------------------------------------------

    def begin_passkey_registration(self, session_secret: str) -> str:
        """Options (JSON) for the browser to create a security-key credential; the user must
        have an authenticator app enrolled. ConfigError unless WISP_WEBAUTHN_ORIGIN is set."""
        return passkeys.begin_registration(self._ctx, session_secret)

    def finish_passkey_registration(
        self,
        session_secret: str,
        credential: passkeys.Credential,
        name: str,
        *,
        source_ip: str | None = None,
    ) -> PasskeyView:
        """Register the key that answered; InvalidInput if its response does not verify."""
        return passkeys.finish_registration(self._ctx, session_secret, credential, name, source_ip)

    def list_passkeys(self, session_secret: str) -> tuple[PasskeyView, ...]:
        """The security keys of the signed-in user."""
        return passkeys.passkeys(self._ctx, session_secret)

    def begin_passkey_sign_in(self, session_secret: str) -> str:
        """Options (JSON) for the browser to finish a PENDING_MFA sign-in with a security key."""
        return passkeys.begin_sign_in(self._ctx, session_secret)

    def finish_passkey_sign_in(
        self, session_secret: str, credential: passkeys.Credential, source_ip: str
    ) -> SignIn:
        """Finish a PENDING_MFA sign-in with a security key, as `complete_mfa` with a code."""
        return passkeys.finish_sign_in(self._ctx, session_secret, credential, source_ip)

    def begin_mfa_enrollment(
        self, session_secret: str, *, source_ip: str | None = None
    ) -> MfaSetup:
        """A TOTP secret and otpauth URI for the session's user (pending enrolment or FULL)."""
        return second_factor.begin_enrollment(self._ctx, session_secret, source_ip)

    def confirm_mfa_enrollment(
        self, session_secret: str, code: str, *, source_ip: str | None = None
    ) -> MfaEnrolled:
        """Enrol on a first right code: recovery codes (show once) and a new FULL session
        replacing the one presented. InvalidInput for a wrong code."""
        return second_factor.confirm_enrollment(self._ctx, session_secret, code, source_ip)

    def reset_mfa(self, actor: Actor, user_id: uuid.UUID, *, source: str | None = None) -> None:
        """Remove the user's second factor and end their sessions."""
        second_factor.reset_mfa(self._ctx, actor, user_id, source)

    # --- each request ------------------------------------------------------------------------

    def authenticate_session(self, session_secret: str, source_ip: str | None) -> Principal:
        """The principal of a FULL session; SessionInvalid otherwise (hot path: one query)."""
        return access.authenticate_session(self._ctx, session_secret, source_ip)

    def sign_out(self, session_secret: str, *, source_ip: str | None = None) -> None:
        """End the session; nothing happens for an unknown or ended one."""
        access.sign_out(self._ctx, session_secret, source_ip)

    def authenticate_token(self, secret: str, source_ip: str | None) -> Principal:
        """The principal of an API token, roles narrowed to its scopes (hot path: one query).

        Accepted for users whose roles require MFA: a token is issued from a FULL session
        (MFA done) or at the host's shell.
        """
        return access.authenticate_token(self._ctx, secret, source_ip)

    # --- API tokens --------------------------------------------------------------------------

    def issue_token(
        self,
        actor: Actor,
        user_id: uuid.UUID,
        name: str,
        scopes: Iterable[Permission | str],
        days: int,
        *,
        source: str | None = None,
    ) -> tuple[str, TokenView]:
        """A token (secret shown once) for oneself, or for anyone from the CLI.

        Scopes must be granted by the user's roles; `days` at most `api_token_max_days`.
        Allowed for users whose roles require MFA (see `authenticate_token`).
        """
        return api_tokens.issue_token(self._ctx, actor, user_id, name, scopes, days, source)

    def revoke_token(self, actor: Actor, token_id: uuid.UUID, *, source: str | None = None) -> None:
        """Revoke a token (its owner, `users:manage`, or the CLI)."""
        api_tokens.revoke_token(self._ctx, actor, token_id, source)

    def list_tokens(self, actor: Actor, user_id: uuid.UUID) -> tuple[TokenView, ...]:
        """The user's tokens, newest first."""
        return api_tokens.list_tokens(self._ctx, actor, user_id)
