"""17.04(4), 17.03(2)(h),(j): the audit log and alerts over HTTP, and key rotation.

Entries and alerts hold ids, enums and counts only, so these answers carry no PI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from wisp.audit.alert_models import AlertView
from wisp.audit.events import Action
from wisp.audit.review import AuditReview, entry_document
from wisp.web.deps import Caller, Rt

__all__ = ["AlertOut", "KeyStatusOut", "RotateIn", "RotationOut", "VerifyOut", "router"]

router = APIRouter()


class AlertOut(BaseModel):
    """An alert raised by a rule over the audit log."""

    id: int
    rule: str
    title: str
    severity: str
    subject: str
    first_sequence: int
    last_sequence: int
    count: int
    raised_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    delivery_status: str

    @classmethod
    def of(cls, view: AlertView) -> AlertOut:
        """The view as the API shows it."""
        return cls(
            id=view.id,
            rule=view.rule,
            title=view.title,
            severity=str(view.severity),
            subject=view.subject,
            first_sequence=view.first_sequence,
            last_sequence=view.last_sequence,
            count=view.count,
            raised_at=view.raised_at,
            last_seen_at=view.last_seen_at,
            acknowledged_at=view.acknowledged_at,
            acknowledged_by=view.acknowledged_by,
            delivery_status=str(view.delivery_status),
        )


class VerifyOut(BaseModel):
    """A verification of the chain and its checkpoints; `findings` name sequence numbers."""

    ok: bool
    entries: int
    last_sequence: int
    checkpoints: int
    findings: list[str]


class RotateIn(BaseModel):
    """A key rotation: re-wrap every data key; `reseal` re-encrypts every field too."""

    reseal: bool = False


class RotationOut(BaseModel):
    """The new key version and how many records moved to it."""

    version: int
    rewrapped: int
    resealed: int


class KeyStatusOut(BaseModel):
    """The key versions and the records each one wraps."""

    provider: str
    current: int
    versions: list[int]
    records: dict[int, int]


@router.get("/alerts", tags=["alerts"])
def list_alerts(principal: Caller, rt: Rt, include_acknowledged: bool = False) -> list[AlertOut]:
    """Alerts, newest first; open ones only unless `include_acknowledged`."""
    views = rt.alerts.list_alerts(principal, open_only=not include_acknowledged)
    return [AlertOut.of(view) for view in views]


@router.post("/alerts/{alert_id}/acknowledge", tags=["alerts"])
def acknowledge(alert_id: int, principal: Caller, rt: Rt) -> AlertOut:
    """Mark an alert reviewed."""
    return AlertOut.of(rt.alerts.acknowledge(principal, alert_id))


@router.get("/audit", tags=["audit"])
def list_entries(
    principal: Caller,
    rt: Rt,
    since: datetime | None = None,
    action: Action | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Audit entries, oldest first from `since`, else the newest `limit`; with chain links."""
    review = AuditReview(rt.audit, rt.sessions)
    entries = review.entries(principal, since=since, action=action, limit=limit)
    return [entry_document(entry) for entry in entries]


@router.post("/audit/verify", tags=["audit"])
def verify(principal: Caller, rt: Rt) -> VerifyOut:
    """Verify the whole chain and its signed checkpoints now (recorded in the log)."""
    report = AuditReview(rt.audit, rt.sessions).verify(principal)
    return VerifyOut(
        ok=report.ok,
        entries=report.entries,
        last_sequence=report.last_sequence,
        checkpoints=report.checkpoints,
        findings=[finding.describe() for finding in report.findings],
    )


@router.get("/keys", tags=["keys"])
def key_status(principal: Caller, rt: Rt) -> KeyStatusOut:
    """Key versions, and how many records each wraps."""
    status = rt.vault.key_status(principal)
    return KeyStatusOut(
        provider=status.provider,
        current=status.current,
        versions=list(status.versions),
        records=dict(status.records),
    )


@router.post("/keys/rotate", tags=["keys"])
def rotate(body: RotateIn, principal: Caller, rt: Rt) -> RotationOut:
    """A new key version; every record's data key re-wrapped online (`keys:manage`)."""
    result = rt.vault.rotate_keys(principal, reseal=body.reseal)
    return RotationOut(version=result.version, rewrapped=result.rewrapped, resealed=result.resealed)
