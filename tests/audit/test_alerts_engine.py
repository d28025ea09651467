"""The alert engine on SQLite and PostgreSQL: counting windows, immediate rules, deduplication,
commits and rollbacks, several app servers, and the cost of entries no rule watches."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from wisp_testdb import Database

from wisp.audit.alert_models import AlertView, Severity
from wisp.audit.alert_service import AlertService
from wisp.audit.alerts import CanaryReveal, Rule, SessionCounter, default_rules
from wisp.audit.chain import StoredEntry
from wisp.audit.events import Action, AuditEvent, Masked, Outcome, SystemActor, Target
from wisp.audit.keys import AuditKeys
from wisp.audit.service import AuditLog
from wisp.config import Settings
from wisp.runtime import Runtime
from wisp.storage.session import transaction

USER = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
OTHER = uuid.UUID("1f1e1d1c-1b1a-1918-1716-151413121110")
SOURCE = "203.0.113.9"
WORKDAY = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in Boston
NIGHT = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)  # Tuesday 22:00 in Boston
PI = "***-**-6789"


class Reason(StrEnum):
    """The reasons identity records (an enum there too: the log accepts no free text)."""

    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"
    DISABLED = "disabled"


class Clock:
    """A clock that stands still but for a millisecond a read, and jumps when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def rules(tmp_path: Path) -> tuple[Rule, ...]:
    return default_rules(
        Settings(
            home=tmp_path,
            alert_failed_sign_ins=5,
            alert_failed_sign_ins_minutes=15,
            alert_reveals=20,
            alert_reveals_minutes=10,
            alert_export_records=100,
            alert_repeat_minutes=60,
            business_hours="07:00-19:00",
            business_days="mon-fri",
            timezone="America/New_York",
        )
    )


@pytest.fixture
def now() -> Clock:
    return Clock(WORKDAY)


@pytest.fixture
def log(database: Database, keys: AuditKeys, now: Clock, tmp_path: Path) -> AuditLog:
    return AuditLog(database.sessions, keys, tmp_path / "checkpoints", clock=now)


@pytest.fixture
def service(database: Database, log: AuditLog, now: Clock, tmp_path: Path) -> AlertService:
    alerts = AlertService(database.sessions, rules(tmp_path), clock=now)
    log.add_listener(alerts.engine)
    return alerts


def everything(service: AlertService) -> list[AlertView]:
    return service.list_alerts(SystemActor.CLI, open_only=False)


def failed(log: AuditLog, actor: uuid.UUID | None = USER, source: str = SOURCE) -> int:
    details = {"reason": Reason.UNKNOWN_USER if actor is None else Reason.WRONG_PASSWORD}
    return log.record(
        AuditEvent(Action.LOGIN_FAILED, Outcome.FAILURE, actor, source=source, details=details)
    )


def reveal(log: AuditLog, record: int = 1, *, canary: bool = False, **kw: Any) -> int:
    details = {"fields": [Masked(PI)], "canary": canary}
    event_ = AuditEvent(
        Action.REVEAL, Outcome.SUCCESS, USER, Target("vault_record", record), details=details
    )
    return log.record(event_, **kw)


def test_failed_sign_ins_for_one_account_raise_one_alert_at_the_threshold(
    service: AlertService, log: AuditLog
) -> None:
    for n in range(1, 5):
        failed(log, source=f"198.51.100.{n}")  # a different address each time
    assert everything(service) == []

    failed(log, source="198.51.100.5")
    (alert,) = everything(service)
    failed(log, source="198.51.100.6")
    (again,) = everything(service)

    assert (alert.rule, alert.severity, alert.subject) == (
        "failed_sign_ins_account",
        Severity.MEDIUM,
        str(USER),
    )
    assert (alert.count, alert.first_sequence, alert.last_sequence) == (5, 1, 5)
    assert (again.id, again.count, again.last_sequence) == (alert.id, 6, 6)
    assert again.last_seen_at > alert.raised_at


def test_failed_sign_ins_from_one_source_catch_unknown_names(
    service: AlertService, log: AuditLog
) -> None:
    for _ in range(5):
        failed(log, actor=None)

    (alert,) = everything(service)
    assert (alert.rule, alert.subject, alert.count) == ("failed_sign_ins_source", SOURCE, 5)


def test_failures_older_than_the_window_do_not_count(
    service: AlertService, log: AuditLog, now: Clock
) -> None:
    for _ in range(4):
        failed(log, actor=None)
    now.advance(minutes=15)
    for _ in range(4):
        failed(log, actor=None)
    assert everything(service) == []

    failed(log, actor=None)

    (alert,) = everything(service)
    assert (alert.count, alert.first_sequence, alert.last_sequence) == (5, 5, 9)


