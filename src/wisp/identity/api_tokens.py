"""17.04(1)(d), 17.04(2)(a): API tokens: issued once, scoped, expiring, revocable.

A signed-in user issues tokens for themselves only: an administrator who could mint a token for
someone else could act with that person's permissions (an officer's, say) without ever holding
them. Someone at the host's shell (`SystemActor.CLI`) may issue one for any user. A token's
scopes must be permissions its user's roles grant; at each request the user's roles of that
moment are narrowed to the scopes, so taking a role away also takes it from every token.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Final

from wisp.audit.events import Action, Outcome, SystemActor, Target
from wisp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wisp.identity import repository as repo
from wisp.identity.context import Actor, Context, principal_id, registry, resolve
from wisp.identity.roles import Permission, Principal
from wisp.identity.tokens import issue_api_token
from wisp.identity.views import TokenView, UserStatus
from wisp.storage.session import transaction

__all__ = ["issue_token", "list_tokens", "revoke_token"]

_MAX_NAME: Final = 64


def _issuer(actor: Actor, user_id: uuid.UUID) -> uuid.UUID | SystemActor:
    if actor is SystemActor.CLI:
        return actor
    if not isinstance(actor, Principal):
        raise PermissionDenied("permission denied: API tokens")
    if actor.scopes is not None:
        raise PermissionDenied("permission denied: an API token cannot issue API tokens")
    issuer = principal_id(actor)
    if issuer != user_id:
        raise PermissionDenied(
            "permission denied: a user issues API tokens for themselves only"
            " (an administrator can at the host's shell: wisp users token-issue)"
        )
    return issuer


def _token_manager(actor: Actor, owner: uuid.UUID) -> uuid.UUID | SystemActor:
    """Who may list or revoke `owner`'s tokens: the owner, `users:manage`, or the CLI."""
    if actor is SystemActor.CLI:
        return actor
    if not isinstance(actor, Principal):
        raise PermissionDenied("permission denied: API tokens")
    who = principal_id(actor)
    if who != owner:
        actor.require(Permission.USERS_MANAGE)
    return who


def _check_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip()
    if not text or len(text) > _MAX_NAME or any(unicodedata.category(c)[0] == "C" for c in text):
        raise InvalidInput(f"a token name is 1 to {_MAX_NAME} characters, without control ones")
    return text


def _scopes(scopes: Iterable[Permission | str]) -> frozenset[Permission]:
    parsed = frozenset(s if isinstance(s, Permission) else Permission.parse(s) for s in scopes)
    if not parsed:
        raise InvalidInput("an API token needs at least one scope")
    return parsed


def _view(token: repo.TokenRecord) -> TokenView:
    return TokenView(
        id=token.id,
        user_id=token.user_id,
        name=token.name,
        scopes=frozenset(Permission.parse(scope) for scope in token.scopes),
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


def issue_token(
    ctx: Context,
    actor: Actor,
    user_id: uuid.UUID,
    name: str,
    scopes: Iterable[Permission | str],
    days: int,
    source: str | None,
) -> tuple[str, TokenView]:
    """A new token for `user_id`: its secret (show it once; only its hash is kept) and view."""
    issuer = _issuer(actor, user_id)
    label, wanted = _check_name(name), _scopes(scopes)
    longest = ctx.settings.api_token_max_days
    if not 1 <= days <= longest:
        raise InvalidInput(f"an API token lasts 1 to {longest} days (WISP_API_TOKEN_MAX_DAYS)")
    with transaction(ctx.sessions, write=True) as session:
        user = repo.get_user(session, user_id, lock=True)
        if user is None:
            raise NotFound("no such user")
        if user.status is not UserStatus.ACTIVE:
            raise Conflict("the user is disabled")
        roles = resolve(repo.user_role_names(session, user_id), registry(session))
        held = {grant.permission for role in roles for grant in role.grants}
        if not wanted <= held:
            missing = ", ".join(sorted(wanted - held))
            raise PermissionDenied(f"permission denied: the user's roles do not grant {missing}")
        now = ctx.now()
        secret, token = issue_api_token(
            str(user_id),
            label,
            wanted,
            now=now,
            lifetime=timedelta(days=days),
            max_lifetime=timedelta(days=longest),
        )
        scope_names = tuple(sorted(scope.value for scope in wanted))
        record = repo.TokenRecord(
            uuid.uuid4(), user_id, label, scope_names, now, token.expires_at, None, None
        )
        repo.insert_token(session, record, token.token_hash)
        ctx.record(
            session,
            Action.TOKEN_CREATED,
            Outcome.SUCCESS,
            actor=issuer,
            target=Target("api_token", record.id),
            source=source,
            user=user_id,
            scopes=tuple(sorted(wanted)),
            days=days,
        )
    return secret, _view(record)


def revoke_token(ctx: Context, actor: Actor, token_id: uuid.UUID, source: str | None) -> None:
    """Revoke a token at once; revoking it again changes nothing."""
    with transaction(ctx.sessions, write=True) as session:
        token = repo.get_token(session, token_id, lock=True)
        if token is None:
            raise NotFound("no such API token")
        who = _token_manager(actor, token.user_id)
        if repo.revoke_token(session, token_id, ctx.now()):
            ctx.record(
                session,
                Action.TOKEN_REVOKED,
                Outcome.SUCCESS,
                actor=who,
                target=Target("api_token", token_id),
                source=source,
                user=token.user_id,
            )


def list_tokens(ctx: Context, actor: Actor, user_id: uuid.UUID) -> tuple[TokenView, ...]:
    """The user's tokens, newest first, revoked and expired ones included."""
    _token_manager(actor, user_id)
    with transaction(ctx.sessions) as session:
        if repo.get_user(session, user_id) is None:
            raise NotFound("no such user")
        return tuple(_view(token) for token in repo.list_tokens(session, user_id))
