"""17.04(1), 17.04(2)(a): the SQL of users, their roles, custom roles and second factors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from wisp.identity.models import (
    AccountLockout,
    CustomRole,
    MfaCredential,
    RecoveryCode,
    User,
    UserRole,
)
from wisp.identity.repository.common import NO_SYNC, changed
from wisp.identity.roles import Grant, Permission, Role
from wisp.identity.views import UserStatus

__all__ = [
    "MfaRecord",
    "UserRecord",
    "confirm_mfa",
    "custom_role_id",
    "custom_roles",
    "decode_grants",
    "delete_mfa",
    "delete_role",
    "encode_grants",
    "get_mfa",
    "get_user",
    "insert_role",
    "insert_user",
    "list_users",
    "locked_user_ids",
    "mfa_enrolled_user_ids",
    "put_pending_mfa",
    "replace_recovery_codes",
    "replace_user_roles",
    "role_holders",
    "role_names_by_user",
    "set_last_step",
    "update_user",
    "use_recovery_code",
    "user_by_key",
    "user_role_names",
]


@dataclass(frozen=True)
class UserRecord:
    """A user's row."""

    id: uuid.UUID
    username: str
    display_name: str | None
    status: UserStatus
    password_hash: str
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class MfaRecord:
    """A user's MFA row; `enrolled_at` None while enrolment awaits its first code."""

    user_id: uuid.UUID
    secret_ciphertext: bytes
    key_version: int
    last_step: int | None
    enrolled_at: datetime | None


# --- users -----------------------------------------------------------------------------------

_USER_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.status,
    User.password_hash,
    User.created_at,
    User.updated_at,
    User.disabled_at,
)


def _user(row: Any) -> UserRecord:
    user_id, username, display_name, status, password_hash, created, updated, disabled = row
    return UserRecord(
        user_id,
        username,
        display_name,
        UserStatus(status),
        password_hash,
        created,
        updated,
        disabled,
    )


def get_user(session: Session, user_id: uuid.UUID, *, lock: bool = False) -> UserRecord | None:
    """The user `user_id`, locked for the transaction if `lock`."""
    query = select(*_USER_COLUMNS).where(User.id == user_id)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    return None if row is None else _user(row)


def user_by_key(session: Session, key: str, *, lock: bool = False) -> UserRecord | None:
    """The user whose case-folded name is `key`."""
    query = select(*_USER_COLUMNS).where(User.username_key == key)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    return None if row is None else _user(row)


def list_users(session: Session) -> list[UserRecord]:
    """Every user, by name."""
    return [
        _user(row) for row in session.execute(select(*_USER_COLUMNS).order_by(User.username_key))
    ]


def insert_user(session: Session, user: UserRecord, key: str) -> None:
    """A new user, with its empty lockout row."""
    session.execute(
        insert(User).values(
            id=user.id,
            username=user.username,
            username_key=key,
            display_name=user.display_name,
            status=user.status.value,
            password_hash=user.password_hash,
            created_at=user.created_at,
            updated_at=user.updated_at,
            password_changed_at=user.created_at,
            disabled_at=None,
        )
    )
    session.execute(
        insert(AccountLockout).values(
            user_id=user.id, counted=[], consecutive=0, locked_at=None, locked_until=None
        )
    )


def update_user(session: Session, user_id: uuid.UUID, **values: Any) -> None:
    """Set columns of one user's row (`status` as a UserStatus)."""
    if isinstance(values.get("status"), UserStatus):
        values["status"] = values["status"].value
    session.execute(
        update(User).where(User.id == user_id).values(**values), execution_options=NO_SYNC
    )


def user_role_names(session: Session, user_id: uuid.UUID) -> tuple[str, ...]:
    """The names of the roles `user_id` holds, sorted."""
    query = (
        select(UserRole.role_name).where(UserRole.user_id == user_id).order_by(UserRole.role_name)
    )
    return tuple(session.scalars(query))


def role_names_by_user(session: Session) -> dict[uuid.UUID, tuple[str, ...]]:
    """Every user's role names."""
    found: dict[uuid.UUID, list[str]] = {}
    for user_id, name in session.execute(
        select(UserRole.user_id, UserRole.role_name).order_by(UserRole.role_name)
    ):
        found.setdefault(user_id, []).append(name)
    return {user_id: tuple(names) for user_id, names in found.items()}


def replace_user_roles(session: Session, user_id: uuid.UUID, names: Iterable[str]) -> None:
    """Make `names` the roles `user_id` holds."""
    session.execute(delete(UserRole).where(UserRole.user_id == user_id), execution_options=NO_SYNC)
    rows = [{"user_id": user_id, "role_name": name} for name in sorted(set(names))]
    if rows:
        session.execute(insert(UserRole), rows)


def mfa_enrolled_user_ids(session: Session) -> set[uuid.UUID]:
    """The users with a confirmed second factor."""
    query = select(MfaCredential.user_id).where(MfaCredential.enrolled_at.is_not(None))
    return set(session.scalars(query))


def locked_user_ids(session: Session, now: datetime) -> set[uuid.UUID]:
    """The users whose account is locked at `now`."""
    query = select(AccountLockout.user_id).where(
        AccountLockout.locked_at.is_not(None),
        AccountLockout.locked_until.is_(None) | (AccountLockout.locked_until > now),
    )
    return set(session.scalars(query))


