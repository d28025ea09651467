"""17.04(4): the SQL of monitoring: alert rows, and the audit_entry reads of rules and reviews.

Counting rules count audit entries in a time window straight from the table (indexed by time,
actor and action), so that every app server sharing the database sees the same numbers. Raising
takes a per-(rule, subject) lock so that two servers never open two alerts for one thing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from wisp.audit.alert_models import Alert, DeliveryStatus, Trigger
from wisp.audit.chain import StoredEntry
from wisp.audit.models import AuditEntry

__all__ = [
    "acknowledge",
    "claim_delivery",
    "count_window",
    "deliverable_ids",
    "finish_delivery",
    "get_alert",
    "list_alerts",
    "raise_alert",
    "select_entries",
]

_ENTRY_COLUMNS = (
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
_RETRYABLE = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)


def count_window(
    session: Session,
    actions: Collection[str],
    since: datetime,
    until: datetime,
    *,
    actor: str | None = None,
    source: str | None = None,
) -> tuple[int, int | None]:
    """How many entries of `actions` by `actor` / from `source` in (since, until], and the first."""
    query = select(func.count(), func.min(AuditEntry.sequence)).where(
        AuditEntry.action.in_(list(actions)),
        AuditEntry.occurred_at > since,
        AuditEntry.occurred_at <= until,
    )
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if source is not None:
        query = query.where(AuditEntry.source == source)
    count, first = session.execute(query).one()
    return int(count), first


def select_entries(
    session: Session, *, since: datetime | None, action: str | None, limit: int
) -> list[StoredEntry]:
    """Up to `limit` entries, oldest first: the first ones from `since`, else the newest ones."""
    query = select(*_ENTRY_COLUMNS)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        rows = session.execute(
            query.where(AuditEntry.occurred_at >= since).order_by(AuditEntry.sequence).limit(limit)
        )
        return [StoredEntry(*row) for row in rows]
    rows = session.execute(query.order_by(AuditEntry.sequence.desc()).limit(limit))
    return [StoredEntry(*row) for row in rows][::-1]


def _lock_subject(session: Session, rule: str, subject: str) -> None:
    # On SQLite the write transaction (BEGIN IMMEDIATE) already serializes raisers; PostgreSQL
    # needs a lock on something that may not exist yet: an advisory lock on the pair's hash.
    if session.connection().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"wisp.alert\0{rule}\0{subject}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def raise_alert(session: Session, trigger: Trigger) -> tuple[int, bool]:
    """The alert `trigger` opens, or the open one it repeats; (id, whether it is new).

    An unacknowledged alert of the same rule and subject raised within the trigger's window
    absorbs it: one more event, a later last entry. Call in a write transaction.
    """
    _lock_subject(session, trigger.rule, trigger.subject)
    repeated = session.scalars(
        select(Alert)
        .where(
            Alert.rule == trigger.rule,
            Alert.subject == trigger.subject,
            Alert.acknowledged_at.is_(None),
            Alert.raised_at >= trigger.occurred_at - trigger.window,
        )
        .order_by(Alert.id.desc())
        .limit(1)
    ).one_or_none()
    if repeated is not None:
        repeated.count += 1
        repeated.last_sequence = max(repeated.last_sequence, trigger.last_sequence)
        repeated.last_seen_at = max(repeated.last_seen_at, trigger.occurred_at)
        session.flush()
        return repeated.id, False
    alert = Alert(
        rule=trigger.rule,
        severity=trigger.severity.value,
        subject=trigger.subject,
        first_sequence=trigger.first_sequence,
        last_sequence=trigger.last_sequence,
        count=trigger.count,
        raised_at=trigger.occurred_at,
        last_seen_at=trigger.occurred_at,
        delivery_status=DeliveryStatus.PENDING.value,
        delivery_attempts=0,
    )
    session.add(alert)
    session.flush()
    return alert.id, True


def get_alert(session: Session, alert_id: int) -> Alert | None:
    """The alert with this id, if any."""
    return session.get(Alert, alert_id)


def list_alerts(session: Session, *, open_only: bool, limit: int) -> Sequence[Alert]:
    """Up to `limit` alerts, newest first; only unacknowledged ones if `open_only`."""
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if open_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    return session.scalars(query).all()


def acknowledge(session: Session, alert: Alert, by: str, at: datetime) -> None:
    """Mark `alert` acknowledged by `by` (a user's UUID, or `cli`) at `at`."""
    alert.acknowledged_at, alert.acknowledged_by = at, by
    session.flush()


def deliverable_ids(session: Session, stale_before: datetime, limit: int) -> list[int]:
    """Open alerts whose e-mail waits, failed, or was being sent before `stale_before` (a crash)."""
    stale = (Alert.delivery_status == DeliveryStatus.SENDING.value) & (
        Alert.last_attempt_at < stale_before
    )
    rows = session.scalars(
        select(Alert.id)
        .where(
            Alert.acknowledged_at.is_(None),
            Alert.delivery_status.in_(_RETRYABLE) | stale,
        )
        .order_by(Alert.id)
        .limit(limit)
    )
    return list(rows)


def claim_delivery(
    session: Session, alert_id: int, now: datetime, stale_before: datetime
) -> Alert | None:
    """Take the alert's e-mail to send it (one sender at a time); None if someone else has it.

    A conditional UPDATE: of two servers claiming at once, the second matches no row.
    """
    claimable = Alert.delivery_status.in_(_RETRYABLE) | (
        (Alert.delivery_status == DeliveryStatus.SENDING.value)
        & (Alert.last_attempt_at < stale_before)
    )
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, claimable)
        .values(
            delivery_status=DeliveryStatus.SENDING.value,
            delivery_attempts=Alert.delivery_attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    session.expire_all()
    return session.get(Alert, alert_id)


def finish_delivery(
    session: Session, alert_id: int, status: DeliveryStatus, error: str | None, at: datetime
) -> None:
    """Record how the claimed attempt ended: sent (at `at`), or failed with an error class."""
    values: dict[str, object] = {"delivery_status": status.value, "delivery_error": error}
    if status is DeliveryStatus.SENT:
        values["delivered_at"] = at
    session.execute(
        update(Alert)
        .where(Alert.id == alert_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