def test_more_than_twenty_reveals_in_ten_minutes(service: AlertService, log: AuditLog) -> None:
    for record in range(1, 21):
        reveal(log, record)
    assert everything(service) == []

    reveal(log, 21)

    (alert,) = everything(service)
    assert (alert.rule, alert.severity, alert.count) == ("bulk_reveal", Severity.HIGH, 21)
    assert (alert.first_sequence, alert.last_sequence) == (1, 21)


IMMEDIATE = [
    (AuditEvent(Action.LOCKOUT, Outcome.SUCCESS, USER), "account_locked", Severity.MEDIUM),
    (
        AuditEvent(Action.ACCESS_DENIED, Outcome.DENIED, USER, details={"reason": Reason.DISABLED}),
        "deactivated_account_used",
        Severity.HIGH,
    ),
    (
        AuditEvent(
            Action.REVEAL,
            Outcome.DENIED,
            USER,
            Target("vault_record", 9),
            details={"canary": True, "fields": [Masked(PI)]},
        ),
        "canary_reveal",
        Severity.CRITICAL,
    ),
    (
        AuditEvent(Action.EXPORT, Outcome.SUCCESS, USER, details={"count": 101}),
        "bulk_export",
        Severity.HIGH,
    ),
    (
        AuditEvent(Action.EXPORT, Outcome.SUCCESS, USER, details={"count": 3}),
        "unmasked_export",
        Severity.LOW,
    ),
    (
        AuditEvent(Action.AUDIT_VERIFIED, Outcome.FAILURE, SystemActor.CLI),
        "audit_verification_failed",
        Severity.CRITICAL,
    ),
]


@pytest.mark.parametrize(
    ("audited", "rule", "severity"), IMMEDIATE, ids=[r for _, r, _ in IMMEDIATE]
)
def test_immediate_rules_raise_on_one_entry(
    service: AlertService, log: AuditLog, audited: AuditEvent, rule: str, severity: Severity
) -> None:
    sequence = log.record(audited)

    (alert,) = everything(service)
    assert (alert.rule, alert.severity, alert.count) == (rule, severity, 1)
    assert alert.first_sequence == alert.last_sequence == sequence
    assert alert.subject == ("audit_log" if rule.startswith("audit") else str(USER))


@pytest.mark.parametrize(
    ("action", "rule"), [(Action.LOGIN, "off_hours_sign_in"), (Action.REVEAL, "off_hours_reveal")]
)
def test_activity_outside_business_hours(
    service: AlertService, log: AuditLog, now: Clock, action: Action, rule: str
) -> None:
    log.record(AuditEvent(action, Outcome.SUCCESS, USER, source=SOURCE))
    assert everything(service) == []

    now.now = NIGHT
    log.record(AuditEvent(action, Outcome.SUCCESS, USER, source=SOURCE))

    (alert,) = everything(service)
    assert (alert.rule, alert.subject) == (rule, str(USER))


def test_repeats_join_the_open_alert_until_its_window_ends_or_it_is_acknowledged(
    service: AlertService, log: AuditLog, now: Clock
) -> None:
    reveal(log, canary=True)
    reveal(log, canary=True)
    (first,) = everything(service)
    assert first.count == 2

    now.advance(minutes=61)
    reveal(log, canary=True)
    second = everything(service)[0]
    service.acknowledge(SystemActor.CLI, second.id)
    reveal(log, canary=True)

    assert [(a.count, a.is_open) for a in everything(service)] == [
        (1, True),
        (1, False),
        (2, True),
    ]


