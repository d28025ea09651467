"""17.04(4): the audit log's SQL: append under the head lock, and read entries in order.

Writers take turns on the head row: `SELECT ... FOR UPDATE` on PostgreSQL, and on SQLite the
write lock their transaction began with (`transaction(..., write=True)`: `BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import func, select
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

_COLUMNS = (
    AuditEntry.sequence,
    AuditEntry.occurred_at,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.target_type,
    AuditEntry.target_id,
    AuditEntry.source,
    AuditEntry.outcome,
    AuditEntry.details,
    AuditEntry.prev_hash,
    AuditEntry.mac,
)


def lock_head(session: Session) -> AuditHead:
    """The head row, locked until the transaction ends; AuditTampered if it is gone."""
    head = session.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None:
        raise AuditTampered("the audit head row is missing; run `wisp audit verify`")
    return head


def read_head(session: Session) -> tuple[int, str] | None:
    """The head's (sequence, mac), unlocked; None if the row is gone."""
    row = session.execute(
        select(AuditHead.sequence, AuditHead.mac).where(AuditHead.id == HEAD_ID)
    ).one_or_none()
    return None if row is None else (row.sequence, row.mac)


def append(session: Session, head: AuditHead, entry: StoredEntry) -> None:
    """Insert `entry` and move the locked `head` to it."""
    session.add(
        AuditEntry(
            sequence=entry.sequence,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            source=entry.source,
            outcome=entry.outcome,
            details=entry.details,
            prev_hash=entry.prev_hash,
            mac=entry.mac,
        )
    )
    head.sequence, head.mac = entry.sequence, entry.mac
    session.flush()


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
