"""AlertService on SQLite and PostgreSQL: who may read and acknowledge, and e-mail delivery to a
real SMTP server on loopback: sent once on raising, kept as failed, retried by deliver_pending."""

from __future__ import annotations

import dataclasses
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from wisp_testdb import Database

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smtp_testserver import HOST, free_port, smtp

from wisp.audit.alert_models import DeliveryStatus
from wisp.audit.alert_service import AlertService
from wisp.audit.alerts import default_rules
from wisp.audit.events import Action, AuditEvent, Masked, Outcome, SystemActor, Target
from wisp.audit.keys import AuditKeys
from wisp.audit.mailer import Mailer, Security, SmtpConfig
from wisp.audit.service import AuditLog
from wisp.config import Settings
from wisp.errors import ConfigError, Conflict, NotFound, PermissionDenied
from wisp.identity.roles import BUILTIN_ROLES, Principal

USER = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
REVIEWER = "2a2b2c2d-0000-4000-8000-000000000001"
WORKDAY = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
RECIPIENTS = ("security@example.com",)


class Clock:
    def __init__(self) -> None:
        self.now = WORKDAY

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def now() -> Clock:
    return Clock()


@pytest.fixture
def log(database: Database, keys: AuditKeys, now: Clock, tmp_path: Path) -> AuditLog:
    return AuditLog(database.sessions, keys, tmp_path / "checkpoints", clock=now)


@pytest.fixture
def port() -> int:
    return free_port()


ServiceFactory = Callable[..., AlertService]


@pytest.fixture
def make_service(
    database: Database, log: AuditLog, now: Clock, tmp_path: Path, port: int
) -> ServiceFactory:
    def make(mail: bool = True) -> AlertService:
        config = SmtpConfig(HOST, port, Security.NONE, "wisp@example.com", RECIPIENTS, timeout=5)
        service = AlertService(
            database.sessions,
            default_rules(Settings(home=tmp_path, timezone="America/New_York")),
            mailer=Mailer(config) if mail else None,
            zone=ZoneInfo("America/New_York"),
            clock=now,
        )
        log.add_listener(service.engine)
        return service

    return make


def canary(log: AuditLog) -> int:
    details = {"canary": True, "fields": [Masked("***-**-6789")]}
    return log.record(
        AuditEvent(Action.REVEAL, Outcome.SUCCESS, USER, Target("vault_record", 3), details=details)
    )


def principal(role: str) -> Principal:
    return Principal(REVIEWER, (BUILTIN_ROLES[role],))


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        (SystemActor.CLI, True),
        (principal("auditor"), True),
        (principal("officer"), True),
        (principal("admin"), True),
        (principal("clerk"), False),
        (Principal(REVIEWER), False),
        (SystemActor.SYSTEM, False),
    ],
    ids=["cli", "auditor", "officer", "admin", "clerk", "no-role", "system"],
)
def test_who_may_read_and_acknowledge(
    make_service: ServiceFactory, log: AuditLog, reader: Principal | SystemActor, allowed: bool
) -> None:
    service = make_service(mail=False)
    canary(log)
    alert_id = service.list_alerts(SystemActor.CLI)[0].id
    calls = [
        lambda: service.list_alerts(reader),
        lambda: service.get_alert(reader, alert_id),
        lambda: service.acknowledge(reader, alert_id),
    ]

    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied, match="alerts:read"):
                call()


def test_acknowledge(make_service: ServiceFactory, log: AuditLog, now: Clock) -> None:
    service = make_service(mail=False)
    canary(log)
    (alert,) = service.list_alerts(SystemActor.CLI)

    done = service.acknowledge(principal("auditor"), alert.id)

    assert done.acknowledged_by == REVIEWER
    assert done.acknowledged_at is not None
    assert WORKDAY < done.acknowledged_at <= now.now
    assert not done.is_open
    assert service.list_alerts(SystemActor.CLI) == []
    assert service.list_alerts(SystemActor.CLI, open_only=False) == [done]
    with pytest.raises(Conflict, match=f"alert {alert.id} was acknowledged already"):
        service.acknowledge(SystemActor.CLI, alert.id)
    with pytest.raises(NotFound, match="no alert 999"):
        service.acknowledge(SystemActor.CLI, 999)
    with pytest.raises(NotFound):
        service.get_alert(SystemActor.CLI, 999)
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.count = 5  # type: ignore[misc]