# --- roles -----------------------------------------------------------------------------------


def encode_grants(grants: Iterable[Grant]) -> list[dict[str, Any]]:
    """Grants as stored: JSON objects with sorted name lists."""
    return [
        {
            "permission": grant.permission.value,
            "collections": sorted(grant.collections),
            "fields": sorted(grant.fields),
        }
        for grant in grants
    ]


def decode_grants(stored: Sequence[dict[str, Any]]) -> tuple[Grant, ...]:
    """Stored grants back; an unknown permission raises UnknownPermission (fail closed)."""
    return tuple(
        Grant(
            Permission.parse(item["permission"]),
            frozenset(item["collections"]),
            frozenset(item["fields"]),
        )
        for item in stored
    )


def custom_roles(session: Session) -> dict[str, Role]:
    """Every role an administrator defined, by name."""
    query = select(CustomRole.name, CustomRole.grants, CustomRole.description)
    return {
        name: Role(name, decode_grants(grants), description)
        for name, grants, description in session.execute(query)
    }


def custom_role_id(session: Session, name: str, *, lock: bool = False) -> uuid.UUID | None:
    """The id of the custom role `name`; locked (against a concurrent delete) if `lock`."""
    query = select(CustomRole.id).where(CustomRole.name == name)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def insert_role(session: Session, role: Role, role_id: uuid.UUID, now: datetime) -> None:
    """A new custom role."""
    session.execute(
        insert(CustomRole).values(
            id=role_id,
            name=role.name,
            description=role.description,
            grants=encode_grants(role.grants),
            created_at=now,
        )
    )


def delete_role(session: Session, name: str) -> None:
    """Remove the custom role `name`."""
    session.execute(delete(CustomRole).where(CustomRole.name == name), execution_options=NO_SYNC)


def role_holders(session: Session, name: str) -> int:
    """How many users hold the role `name`."""
    query = select(func.count()).select_from(UserRole).where(UserRole.role_name == name)
    return int(session.scalar(query) or 0)


# --- MFA -------------------------------------------------------------------------------------


def get_mfa(session: Session, user_id: uuid.UUID, *, lock: bool = False) -> MfaRecord | None:
    """The user's MFA row, if any."""
    query = select(
        MfaCredential.user_id,
        MfaCredential.secret_ciphertext,
        MfaCredential.key_version,
        MfaCredential.last_step,
        MfaCredential.enrolled_at,
    ).where(MfaCredential.user_id == user_id)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    return None if row is None else MfaRecord(*row)


def put_pending_mfa(
    session: Session, user_id: uuid.UUID, ciphertext: bytes, key_version: int, now: datetime
) -> None:
    """Replace any unconfirmed MFA row of the user by a new one."""
    delete_mfa(session, user_id)
    session.execute(
        insert(MfaCredential).values(
            user_id=user_id,
            secret_ciphertext=ciphertext,
            key_version=key_version,
            last_step=None,
            created_at=now,
            enrolled_at=None,
        )
    )


def confirm_mfa(session: Session, user_id: uuid.UUID, step: int, now: datetime) -> None:
    """Mark the user's MFA enrolled, its first code's step used."""
    session.execute(
        update(MfaCredential)
        .where(MfaCredential.user_id == user_id)
        .values(enrolled_at=now, last_step=step),
        execution_options=NO_SYNC,
    )


def set_last_step(session: Session, user_id: uuid.UUID, step: int) -> bool:
    """Record `step` as used, only if it is newer than the last one (compare-and-swap)."""
    statement = (
        update(MfaCredential)
        .where(
            MfaCredential.user_id == user_id,
            MfaCredential.last_step.is_(None) | (MfaCredential.last_step < step),
        )
        .values(last_step=step)
    )
    return changed(session, statement.execution_options(**NO_SYNC)) == 1


def replace_recovery_codes(session: Session, user_id: uuid.UUID, hashes: Iterable[str]) -> None:
    """Make `hashes` the user's only recovery codes."""
    session.execute(
        delete(RecoveryCode).where(RecoveryCode.user_id == user_id), execution_options=NO_SYNC
    )
    rows = [{"user_id": user_id, "code_hash": code_hash} for code_hash in hashes]
    if rows:
        session.execute(insert(RecoveryCode), rows)


def use_recovery_code(session: Session, user_id: uuid.UUID, code_hash: str) -> int | None:
    """Spend one code (delete its row); the codes left, or None if it was not one of them.

    The delete is the check: of two requests presenting the same code, only one deletes it.
    """
    statement = delete(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash
    )
    if changed(session, statement.execution_options(**NO_SYNC)) != 1:
        return None
    query = select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user_id)
    return int(session.scalar(query) or 0)


def delete_mfa(session: Session, user_id: uuid.UUID) -> bool:
    """Remove the user's MFA and recovery codes; whether there was an enrolled one."""
    session.execute(
        delete(RecoveryCode).where(RecoveryCode.user_id == user_id), execution_options=NO_SYNC
    )
    statement = delete(MfaCredential).where(
        MfaCredential.user_id == user_id, MfaCredential.enrolled_at.is_not(None)
    )
    enrolled = changed(session, statement.execution_options(**NO_SYNC)) > 0
    session.execute(
        delete(MfaCredential).where(MfaCredential.user_id == user_id), execution_options=NO_SYNC
    )
    return enrolled
