"""17.04(1)(a), 17.04(2)(a): managing users and roles: unique ids, least privilege, cut-off.

Every change is audited in its own transaction. Disabling a user ends every session and token
they hold in that same transaction (terminated staff are cut off at once). Nobody changes their
own roles, disables or resets themselves through a principal: that takes another administrator,
or someone at the host's shell.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wisp.audit.events import Action, Outcome, SystemActor, Target
from wisp.errors import Conflict, InvalidInput, NotFound, PermissionDenied, UnknownRole
from wisp.identity import repository as repo
from wisp.identity.context import (
    Actor,
    Context,
    authorize,
    check_display_name,
    check_role_name,
    normalize_username,
    principal_id,
    registry,
    resolve,
    role_id,
    user_target,
    username_key,
)
from wisp.identity.lockout import unlock
from wisp.identity.passwords import hash_password
from wisp.identity.roles import ANY, BUILTIN_ROLES, Grant, Principal, Role
from wisp.identity.views import RoleView, UserStatus, UserView
from wisp.storage.session import transaction

__all__ = [
    "create_role",
    "create_user",
    "delete_role",
    "get_user",
    "get_user_by_name",
    "list_roles",
    "list_users",
    "purge_ended",
    "reset_password",
    "set_roles",
    "set_status",
    "unlock_user",
]

_NAME_IN_GRANT = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_MAX_DESCRIPTION: Final = 256
_TAKEN: Final = "that user name is taken (names are compared without regard to case)"


def _not_self(actor: Actor, user_id: uuid.UUID, what: str) -> None:
    if isinstance(actor, Principal) and principal_id(actor) == user_id:
        raise PermissionDenied(f"permission denied: nobody may {what} their own account")


def _identifiers(username: str, display_name: str | None) -> list[str]:
    return [username, *([display_name] if display_name else [])]


def _view(session: Session, ctx: Context, user: repo.UserRecord) -> UserView:
    mfa = repo.get_mfa(session, user.id)
    return UserView(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        status=user.status,
        roles=repo.user_role_names(session, user.id),
        mfa_enrolled=mfa is not None and mfa.enrolled_at is not None,
        locked=repo.read_account(session, user.id).is_locked(ctx.now()),
        created_at=user.created_at,
        updated_at=user.updated_at,
        disabled_at=user.disabled_at,
    )


def _lock_user(session: Session, user_id: uuid.UUID) -> repo.UserRecord:
    user = repo.get_user(session, user_id, lock=True)
    if user is None:
        raise NotFound("no such user")
    return user


def _role_ids(session: Session, names: Iterable[str], *, lock: bool) -> dict[str, uuid.UUID]:
    """The audit ids of roles; custom roles' rows locked against a concurrent delete."""
    ids = {}
    for name in names:
        if name in BUILTIN_ROLES:
            ids[name] = role_id(name)
            continue
        custom = repo.custom_role_id(session, name, lock=lock)
        if custom is None:
            raise UnknownRole(f"unknown role {name!r}")
        ids[name] = role_id(name, custom)
    return ids


def create_user(
    ctx: Context,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[str],
    *,
    display_name: str | None,
    source: str | None,
) -> UserView:
    """A new active user holding `roles`; the password must pass the policy. No default."""
    who = authorize(actor)
    name, key = normalize_username(username)
    shown = check_display_name(display_name)
    ctx.passwords.enforce(password, _identifiers(name, shown))
    names = sorted(set(roles))
    password_hash = hash_password(password, hasher=ctx.hasher)
    user_id = uuid.uuid4()
    try:
        with transaction(ctx.sessions, write=True) as session:
            resolve(names, registry(session))
            ids = _role_ids(session, names, lock=True)
            if repo.user_by_key(session, key) is not None:
                raise Conflict(_TAKEN)
            now = ctx.now()
            user = repo.UserRecord(
                user_id, name, shown, UserStatus.ACTIVE, password_hash, now, now, None
            )
            repo.insert_user(session, user, key)
            repo.replace_user_roles(session, user_id, names)
            _audit_created(ctx, session, who, user_id, [ids[n] for n in names], source)
            return _view(session, ctx, user)
    except IntegrityError as exc:  # the same name, created concurrently on another server
        raise Conflict(_TAKEN) from exc


