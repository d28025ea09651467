"""17.04(4): the audit log's SQL: append under the head lock, and read entries in order.

Writers take turns on the head row: `SELECT ... FOR UPDATE` on PostgreSQL, and on SQLite the
write lock their transaction began with (`BEGIN IMMEDIATE`). Every writer appends inside some
caller's transaction, so the append is prepared Core statements on that transaction's
connection, built once here: no ORM object, no unit of work, nothing compiled per entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from wisp.audit.chain import StoredEntry
from wisp.audit.models import HEAD_ID, AuditEntry, AuditHead
from wisp.errors import AuditTampered

__all__ = [
    "append",
    "entries_after",
    "entry_at",
    "highest_sequence",
    "iter_entries",
    "lock_head",
    "mac_exists",
    "read_head",
]

_ENTRY = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_COLUMNS = tuple(_ENTRY.c[name] for name in StoredEntry.__slots__)

_READ_HEAD = select(_HEAD.c.sequence, _HEAD.c.mac).where(_HEAD.c.id == HEAD_ID)
# SQLite renders no FOR UPDATE: there the writer's BEGIN IMMEDIATE already holds the lock.
_LOCK_HEAD = _READ_HEAD.with_for_update()
_INSERT_ENTRY = insert(_ENTRY).values({c.name: bindparam(c.name, type_=c.type) for c in _COLUMNS})
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(sequence=bindparam("sequence", type_=_HEAD.c.sequence.type), mac=bindparam("mac"))
)
# PostgreSQL: the entry and the head's move in one statement, one round trip rather than two.
# A data-modifying WITH runs to completion whether or not the statement reads from it.
_APPEND_AND_MOVE = _MOVE_HEAD.add_cte(_INSERT_ENTRY.cte("appended"))


def lock_head(conn: Connection) -> tuple[int, str]:
    """The head's (sequence, mac), its row locked until the transaction ends; AuditTampered if
    the row is gone."""
    row = conn.execute(_LOCK_HEAD).first()
    if row is None:
        raise AuditTampered("the audit head row is missing; run `wisp audit verify`")
    return row[0], row[1]


def read_head(session: Session) -> tuple[int, str] | None:
    """The head's (sequence, mac), unlocked; None if the row is gone."""
    row = session.execute(_READ_HEAD).first()
    return None if row is None else (row[0], row[1])


def append(conn: Connection, entry: StoredEntry) -> None:
    """Insert `entry` and move the head, locked by `lock_head` in this transaction, to it."""
    params: dict[str, Any] = {name: getattr(entry, name) for name in StoredEntry.__slots__}
    if conn.dialect.name == "postgresql":
        moved = conn.execute(_APPEND_AND_MOVE, params).rowcount
    else:
        conn.execute(_INSERT_ENTRY, params)
        moved = conn.execute(_MOVE_HEAD, params).rowcount
    if moved != 1:  # only if the row vanished under the lock: someone is at the database
        raise AuditTampered("the audit head row is missing; run `wisp audit verify`")


def entries_after(session: Session, after: int, limit: int) -> Sequence[StoredEntry]:
    """Up to `limit` entries with a sequence above `after`, in order."""
    rows = session.execute(
        select(*_COLUMNS)
        .where(AuditEntry.sequence > after)
        .order_by(AuditEntry.sequence)
        .limit(limit)
    )
    return [StoredEntry(*row) for row in rows]


def iter_entries(session: Session, after: int = 0, batch: int = 1000) -> Iterator[StoredEntry]:
    """Every entry above `after`, in order, read `batch` at a time (keyset pages)."""
    while True:
        page = entries_after(session, after, batch)
        yield from page
        if len(page) < batch:
            return
        after = page[-1].sequence


def entry_at(session: Session, sequence: int) -> StoredEntry | None:
    """The entry at `sequence`, if there is one."""
    row = session.execute(select(*_COLUMNS).where(AuditEntry.sequence == sequence)).one_or_none()
    return None if row is None else StoredEntry(*row)


def mac_exists(session: Session, mac: str) -> bool:
    """Whether some entry has this mac."""
    found = session.scalar(select(AuditEntry.sequence).where(AuditEntry.mac == mac).limit(1))
    return found is not None


def highest_sequence(session: Session) -> int:
    """The highest sequence stored; 0 for an empty log."""
    return session.scalar(select(func.coalesce(func.max(AuditEntry.sequence), 0))) or 0
