"""17.04(4): the audit log's SQL: append under the head lock, and read entries in order.

Writers take turns on the head row: `SELECT ... FOR UPDATE` on PostgreSQL, and on SQLite the
write lock their transaction began with (`BEGIN IMMEDIATE`). Every writer appends inside some
caller's transaction, so the append is Core statements on that transaction's connection, built
and compiled once here and run through `wisp.storage.prepared`: no ORM object, no unit of work,
no per-execution machinery, nothing compiled per entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Delete,
    Insert,
    Table,
    Update,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from wisp.audit.chain import StoredEntry
from wisp.audit.models import HEAD_ID, AuditEntry, AuditHead
from wisp.errors import AuditTampered
from wisp.storage.prepared import Prepared, PreparedFamily

__all__ = [
    "Carried",
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
_LOCK_HEAD = Prepared(_READ_HEAD.with_for_update())
_INSERT_ENTRY = insert(_ENTRY).values({c.name: bindparam(c.name, type_=c.type) for c in _COLUMNS})
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(sequence=bindparam("sequence", type_=_HEAD.c.sequence.type), mac=bindparam("mac"))
)
_APPEND = Prepared(_INSERT_ENTRY)
_MOVE = Prepared(_MOVE_HEAD)
# PostgreSQL: the entry and the head's move in one statement, one round trip rather than two.
# A data-modifying WITH runs to completion whether or not the statement reads from it.
_APPEND_AND_MOVE = Prepared(_MOVE_HEAD.add_cte(_INSERT_ENTRY.cte("appended")))


@dataclass(frozen=True, slots=True)
class Carried:
    """A change that rides with its audit entry: one DML statement (no RETURNING) and its
    parameters, none named as an entry's column is.

    On PostgreSQL it runs inside the entry's own statement, as one more data-modifying WITH:
    the change, the entry and the head's move in one round trip. Elsewhere it runs just before
    the entry, in the same transaction. Either way it runs exactly once.
    """

    statement: Prepared
    params: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not isinstance(self.statement.statement, (Insert, Update, Delete)):
            raise TypeError("only an INSERT, UPDATE or DELETE can ride with an audit entry")
        if not self.params.keys().isdisjoint(StoredEntry.__slots__):
            raise TypeError("a carried statement names a parameter as an audit entry's column")


def _append_carrying(carried: Prepared) -> ClauseElement:
    """The append-and-move statement with `carried` riding in it as one more WITH."""
    inner = cast(Insert | Update | Delete, carried.statement)
    return _MOVE_HEAD.add_cte(inner.cte("carried"), _INSERT_ENTRY.cte("appended"))


_APPEND_CARRYING: PreparedFamily[Prepared] = PreparedFamily(_append_carrying)


def lock_head(conn: Connection) -> tuple[int, str]:
    """The head's (sequence, mac), its row locked until the transaction ends; AuditTampered if
    the row is gone."""
    row = _LOCK_HEAD.first(conn)
    if row is None:
        raise AuditTampered("the audit head row is missing; run `wisp audit verify`")
    return row[0], row[1]


def read_head(session: Session) -> tuple[int, str] | None:
    """The head's (sequence, mac), unlocked; None if the row is gone."""
    row = session.execute(_READ_HEAD).first()
    return None if row is None else (row[0], row[1])


def append(conn: Connection, entry: StoredEntry, carrying: Carried | None = None) -> None:
    """Insert `entry` and move the head, locked by `lock_head` in this transaction, to it; with
    the change `carrying` (see `Carried`)."""
    params: dict[str, Any] = {name: getattr(entry, name) for name in StoredEntry.__slots__}
    if conn.dialect.name == "postgresql":
        if carrying is None:
            moved = _APPEND_AND_MOVE.execute(conn, params)
        else:
            combined = _APPEND_CARRYING[carrying.statement]
            moved = combined.execute(conn, {**carrying.params, **params})
    else:
        if carrying is not None:
            carrying.statement.execute(conn, carrying.params)
        _APPEND.execute(conn, params)
        moved = _MOVE.execute(conn, params)
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
