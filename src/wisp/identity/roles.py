"""Roles, permissions and principals: deny by default, per collection and per field.

17.04(2)(a) restrict access to active users and accounts; 17.03(2)(e) / 17.04(2) least privilege.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from wisp.errors import PermissionDenied, UnknownPermission, UnknownRole

__all__ = [
    "ANY",
    "BUILTIN_ROLES",
    "MFA_PERMISSIONS",
    "Grant",
    "Permission",
    "Principal",
    "Role",
    "resolve_roles",
]

#: In a grant's collections or fields: every one.
ANY: Final = "*"
_EVERYTHING: Final = frozenset({ANY})


class Permission(StrEnum):
    """Everything wisp lets someone do; a name outside this list is refused, loudly."""

    RECORDS_READ = "records:read"  # list and open records, PI fields masked
    RECORDS_WRITE = "records:write"  # create, change and delete records
    RECORDS_REVEAL = "records:reveal"  # see a PI field unmasked (each reveal is audited)
    RECORDS_EXPORT = "records:export"  # export records with PI unmasked
    COLLECTIONS_MANAGE = "collections:manage"  # define collections, fields, retention, canaries
    USERS_MANAGE = "users:manage"  # add, change, disable and unlock users; assign roles
    KEYS_MANAGE = "keys:manage"  # rotate the vault's keys, reseal records
    AUDIT_READ = "audit:read"  # read the audit log
    ALERTS_READ = "alerts:read"  # see alerts and acknowledge them

    @classmethod
    def parse(cls, name: str) -> Permission:
        """The permission called `name`; `UnknownPermission` for any other name."""
        try:
            return cls(name)
        except ValueError:
            raise UnknownPermission(f"unknown permission {name!r}") from None


#: Whoever holds one of these must have a second factor (17.04(1); ASVS 6.3.3 for level 2).
MFA_PERMISSIONS: Final = frozenset(
    {
        Permission.USERS_MANAGE,
        Permission.KEYS_MANAGE,
        Permission.COLLECTIONS_MANAGE,
        Permission.RECORDS_REVEAL,
        Permission.RECORDS_EXPORT,
    }
)


@dataclass(frozen=True)
class Grant:
    """One permission, on some collections and (for record permissions) some fields."""

    permission: Permission
    collections: frozenset[str] = _EVERYTHING
    fields: frozenset[str] = _EVERYTHING

    def covers(self, permission: Permission, collection: str | None, field: str | None) -> bool:
        """Whether this grant allows `permission` on `collection` (all if None), `field` (ditto).

        Asking about every collection or every field (None) needs a grant of ANY: a grant on
        "employees" does not answer a question about all collections.
        """
        return (
            self.permission is permission
            and _within(collection, self.collections)
            and _within(field, self.fields)
        )


def _within(name: str | None, allowed: frozenset[str]) -> bool:
    return ANY in allowed or (name is not None and name in allowed)


@dataclass(frozen=True)
class Role:
    """A named set of grants; a user holds roles, never grants directly."""

    name: str
    grants: tuple[Grant, ...]
    description: str = ""

    @property
    def requires_mfa(self) -> bool:
        """Whether this role may reveal or export PI or manage users."""
        return any(grant.permission in MFA_PERMISSIONS for grant in self.grants)


def _role(name: str, description: str, *permissions: Permission) -> Role:
    return Role(name, tuple(Grant(permission) for permission in permissions), description)


#: The built-in roles. Least privilege: the administrator manages people, not PI; only the
#: officer sees PI unmasked; the auditor reads the log and nothing else.
BUILTIN_ROLES: Final[Mapping[str, Role]] = MappingProxyType(
    {
        role.name: role
        for role in (
            _role(
                "admin",
                "Manages users, roles and keys.",
                Permission.USERS_MANAGE,
                Permission.KEYS_MANAGE,
                Permission.AUDIT_READ,
                Permission.ALERTS_READ,
            ),
            _role(
                "officer",
                "Works with PI: reveals and exports it.",
                Permission.RECORDS_READ,
                Permission.RECORDS_WRITE,
                Permission.RECORDS_REVEAL,
                Permission.RECORDS_EXPORT,
                Permission.COLLECTIONS_MANAGE,
                Permission.AUDIT_READ,
                Permission.ALERTS_READ,
            ),
            _role(
                "clerk",
                "Keeps records; sees PI masked.",
                Permission.RECORDS_READ,
                Permission.RECORDS_WRITE,
            ),
            _role(
                "auditor",
                "Reads the audit log and alerts.",
                Permission.AUDIT_READ,
                Permission.ALERTS_READ,
            ),
        )
    }
)


def resolve_roles(
    names: Iterable[str], registry: Mapping[str, Role] = BUILTIN_ROLES
) -> tuple[Role, ...]:
    """The roles called `names`; `UnknownRole` if any is not in `registry` (never skipped)."""
    roles = []
    for name in names:
        role = registry.get(name)
        if role is None:
            raise UnknownRole(f"unknown role {name!r}")
        roles.append(role)
    return tuple(roles)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user, the roles they hold, and the scopes of the token they used.

    `scopes` is None for an interactive session (the roles decide alone); for an API token it
    narrows the roles: a permission needs both a role granting it and a scope naming it.
    """

    user_id: str
    roles: tuple[Role, ...] = ()
    scopes: frozenset[Permission] | None = field(default=None)

    def can(
        self,
        permission: Permission | str,
        *,
        collection: str | None = None,
        field: str | None = None,
    ) -> bool:
        """Whether this principal holds `permission`; anything not granted is denied.

        An unknown permission name raises `UnknownPermission` rather than answering False,
        so a typo in a check fails a test instead of silently locking a feature.
        """
        wanted = permission if isinstance(permission, Permission) else Permission.parse(permission)
        if self.scopes is not None and wanted not in self.scopes:
            return False
        return any(
            grant.covers(wanted, collection, field) for role in self.roles for grant in role.grants
        )

    def require(
        self,
        permission: Permission | str,
        *,
        collection: str | None = None,
        field: str | None = None,
    ) -> None:
        """Raise `PermissionDenied` unless `can(...)`; the message names no PI."""
        if not self.can(permission, collection=collection, field=field):
            where = ".".join(part for part in (collection, field) if part)
            raise PermissionDenied(
                f"permission denied: {permission}" + (f" on {where}" if where else "")
            )

    @property
    def requires_mfa(self) -> bool:
        """Whether a sign-in must pass a second factor before this principal gets a session."""
        return any(role.requires_mfa for role in self.roles)