def test_an_alert_is_raised_only_once_the_change_commits(
    service: AlertService, log: AuditLog, database: Database
) -> None:
    def failing_change() -> None:
        with transaction(database.sessions, write=True) as session:
            reveal(log, canary=True, session=session)
            raise RuntimeError("the caller's change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert everything(service) == []

    with transaction(database.sessions, write=True) as session:
        sequence = reveal(log, canary=True, session=session)
        assert everything(service) == []  # not yet: the caller has not committed

    (alert,) = everything(service)
    assert (alert.rule, alert.last_sequence) == ("canary_reveal", sequence)


def test_app_servers_sharing_the_database_agree(
    database: Database, keys: AuditKeys, now: Clock, tmp_path: Path
) -> None:
    servers = []
    for name in ("a", "b"):
        server_log = AuditLog(database.sessions, keys, tmp_path / "checkpoints", clock=now)
        alerts = AlertService(database.sessions, rules(tmp_path / name), clock=now)
        server_log.add_listener(alerts.engine)
        servers.append((server_log, alerts))

    for n in range(6):
        failed(servers[n % 2][0], source=f"198.51.100.{n}")

    for _, alerts in servers:
        (alert,) = everything(alerts)
        assert (alert.count, alert.first_sequence, alert.last_sequence) == (6, 1, 6)


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(database.engine, "before_cursor_execute", count)
    yield seen
    event.remove(database.engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    "audited",
    [
        AuditEvent(Action.RECORD_CREATED, Outcome.SUCCESS, USER, Target("vault_record", 1)),
        AuditEvent(Action.LOGIN, Outcome.SUCCESS, USER, source=SOURCE),  # in business hours
        AuditEvent(Action.EXPORT, Outcome.SUCCESS, USER, details={"count": 5, "masked": True}),
    ],
    ids=lambda e: e.action.value,
)
def test_entries_no_rule_fires_on_cost_no_query(
    database: Database,
    log: AuditLog,
    now: Clock,
    tmp_path: Path,
    statements: list[str],
    audited: AuditEvent,
) -> None:
    log.record(audited)
    alone = len(statements)
    engine = AlertService(database.sessions, rules(tmp_path), clock=now).engine
    log.add_listener(engine)
    assert engine.watches(audited.action.value) is (audited.action is not Action.RECORD_CREATED)

    log.record(audited)

    assert len(statements) == 2 * alone
    failed(log)
    assert any("count(" in statement.lower() for statement in statements[2 * alone :])


ALLOWED = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a user's UUID
    r"|\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+"  # an address
    r"|[a-z_]+"  # a rule, a severity, a status, cli, audit_log
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?"  # a time, as SQLite gives it back
)


def test_alert_rows_hold_no_personal_information(
    service: AlertService, log: AuditLog, database: Database, now: Clock
) -> None:
    for _ in range(21):
        reveal(log, canary=True)
    now.now = NIGHT
    reveal(log)
    for _ in range(5):
        failed(log)
    log.record(AuditEvent(Action.EXPORT, Outcome.SUCCESS, USER, details={"count": 500}))

    rows = database.execute("SELECT * FROM alert")

    assert len(rows) == 6
    texts = [value for row in rows for value in row if isinstance(value, str)]
    assert texts
    assert all(ALLOWED.fullmatch(text) for text in texts), texts
    assert "6789" not in repr(rows)


class Broken(Rule):
    NAME = "broken"
    TITLE = "A rule that fails"
    SEVERITY = Severity.LOW
    ACTIONS = frozenset({Action.REVEAL})

    def evaluate(self, entry: StoredEntry, counter: SessionCounter) -> None:
        raise ValueError(f"cannot handle {PI} of John Smith")


def test_a_failing_rule_does_not_silence_the_others(
    database: Database, log: AuditLog, now: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    alerts = AlertService(
        database.sessions, [Broken(timedelta(hours=1)), CanaryReveal(timedelta(hours=1))], clock=now
    )
    log.add_listener(alerts.engine)

    with caplog.at_level(logging.WARNING):
        sequence = reveal(log, canary=True)

    assert [a.rule for a in everything(alerts)] == ["canary_reveal"]
    assert f"alert rule broken failed on audit entry {sequence} (ValueError)" in caplog.text
    assert "John" not in caplog.text
    assert "6789" not in caplog.text


@pytest.mark.parametrize("inside", [False, True], ids=["alone", "in-session"])
def test_a_failing_listener_neither_loses_the_entry_nor_breaks_the_caller(
    log: AuditLog, database: Database, caplog: pytest.LogCaptureFixture, inside: bool
) -> None:
    heard: list[int] = []

    def broken(entry: StoredEntry) -> None:
        raise RuntimeError(f"mail for John Smith {PI}")

    log.add_listener(broken)
    log.add_listener(lambda entry: heard.append(entry.sequence))
    with caplog.at_level(logging.WARNING):
        if inside:
            with transaction(database.sessions, write=True) as session:
                sequence = reveal(log, session=session)
        else:
            sequence = reveal(log)

    assert heard == [sequence]
    assert log.verify().ok
    assert database.execute("SELECT count(*) FROM audit_entry") == [(1,)]
    (record,) = caplog.records
    assert record.getMessage() == (
        f"audit listener test_a_failing_listener_neither_loses_the_entry_nor_breaks_the_caller."
        f"<locals>.broken failed on entry {sequence} (RuntimeError)"
    )


def test_the_runtime_wires_the_rules_to_the_log(database: Database) -> None:
    # Working time all week, so that no off-hours alert joins in whenever this runs.
    always = {"business_hours": "00:00-24:00", "business_days": "mon-sun"}
    with Runtime.open(database.settings.model_copy(update=always)) as runtime:
        assert runtime.alerts is runtime.alerts  # built once
        reveal(runtime.audit, canary=True)

        (alert,) = runtime.alerts.list_alerts(SystemActor.CLI)

    assert alert.rule == "canary_reveal"
