"""17.04(1)(d), 17.04(2)(a): the SQL of sessions and API tokens, and of checking one per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from wisp.identity.models import (
    ApiTokenRow,
    CustomRole,
    MfaCredential,
    SessionRow,
    User,
    UserRole,
)
from wisp.identity.repository.common import NO_SYNC, changed
from wisp.identity.views import SessionState, UserStatus
from wisp.storage.prepared import Prepared

__all__ = [
    "RequestContext",
    "SessionRecord",
    "TokenRecord",
    "get_session",
    "get_token",
    "insert_session",
    "insert_token",
    "list_tokens",
    "purge_sessions",
    "purge_tokens",
    "revoke_session",
    "revoke_sessions",
    "revoke_token",
    "revoke_tokens",
    "session_context",
    "token_context",
    "touch_session",
    "touch_token",
]


@dataclass(frozen=True)
class SessionRecord:
    """A session's row."""

    id_hash: str
    user_id: uuid.UUID
    state: SessionState
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class TokenRecord:
    """An API token's row."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class RequestContext:
    """What one request's credential check needs, read in one query.

    `roles` pairs each role name the user holds with its stored grants (None: not a custom
    role). For a session `state` is set; for a token `expires_at` and `scopes` are.
    """

    user_id: uuid.UUID
    user_status: UserStatus
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    mfa_enrolled: bool
    roles: tuple[tuple[str, list[dict[str, Any]] | None], ...]
    state: SessionState | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()


# --- sessions --------------------------------------------------------------------------------


def insert_session(
    session: Session, id_hash: str, user_id: uuid.UUID, state: SessionState, now: datetime
) -> None:
    """A new session."""
    session.execute(
        insert(SessionRow).values(
            id_hash=id_hash,
            user_id=user_id,
            state=state.value,
            created_at=now,
            last_seen_at=now,
            revoked_at=None,
        )
    )


def get_session(session: Session, id_hash: str, *, lock: bool = False) -> SessionRecord | None:
    """The session `id_hash`; locked for the transaction if `lock` (after its user's row)."""
    query = select(
        SessionRow.id_hash,
        SessionRow.user_id,
        SessionRow.state,
        SessionRow.created_at,
        SessionRow.last_seen_at,
        SessionRow.revoked_at,
    ).where(SessionRow.id_hash == id_hash)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        return None
    id_hash, user_id, state, created, last_seen, revoked = row
    return SessionRecord(id_hash, user_id, SessionState(state), created, last_seen, revoked)


def _context(rows: list[Any], width: int, **extra: Any) -> RequestContext:
    first = rows[0]
    user_id, status, _, _, enrolled = first[width:]
    roles = tuple((row[width + 2], row[width + 3]) for row in rows if row[width + 2] is not None)
    return RequestContext(
        user_id=user_id,
        user_status=UserStatus(status),
        created_at=first[0],
        last_used_at=first[1],
        revoked_at=first[2],
        mfa_enrolled=enrolled is not None,
        roles=roles,
        **extra,
    )


def _request_query(head: tuple[Any, ...], table: Any, key: Any, user_column: Any) -> Any:
    # Built once at import: building a select costs more than running it on the hot path.
    return (
        select(*head)
        .select_from(table)
        .add_columns(
            User.id, User.status, UserRole.role_name, CustomRole.grants, MfaCredential.enrolled_at
        )
        .join(User, User.id == user_column)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .outerjoin(CustomRole, CustomRole.name == UserRole.role_name)
        .outerjoin(MfaCredential, MfaCredential.user_id == User.id)
        .where(key == bindparam("digest"))
    )


_SESSION_HEAD = (
    SessionRow.created_at,
    SessionRow.last_seen_at,
    SessionRow.revoked_at,
    SessionRow.state,
)
_SESSION_QUERY = Prepared(
    _request_query(_SESSION_HEAD, SessionRow, SessionRow.id_hash, SessionRow.user_id)
)


def _request_rows(connection: Connection, query: Prepared, digest: str) -> list[Any]:
    # Every API request runs one of these: prepared on the driver's cursor, without the
    # ORM's or even Core's per-execution machinery (see wisp.storage.prepared).
    return query.all(connection, {"digest": digest})


def session_context(connection: Connection, id_hash: str) -> RequestContext | None:
    """The session, its user's status, roles (with custom grants) and MFA: one indexed query."""
    rows = _request_rows(connection, _SESSION_QUERY, id_hash)
    if not rows:
        return None
    return _context(rows, len(_SESSION_HEAD), state=SessionState(rows[0][3]))


def touch_session(session: Session, id_hash: str, now: datetime, seen_before: datetime) -> None:
    """Set `last_seen_at` to `now` if it is older than `seen_before` (a write a minute at most)."""
    session.execute(
        update(SessionRow)
        .where(SessionRow.id_hash == id_hash, SessionRow.last_seen_at < seen_before)
        .values(last_seen_at=now),
        execution_options=NO_SYNC,
    )


def revoke_session(session: Session, id_hash: str, now: datetime) -> bool:
    """End one session; whether it was still open."""
    statement = (
        update(SessionRow)
        .where(SessionRow.id_hash == id_hash, SessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return changed(session, statement.execution_options(**NO_SYNC)) == 1


def revoke_sessions(
    session: Session, user_id: uuid.UUID, now: datetime, *, keep: str | None = None
) -> int:
    """End every open session of `user_id` but `keep`; how many were ended."""
    condition = [SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None)]
    if keep is not None:
        condition.append(SessionRow.id_hash != keep)
    statement = update(SessionRow).where(*condition).values(revoked_at=now)
    return changed(session, statement.execution_options(**NO_SYNC))


# --- API tokens ------------------------------------------------------------------------------

_TOKEN_COLUMNS = (
    ApiTokenRow.id,
    ApiTokenRow.user_id,
    ApiTokenRow.name,
    ApiTokenRow.scopes,
    ApiTokenRow.created_at,
    ApiTokenRow.expires_at,
    ApiTokenRow.revoked_at,
    ApiTokenRow.last_used_at,
)


def _token(row: Any) -> TokenRecord:
    return TokenRecord(row[0], row[1], row[2], tuple(row[3]), *row[4:])


def insert_token(session: Session, token: TokenRecord, token_hash: str) -> None:
    """A new API token."""
    session.execute(
        insert(ApiTokenRow).values(
            id=token.id,
            token_hash=token_hash,
            user_id=token.user_id,
            name=token.name,
            scopes=list(token.scopes),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=None,
            last_used_at=None,
        )
    )


def get_token(session: Session, token_id: uuid.UUID, *, lock: bool = False) -> TokenRecord | None:
    """The token `token_id`."""
    query = select(*_TOKEN_COLUMNS).where(ApiTokenRow.id == token_id)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    return None if row is None else _token(row)


def list_tokens(session: Session, user_id: uuid.UUID) -> list[TokenRecord]:
    """Every token of `user_id`, newest first."""
    query = (
        select(*_TOKEN_COLUMNS)
        .where(ApiTokenRow.user_id == user_id)
        .order_by(ApiTokenRow.created_at.desc())
    )
    return [_token(row) for row in session.execute(query)]


_TOKEN_HEAD = (
    ApiTokenRow.created_at,
    ApiTokenRow.last_used_at,
    ApiTokenRow.revoked_at,
    ApiTokenRow.expires_at,
    ApiTokenRow.scopes,
)
_TOKEN_QUERY = Prepared(
    _request_query(_TOKEN_HEAD, ApiTokenRow, ApiTokenRow.token_hash, ApiTokenRow.user_id)
)


def token_context(connection: Connection, token_hash: str) -> RequestContext | None:
    """The token, its user's status and roles (with custom grants): one indexed query."""
    rows = _request_rows(connection, _TOKEN_QUERY, token_hash)
    if not rows:
        return None
    return _context(rows, len(_TOKEN_HEAD), expires_at=rows[0][3], scopes=tuple(rows[0][4]))


def touch_token(session: Session, token_hash: str, now: datetime, used_before: datetime) -> None:
    """Set `last_used_at` to `now` if unset or older than `used_before`."""
    session.execute(
        update(ApiTokenRow)
        .where(
            ApiTokenRow.token_hash == token_hash,
            ApiTokenRow.last_used_at.is_(None) | (ApiTokenRow.last_used_at < used_before),
        )
        .values(last_used_at=now),
        execution_options=NO_SYNC,
    )


def revoke_token(session: Session, token_id: uuid.UUID, now: datetime) -> bool:
    """Revoke one token; whether it was still unrevoked."""
    statement = (
        update(ApiTokenRow)
        .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return changed(session, statement.execution_options(**NO_SYNC)) == 1


def revoke_tokens(session: Session, user_id: uuid.UUID, now: datetime) -> int:
    """Revoke every unrevoked token of `user_id`; how many."""
    statement = (
        update(ApiTokenRow)
        .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return changed(session, statement.execution_options(**NO_SYNC))


# --- Purging ---------------------------------------------------------------------------------


def purge_sessions(
    session: Session, ended_before: datetime, idle: timedelta, absolute: timedelta
) -> int:
    """Delete the sessions over before `ended_before`: signed out or ended then, or timed out
    (idle for `idle` since their last use, or older than `absolute`); how many."""
    statement = delete(SessionRow).where(
        or_(
            SessionRow.revoked_at < ended_before,
            SessionRow.last_seen_at < ended_before - idle,
            SessionRow.created_at < ended_before - absolute,
        )
    )
    return changed(session, statement.execution_options(**NO_SYNC))


def purge_tokens(session: Session, ended_before: datetime) -> int:
    """Delete the API tokens revoked or expired before `ended_before`; how many."""
    statement = delete(ApiTokenRow).where(
        or_(ApiTokenRow.revoked_at < ended_before, ApiTokenRow.expires_at < ended_before)
    )
    return changed(session, statement.execution_options(**NO_SYNC))
