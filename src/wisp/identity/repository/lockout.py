"""17.04(1)(e): the SQL of the lockout states, shared by every app server."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wisp.errors import StorageError
from wisp.identity.lockout import AccountState, SourceState
from wisp.identity.models import AccountLockout, SourceThrottle
from wisp.identity.repository.common import NO_SYNC, changed, insert_ignore

__all__ = [
    "lock_account",
    "lock_source",
    "prune_sources",
    "read_account",
    "read_source",
    "store_account",
    "store_source",
]


def _account(row: Any) -> AccountState:
    counted = tuple(datetime.fromisoformat(text) for text in row[0])
    return AccountState(counted, row[1], row[2], row[3])


_ACCOUNT_COLUMNS = (
    AccountLockout.counted,
    AccountLockout.consecutive,
    AccountLockout.locked_at,
    AccountLockout.locked_until,
)


def read_account(session: Session, user_id: uuid.UUID) -> AccountState:
    """The user's failure state, unlocked (for a decision that is checked again later)."""
    query = select(*_ACCOUNT_COLUMNS).where(AccountLockout.user_id == user_id)
    row = session.execute(query).one_or_none()
    return AccountState() if row is None else _account(row)


def lock_account(session: Session, user_id: uuid.UUID) -> AccountState:
    """The user's failure state, locked until the transaction ends."""
    insert_ignore(session, AccountLockout, user_id=user_id, counted=[], consecutive=0)
    query = select(*_ACCOUNT_COLUMNS).where(AccountLockout.user_id == user_id).with_for_update()
    return _account(session.execute(query).one())


def store_account(session: Session, user_id: uuid.UUID, state: AccountState) -> None:
    """Write the user's failure state (its row is locked by `lock_account`)."""
    session.execute(
        update(AccountLockout)
        .where(AccountLockout.user_id == user_id)
        .values(
            counted=[instant.isoformat() for instant in state.counted],
            consecutive=state.consecutive,
            locked_at=state.locked_at,
            locked_until=state.locked_until,
        ),
        execution_options=NO_SYNC,
    )


def _source(row: Any) -> SourceState:
    return SourceState(row[0], row[1], tuple((str(key), int(n)) for key, n in row[2]))


_SOURCE_COLUMNS = (
    SourceThrottle.failures,
    SourceThrottle.last_failure_at,
    SourceThrottle.by_account,
)


def read_source(session: Session, key: str) -> SourceState:
    """The source's failure state, unlocked."""
    query = select(*_SOURCE_COLUMNS).where(SourceThrottle.source_key == key)
    row = session.execute(query).one_or_none()
    return SourceState() if row is None else _source(row)


def lock_source(session: Session, key: str) -> SourceState:
    """The source's failure state, locked until the transaction ends."""
    query = select(*_SOURCE_COLUMNS).where(SourceThrottle.source_key == key).with_for_update()
    for _ in range(3):  # a concurrent prune may delete the row between insert and select
        insert_ignore(session, SourceThrottle, source_key=key, failures=0, by_account=[])
        row = session.execute(query).one_or_none()
        if row is not None:
            return _source(row)
    raise StorageError("the sign-in throttle of a source could not be locked")


def store_source(session: Session, key: str, state: SourceState) -> None:
    """Write the source's failure state; a source with nothing against it loses its row."""
    if state.failures == 0 and not state.by_account:
        session.execute(
            delete(SourceThrottle).where(SourceThrottle.source_key == key),
            execution_options=NO_SYNC,
        )
        return
    session.execute(
        update(SourceThrottle)
        .where(SourceThrottle.source_key == key)
        .values(
            failures=state.failures,
            last_failure_at=state.last_failure_at,
            by_account=[list(pair) for pair in state.by_account],
        ),
        execution_options=NO_SYNC,
    )


def prune_sources(session: Session, quiet_since: datetime, *, limit: int) -> int:
    """Forget up to `limit` sources whose last failure is older than `quiet_since`; how many.

    Rows another transaction holds are skipped, not waited for: two pruning sign-ins would
    otherwise each wait on the row the other has locked.
    """
    stale = (
        select(SourceThrottle.source_key)
        .where(SourceThrottle.last_failure_at < quiet_since)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = delete(SourceThrottle).where(SourceThrottle.source_key.in_(stale.scalar_subquery()))
    return changed(session, statement.execution_options(**NO_SYNC))
