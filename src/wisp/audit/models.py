"""17.04(4): the audit log's tables: one row per entry, and the head row writers lock.

Columns carry ids, enums, counts and masked values only (see `wisp.audit.events`), never PI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wisp.storage.models import Base

__all__ = ["HEAD_ID", "AuditEntry", "AuditHead"]

#: The head table holds exactly one row, with this id.
HEAD_ID = 1


class AuditEntry(Base):
    """One event. `mac` = HMAC(key, prev_hash || canonical(entry)); see `wisp.audit.chain`."""

    __tablename__ = "audit_entry"

    # Set by the writer holding the head lock, never by a database sequence: a sequence leaves
    # gaps on rollback, and a gap must mean a deleted entry. On SQLite an INTEGER primary key is
    # the rowid itself, so the table needs no separate index for it.
    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    # The one secondary index: the alert rules count entries in a time window. Every index is
    # written on every append (a page more per commit), and the entries are the hot write path;
    # listing by action or actor scans the window or the table instead.
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(45))  # the longest IPv6 text form
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    # Not indexed: only `wisp audit verify` looks an entry up by its mac, and only where the
    # chain already breaks (to tell a moved entry from a deleted one).
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's newest (sequence, mac); writers lock this row to take turns."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint(f"id = {HEAD_ID}", name="singleton"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sequence: Mapped[int] = mapped_column(BigInteger)
    mac: Mapped[str] = mapped_column(String(64))