def _audit_created(
    ctx: Context,
    session: Session,
    who: uuid.UUID | SystemActor,
    user_id: uuid.UUID,
    role_ids: list[uuid.UUID],
    source: str | None,
) -> None:
    target = user_target(user_id)
    ctx.record(
        session,
        Action.USER_CREATED,
        Outcome.SUCCESS,
        actor=who,
        target=target,
        source=source,
        roles=tuple(role_ids),
    )
    for role in role_ids:  # one entry per grant, as `set_roles` records them
        ctx.record(
            session,
            Action.ROLE_GRANTED,
            Outcome.SUCCESS,
            actor=who,
            target=target,
            source=source,
            role=role,
        )


def list_users(ctx: Context, actor: Actor) -> tuple[UserView, ...]:
    """Every user, by name."""
    authorize(actor)
    now = ctx.now()
    with transaction(ctx.sessions) as session:
        users = repo.list_users(session)
        roles = repo.role_names_by_user(session)
        enrolled = repo.mfa_enrolled_user_ids(session)
        locked = repo.locked_user_ids(session, now)
    return tuple(
        UserView(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            status=user.status,
            roles=roles.get(user.id, ()),
            mfa_enrolled=user.id in enrolled,
            locked=user.id in locked,
            created_at=user.created_at,
            updated_at=user.updated_at,
            disabled_at=user.disabled_at,
        )
        for user in users
    )


def get_user(ctx: Context, actor: Actor, user_id: uuid.UUID) -> UserView:
    """One user; NotFound if there is none."""
    authorize(actor)
    with transaction(ctx.sessions) as session:
        user = repo.get_user(session, user_id)
        if user is None:
            raise NotFound("no such user")
        return _view(session, ctx, user)


def get_user_by_name(ctx: Context, actor: Actor, username: str) -> UserView:
    """The user called `username` (in any case); NotFound if there is none."""
    authorize(actor)
    key = username_key(username)
    with transaction(ctx.sessions) as session:
        user = repo.user_by_key(session, key) if key is not None else None
        if user is None:
            raise NotFound("no such user")
        return _view(session, ctx, user)


def set_roles(
    ctx: Context, actor: Actor, user_id: uuid.UUID, roles: Iterable[str], source: str | None
) -> UserView:
    """Make `roles` the user's roles; each one added or removed is audited.

    Takes effect at the user's next request: sessions read roles every time. A user whose new
    roles need MFA they have not enrolled is refused until they sign in again and enrol.
    """
    who = authorize(actor)
    _not_self(actor, user_id, "change the roles of")
    names = set(roles)
    with transaction(ctx.sessions, write=True) as session:
        user = _lock_user(session, user_id)
        resolve(sorted(names), registry(session))
        old = set(repo.user_role_names(session, user_id))
        ids = {
            **_role_ids(session, sorted(old - names), lock=False),
            **_role_ids(session, sorted(names), lock=True),
        }
        repo.replace_user_roles(session, user_id, names)
        changes = [(Action.ROLE_GRANTED, n) for n in sorted(names - old)]
        changes += [(Action.ROLE_REVOKED, n) for n in sorted(old - names)]
        for action, name in changes:
            ctx.record(
                session,
                action,
                Outcome.SUCCESS,
                actor=who,
                target=user_target(user_id),
                source=source,
                role=ids[name],
            )
        if changes:
            repo.update_user(session, user_id, updated_at=ctx.now())
        return _view(session, ctx, user)


