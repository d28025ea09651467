"""17.04(1), 17.04(2): what every identity operation shares: clock, policies, who acts, audit.

Also the rules for names (user names, role names) and for turning stored role names into roles,
built-in ones first, so that a stored role can never shadow `admin`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Final

from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from wisp.audit.events import Action, AuditEvent, DetailValue, Outcome, SystemActor, Target
from wisp.audit.service import AuditLog
from wisp.config import Settings
from wisp.errors import InvalidInput, PermissionDenied, UnknownRole
from wisp.identity import repository as repo
from wisp.identity.clock import Clock, require_aware
from wisp.identity.lockout import LockoutPolicy
from wisp.identity.passwords import PasswordPolicy
from wisp.identity.roles import BUILTIN_ROLES, Permission, Principal, Role
from wisp.identity.tokens import SessionPolicy
from wisp.storage.engine import reader
from wisp.storage.session import SessionFactory, bound_engine
from wisp.vault.keys import KeyProvider

__all__ = [
    "Actor",
    "Context",
    "authorize",
    "check_display_name",
    "check_role_name",
    "normalize_username",
    "principal_id",
    "registry",
    "resolve",
    "role_id",
    "stored_roles",
    "user_target",
    "username_key",
]

#: Who may manage users: a principal holding `users:manage`, or someone at the host's shell.
Actor = Principal | SystemActor

_USERNAME = re.compile(r"[\w.@+-]+")
_ROLE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_MAX_USERNAME: Final = 64
_MAX_DISPLAY_NAME: Final = 128
#: Built-in roles have no row; their audit id is derived from their name under this namespace.
_BUILTIN_ROLE_NAMESPACE: Final = uuid.UUID("6f1d7a52-2c4e-4f0b-9a57-77697370726f")


@dataclass(frozen=True)
class Context:
    """The injected parts and the policies read from the settings once."""

    sessions: SessionFactory
    audit: AuditLog
    settings: Settings
    keys: Callable[[], KeyProvider]
    clock: Clock
    hasher: PasswordHasher
    lockout: LockoutPolicy
    timeouts: SessionPolicy
    passwords: PasswordPolicy

    @cached_property
    def _reader(self) -> Engine:
        return reader(bound_engine(self.sessions))

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for the one-statement reads of every request (see storage `reader`)."""
        with self._reader.connect() as connection:
            yield connection

    def now(self) -> datetime:
        """The current instant (refused if the clock is naive)."""
        return require_aware(self.clock())

    def record(
        self,
        session: Session,
        action: Action,
        outcome: Outcome,
        *,
        actor: uuid.UUID | SystemActor | None,
        target: Target | None = None,
        source: str | None = None,
        **details: DetailValue,
    ) -> None:
        """Append an audit entry inside `session`'s transaction: it commits with the change."""
        event = AuditEvent(action, outcome, actor, target, _audit_source(source), details)
        self.audit.record(event, session=session)


def _audit_source(address: str | None) -> str | None:
    # The audit log takes IP addresses only; a Unix socket peer is recorded as no source.
    if address is None:
        return None
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return None


def principal_id(principal: Principal) -> uuid.UUID:
    """The user id of `principal`; PermissionDenied if it is not one wisp made."""
    try:
        return uuid.UUID(principal.user_id)
    except ValueError:
        raise PermissionDenied("permission denied: not a wisp user") from None


def authorize(actor: Actor) -> uuid.UUID | SystemActor:
    """The audit actor of someone managing users and roles; PermissionDenied for anyone else.

    `SystemActor.CLI` is someone at the host's shell who owns the state directory, and could
    read the database anyway.
    """
    if actor is SystemActor.CLI:
        return actor
    if isinstance(actor, Principal):
        actor.require(Permission.USERS_MANAGE)
        return principal_id(actor)
    raise PermissionDenied("permission denied: users:manage")


def user_target(user_id: uuid.UUID) -> Target:
    """The audit target naming a user, by id only."""
    return Target("user", user_id)


def role_id(name: str, custom_id: uuid.UUID | None = None) -> uuid.UUID:
    """The audit id of a role: its row's id, or one derived from a built-in role's name."""
    return custom_id if custom_id is not None else uuid.uuid5(_BUILTIN_ROLE_NAMESPACE, name)


def normalize_username(text: str) -> tuple[str, str]:
    """The user name as stored (NFKC, trimmed) and its case-folded key; InvalidInput if bad."""
    name = unicodedata.normalize("NFKC", text).strip()
    key = name.casefold()
    if not (len(name) <= _MAX_USERNAME and len(key) <= _MAX_USERNAME and _USERNAME.fullmatch(name)):
        raise InvalidInput(
            f"a user name is 1 to {_MAX_USERNAME} letters, digits and the characters . _ - @ +"
        )
    return name, key


def username_key(text: str) -> str | None:
    """The key a typed user name is looked up by; None if no user could have that name."""
    try:
        return normalize_username(text)[1]
    except InvalidInput:
        return None


def check_display_name(text: str | None) -> str | None:
    """A display name as stored (None for blank); InvalidInput if too long or with controls."""
    if text is None or not text.strip():
        return None
    name = unicodedata.normalize("NFKC", text).strip()
    if len(name) > _MAX_DISPLAY_NAME or any(unicodedata.category(c)[0] == "C" for c in name):
        raise InvalidInput(
            f"a display name is at most {_MAX_DISPLAY_NAME} characters, without control characters"
        )
    return name


def check_role_name(name: str) -> str:
    """`name` if it may name a custom role: a lowercase letter, then letters, digits, - and _."""
    if not _ROLE_NAME.fullmatch(name):
        raise InvalidInput("a role name is a lowercase letter then up to 63 of a-z, 0-9, - and _")
    return name


def registry(session: Session) -> dict[str, Role]:
    """Every role by name: the custom ones, then the built-in ones over them (never shadowed)."""
    return {**repo.custom_roles(session), **BUILTIN_ROLES}


def resolve(names: Iterable[str], roles: Mapping[str, Role]) -> tuple[Role, ...]:
    """The roles called `names`; UnknownRole for a name `roles` lacks (never skipped)."""
    found = []
    for name in names:
        if name not in roles:
            raise UnknownRole(f"unknown role {name!r}")
        found.append(roles[name])
    return tuple(found)


def stored_roles(pairs: Iterable[tuple[str, list[dict[str, Any]] | None]]) -> tuple[Role, ...]:
    """The roles a request's query found: built-in by name, custom from their stored grants."""
    roles = []
    for name, grants in pairs:
        builtin = BUILTIN_ROLES.get(name)
        if builtin is not None:
            roles.append(builtin)
        elif grants is not None:
            roles.append(Role(name, repo.decode_grants(grants)))
        else:  # a role row deleted under an assignment: deny, loudly
            raise UnknownRole(f"unknown role {name!r}")
    return tuple(roles)