def test_a_new_alert_is_mailed_once_right_away(
    make_service: ServiceFactory, log: AuditLog, port: int
) -> None:
    with smtp(port) as (_, server):
        service = make_service()
        canary(log)
        canary(log)  # a repeat: the same alert, no second e-mail

    (mail,) = server.received
    (alert,) = service.list_alerts(SystemActor.CLI)
    body = mail.message.get_content()
    assert mail.recipients == list(RECIPIENTS)
    assert mail.message["Subject"] == (
        f"[wisp] CRITICAL alert #{alert.id}: A canary record was revealed or exported unmasked"
        " (insider tripwire)"
    )
    assert f"Subject:    user {USER}" in body
    assert "Events:     1 (audit entry 1)" in body
    assert "2025-03-04 15:00:00 UTC (2025-03-04 10:00:00 EST, America/New_York)" in body
    assert "6789" not in mail.message.as_string()
    assert (alert.delivery_status, alert.delivery_attempts, alert.count) == (
        DeliveryStatus.SENT,
        1,
        2,
    )


def test_a_failed_delivery_is_kept_and_retried(
    make_service: ServiceFactory, log: AuditLog, port: int
) -> None:
    service = make_service()
    sequence = canary(log)  # nobody listens on the port yet: the caller must not notice

    (alert,) = service.list_alerts(SystemActor.CLI)
    assert alert.last_sequence == sequence
    assert (alert.delivery_status, alert.delivery_attempts, alert.delivery_error) == (
        DeliveryStatus.FAILED,
        1,
        "ConnectionRefusedError",
    )

    with smtp(port) as (_, server):
        report = service.deliver_pending()
        again = service.deliver_pending()

    assert (report.sent, report.failed, again.sent) == (1, 0, 0)
    assert len(server.received) == 1
    (alert,) = service.list_alerts(SystemActor.CLI)
    assert (alert.delivery_status, alert.delivery_attempts, alert.delivery_error) == (
        DeliveryStatus.SENT,
        2,
        None,
    )


def test_deliver_pending_reports_failures_by_class(
    make_service: ServiceFactory, log: AuditLog
) -> None:
    service = make_service(mail=False)
    canary(log)
    service = make_service()  # e-mail configured since, the server still down

    report = service.deliver_pending()

    assert (report.sent, report.failed, report.errors) == (0, 1, ("ConnectionRefusedError",))


def test_deliver_pending_skips_acknowledged_and_claimed_alerts(
    make_service: ServiceFactory, log: AuditLog, database: Database, port: int, now: Clock
) -> None:
    service = make_service(mail=False)
    canary(log)
    log.record(AuditEvent(Action.LOCKOUT, Outcome.SUCCESS, USER))
    first, second = sorted(a.id for a in service.list_alerts(SystemActor.CLI))
    service.acknowledge(SystemActor.CLI, first)
    # Another server took the second one a moment ago, and is sending it now.
    database.execute(
        "UPDATE alert SET delivery_status = 'sending', last_attempt_at = :at WHERE id = :id",
        at=now.now.replace(tzinfo=None) if database.kind == "sqlite" else now.now,
        id=second,
    )
    mailing = make_service()

    with smtp(port) as (_, server):
        assert mailing.deliver_pending().sent == 0
        now.now += timedelta(minutes=10)  # that server died: its claim runs out
        assert mailing.deliver_pending().sent == 1

    (mail,) = server.received
    assert f"#{second}:" in mail.message["Subject"]


def test_without_smtp_alerts_are_kept_and_sending_is_refused(
    make_service: ServiceFactory, log: AuditLog
) -> None:
    service = make_service(mail=False)
    canary(log)

    (alert,) = service.list_alerts(SystemActor.CLI)
    assert (alert.delivery_status, alert.delivery_attempts) == (DeliveryStatus.PENDING, 0)
    with pytest.raises(ConfigError, match="WISP_SMTP_HOST"):
        service.deliver_pending()