def set_status(
    ctx: Context, actor: Actor, user_id: uuid.UUID, status: UserStatus, source: str | None
) -> UserView:
    """Disable a user (ending every session and token of theirs, in this transaction) or
    enable one again (their tokens stay revoked). Doing it twice changes nothing more."""
    who = authorize(actor)
    _not_self(actor, user_id, "disable or enable")
    with transaction(ctx.sessions, write=True) as session:
        user = _lock_user(session, user_id)
        if user.status is not status:
            now = ctx.now()
            disabled_at = now if status is UserStatus.DISABLED else None
            repo.update_user(
                session, user_id, status=status, disabled_at=disabled_at, updated_at=now
            )
            if status is UserStatus.DISABLED:
                _record_disable(ctx, session, who, user_id, source)
            else:
                ctx.record(
                    session,
                    Action.USER_ENABLED,
                    Outcome.SUCCESS,
                    actor=who,
                    target=user_target(user_id),
                    source=source,
                )
            user = _lock_user(session, user_id)
        return _view(session, ctx, user)


def _record_disable(
    ctx: Context,
    session: Session,
    who: uuid.UUID | SystemActor,
    user_id: uuid.UUID,
    source: str | None,
) -> None:
    now = ctx.now()
    ended = repo.revoke_sessions(session, user_id, now)
    revoked = repo.revoke_tokens(session, user_id, now)
    ctx.record(
        session,
        Action.USER_DISABLED,
        Outcome.SUCCESS,
        actor=who,
        target=user_target(user_id),
        source=source,
        sessions_ended=ended,
        tokens_revoked=revoked,
    )


def unlock_user(ctx: Context, actor: Actor, user_id: uuid.UUID, source: str | None) -> UserView:
    """Clear the user's lockout and failure counts (an administrator's unlock)."""
    who = authorize(actor)
    with transaction(ctx.sessions, write=True) as session:
        user = _lock_user(session, user_id)
        state = repo.lock_account(session, user_id)
        repo.store_account(session, user_id, unlock(state))
        ctx.record(
            session,
            Action.UNLOCK,
            Outcome.SUCCESS,
            actor=who,
            target=user_target(user_id),
            source=source,
            was_locked=state.is_locked(ctx.now()),
        )
        return _view(session, ctx, user)


def purge_ended(ctx: Context, actor: Actor, keep: timedelta, source: str | None) -> tuple[int, int]:
    """Delete sessions and API tokens over for longer than `keep`; (sessions, tokens) deleted.

    What happened in them stays in the audit log; the rows themselves only grow the tables
    every request reads. Audited as CREDENTIALS_PURGED, with the counts.
    """
    who = authorize(actor)
    if keep < timedelta(0):
        raise InvalidInput("the time to keep ended sessions and tokens cannot be negative")
    with transaction(ctx.sessions, write=True) as session:
        before = ctx.now() - keep
        timeouts = ctx.timeouts
        sessions = repo.purge_sessions(
            session, before, timeouts.idle_timeout, timeouts.absolute_timeout
        )
        tokens = repo.purge_tokens(session, before)
        ctx.record(
            session,
            Action.CREDENTIALS_PURGED,
            Outcome.SUCCESS,
            actor=who,
            source=source,
            sessions=sessions,
            tokens=tokens,
            keep_days=keep.days,
        )
    return sessions, tokens


