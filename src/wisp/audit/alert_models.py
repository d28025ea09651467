"""17.04(4): the alerts table: what the rules over the audit log raised, and its delivery.

A row names a rule, a subject (a user's UUID or a source IP address, never PI), the audit
entries it covers by sequence number, and how its e-mail fared: the error's class, never a body.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from wisp.storage.models import Base

__all__ = ["Alert", "AlertView", "DeliveryStatus", "Severity", "Trigger"]


class Severity(enum.StrEnum):
    """How urgently someone should look."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class DeliveryStatus(enum.StrEnum):
    """Where the alert's e-mail is: waiting, being handed over, handed over, or refused."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Trigger:
    """A rule fired on an audit entry: what to raise, or to add to the open alert it repeats."""

    rule: str
    severity: Severity
    subject: str
    first_sequence: int
    last_sequence: int
    count: int
    occurred_at: datetime
    #: An open alert of the same rule and subject raised within this long absorbs the trigger.
    window: timedelta


class Alert(Base):
    """One alert: a rule that fired, on one subject, over a run of audit entries."""

    __tablename__ = "alert"
    # Deduplication looks up the open alert of one (rule, subject).
    __table_args__ = (Index("ix_alert_rule_subject", "rule", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    first_sequence: Mapped[int] = mapped_column(BigInteger)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int]
    raised_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    delivery_status: Mapped[str] = mapped_column(String(16), index=True)
    delivery_attempts: Mapped[int]
    delivery_error: Mapped[str | None] = mapped_column(String(64))
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as callers see it (the CLI, the web app); `title` is its rule's one line."""

    id: int
    rule: str
    title: str
    severity: Severity
    subject: str
    first_sequence: int
    last_sequence: int
    count: int
    raised_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    delivery_status: DeliveryStatus
    delivery_attempts: int
    delivery_error: str | None

    @property
    def is_open(self) -> bool:
        """Whether nobody has acknowledged it yet."""
        return self.acknowledged_at is None