def reset_password(
    ctx: Context, actor: Actor, user_id: uuid.UUID, new_password: str, source: str | None
) -> None:
    """Set a user's password without the old one; every session of theirs ends.

    Their own password a user changes with `change_password`, which asks for the current one.
    """
    who = authorize(actor)
    _not_self(actor, user_id, "reset the password of")
    with transaction(ctx.sessions) as session:
        user = repo.get_user(session, user_id)
    if user is None:
        raise NotFound("no such user")
    ctx.passwords.enforce(new_password, _identifiers(user.username, user.display_name))
    password_hash = hash_password(new_password, hasher=ctx.hasher)
    with transaction(ctx.sessions, write=True) as session:
        _lock_user(session, user_id)
        now = ctx.now()
        repo.update_user(
            session, user_id, password_hash=password_hash, password_changed_at=now, updated_at=now
        )
        ended = repo.revoke_sessions(session, user_id, now)
        ctx.record(
            session,
            Action.PASSWORD_RESET,
            Outcome.SUCCESS,
            actor=who,
            target=user_target(user_id),
            source=source,
            sessions_ended=ended,
        )


# --- roles -----------------------------------------------------------------------------------


def _check_grants(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    checked = tuple(grants)
    if not checked:
        raise InvalidInput("a role needs at least one grant")
    for grant in checked:
        for name in grant.collections | grant.fields:
            if name != ANY and not _NAME_IN_GRANT.fullmatch(name):
                raise InvalidInput(
                    "a collection or field name in a grant is 1 to 64 of A-Z, a-z, 0-9, . _ -"
                )
    return checked


def _check_description(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    if len(text) > _MAX_DESCRIPTION or any(unicodedata.category(c)[0] == "C" for c in text):
        raise InvalidInput(
            f"a description is at most {_MAX_DESCRIPTION} characters, without control characters"
        )
    return text


def create_role(
    ctx: Context,
    actor: Actor,
    name: str,
    grants: Iterable[Grant],
    *,
    description: str,
    source: str | None,
) -> RoleView:
    """A custom role; a built-in role's name cannot be taken (nor shadowed)."""
    who = authorize(actor)
    check_role_name(name)
    if name in BUILTIN_ROLES:
        raise Conflict(f"{name!r} is a built-in role; it cannot be redefined")
    role = Role(name, _check_grants(grants), _check_description(description))
    new_id = uuid.uuid4()
    try:
        with transaction(ctx.sessions, write=True) as session:
            if repo.custom_role_id(session, name) is not None:
                raise Conflict(f"a role named {name!r} exists already")
            repo.insert_role(session, role, new_id, ctx.now())
            ctx.record(
                session,
                Action.PERMISSION_CHANGED,
                Outcome.SUCCESS,
                actor=who,
                target=Target("role", new_id),
                source=source,
                permissions=tuple(sorted({grant.permission for grant in role.grants})),
                grants=len(role.grants),
            )
    except IntegrityError as exc:
        raise Conflict(f"a role named {name!r} exists already") from exc
    return RoleView(role.name, role.description, role.grants, builtin=False)


def list_roles(ctx: Context, actor: Actor) -> tuple[RoleView, ...]:
    """The built-in roles, then the custom ones, by name."""
    authorize(actor)
    with transaction(ctx.sessions) as session:
        custom = repo.custom_roles(session)
    builtin = [RoleView(r.name, r.description, r.grants, True) for r in BUILTIN_ROLES.values()]
    own = [RoleView(r.name, r.description, r.grants, False) for _, r in sorted(custom.items())]
    return (*builtin, *own)


def delete_role(ctx: Context, actor: Actor, name: str, source: str | None) -> None:
    """Remove a custom role; refused for a built-in one and while anyone holds it."""
    who = authorize(actor)
    if name in BUILTIN_ROLES:
        raise Conflict(f"{name!r} is a built-in role; it cannot be deleted")
    with transaction(ctx.sessions, write=True) as session:
        found = repo.custom_role_id(session, name, lock=True)
        if found is None:
            raise NotFound("no such role")
        holders = repo.role_holders(session, name)
        if holders:
            raise Conflict(f"the role is held by {holders} user(s); take it from them first")
        repo.delete_role(session, name)
        ctx.record(
            session,
            Action.PERMISSION_CHANGED,
            Outcome.SUCCESS,
            actor=who,
            target=Target("role", found),
            source=source,
            deleted=True,
        )
