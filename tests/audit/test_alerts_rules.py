"""The alert rules on their own: which entries each fires on, business hours, their settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from wisp.audit.alert_models import Severity
from wisp.audit.alerts import (
    AccountLocked,
    AuditVerificationFailed,
    BulkExport,
    BulkReveal,
    BusinessHours,
    CanaryReveal,
    DeactivatedAccountUsed,
    FailedSignInsForAccount,
    FailedSignInsFromSource,
    OffHoursReveal,
    OffHoursSignIn,
    Rule,
    SessionCounter,
    UnmaskedExport,
    default_rules,
    parse_days,
    parse_hours,
    parse_zone,
)
from wisp.audit.chain import StoredEntry
from wisp.audit.events import Action, Outcome
from wisp.config import Settings

USER = str(uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100"))
SOURCE = "198.51.100.7"
REPEAT = timedelta(hours=1)
HOURS = BusinessHours.parse("07:00-19:00", "mon-fri", "America/New_York")
# Tuesday 2025-03-04 at 10:00 in Boston is 15:00 UTC (EST, UTC-5).
WORKDAY = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
NIGHT = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)  # Tuesday 22:00 in Boston


def entry(
    action: Action,
    outcome: Outcome = Outcome.SUCCESS,
    *,
    actor: str | None = USER,
    source: str | None = SOURCE,
    at: datetime = WORKDAY,
    **details: Any,
) -> StoredEntry:
    return StoredEntry(
        sequence=7,
        occurred_at=at,
        actor=actor,
        action=action.value,
        target_type=None,
        target_id=None,
        source=source,
        outcome=outcome.value,
        details=details,
        prev_hash="0" * 64,
        mac="1" * 64,
    )


def _no_counting() -> Any:
    raise AssertionError("an immediate rule must not count")


IMMEDIATE: list[tuple[Rule, StoredEntry, bool]] = [
    (AccountLocked(REPEAT), entry(Action.LOCKOUT), True),
    (
        DeactivatedAccountUsed(REPEAT),
        entry(Action.ACCESS_DENIED, Outcome.DENIED, reason="disabled"),
        True,
    ),
    (
        DeactivatedAccountUsed(REPEAT),
        entry(Action.LOGIN_FAILED, Outcome.FAILURE, reason="disabled"),
        True,
    ),
    (
        DeactivatedAccountUsed(REPEAT),
        entry(Action.LOGIN_FAILED, Outcome.FAILURE, reason="wrong_password"),
        False,
    ),
    (DeactivatedAccountUsed(REPEAT), entry(Action.ACCESS_DENIED, Outcome.DENIED), False),
    (CanaryReveal(REPEAT), entry(Action.REVEAL, canary=True), True),
    (CanaryReveal(REPEAT), entry(Action.REVEAL, Outcome.DENIED, canary=True), True),
    (CanaryReveal(REPEAT), entry(Action.REVEAL, canary=False), False),
    (CanaryReveal(REPEAT), entry(Action.REVEAL), False),
    (CanaryReveal(REPEAT), entry(Action.EXPORT, count=3, fields=[4], canary=True), True),
    (CanaryReveal(REPEAT), entry(Action.EXPORT, count=3, fields=[], canary=False), False),
    (BulkExport(100, REPEAT), entry(Action.EXPORT, count=101), True),
    (BulkExport(100, REPEAT), entry(Action.EXPORT, count=101, masked=True), True),
    (BulkExport(100, REPEAT), entry(Action.EXPORT, count=100), False),
    (BulkExport(100, REPEAT), entry(Action.EXPORT, Outcome.DENIED, count=500), False),
    (BulkExport(100, REPEAT), entry(Action.EXPORT, Outcome.ERROR, count=500), True),
    (BulkExport(100, REPEAT), entry(Action.EXPORT), True),  # no count: fail closed
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, count=3), True),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, count=3, masked=False), True),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, count=3, masked=True), False),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, count=3, fields=[]), False),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, count=3, fields=[4, 5]), True),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, Outcome.ERROR, count=3), True),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, Outcome.DENIED, count=3), False),
    (UnmaskedExport(100, REPEAT), entry(Action.EXPORT, count=101), False),  # bulk's own
    (OffHoursSignIn(HOURS, REPEAT), entry(Action.LOGIN, at=NIGHT), True),
    (OffHoursSignIn(HOURS, REPEAT), entry(Action.LOGIN, at=WORKDAY), False),
    (OffHoursSignIn(HOURS, REPEAT), entry(Action.LOGIN, Outcome.FAILURE, at=NIGHT), False),
    (OffHoursReveal(HOURS, REPEAT), entry(Action.REVEAL, at=NIGHT), True),
    (OffHoursReveal(HOURS, REPEAT), entry(Action.REVEAL, at=WORKDAY), False),
    (
        AuditVerificationFailed(REPEAT),
        entry(Action.AUDIT_VERIFIED, Outcome.FAILURE, actor="cli"),
        True,
    ),
    (AuditVerificationFailed(REPEAT), entry(Action.AUDIT_VERIFIED, actor="cli"), False),
]


@pytest.mark.parametrize(
    ("rule", "audited", "fires"),
    IMMEDIATE,
    ids=[f"{r.NAME}-{e.action}-{e.outcome}-{f}" for r, e, f in IMMEDIATE],
)
def test_immediate_rules(rule: Rule, audited: StoredEntry, fires: bool) -> None:
    assert audited.action in {a.value for a in rule.ACTIONS}

    trigger = rule.evaluate(audited, SessionCounter(_no_counting))

    assert (trigger is not None) is fires
    if trigger is not None:
        assert (trigger.rule, trigger.severity) == (rule.NAME, rule.SEVERITY)
        assert (trigger.first_sequence, trigger.last_sequence, trigger.count) == (7, 7, 1)
        assert trigger.occurred_at == audited.occurred_at
        assert trigger.window == REPEAT


@pytest.mark.parametrize(
    ("rule", "audited", "subject"),
    [
        (AccountLocked(REPEAT), entry(Action.LOCKOUT), USER),
        (AccountLocked(REPEAT), entry(Action.LOCKOUT, actor=None), SOURCE),
        (AccountLocked(REPEAT), entry(Action.LOCKOUT, actor=None, source=None), "unknown"),
        (FailedSignInsForAccount(5, 15), entry(Action.LOGIN_FAILED), USER),
        (FailedSignInsForAccount(5, 15), entry(Action.LOGIN_FAILED, actor=None), None),
        (FailedSignInsFromSource(5, 15), entry(Action.LOGIN_FAILED, actor=None), SOURCE),
        (FailedSignInsFromSource(5, 15), entry(Action.LOGIN_FAILED, source=None), None),
        (BulkReveal(20, 10), entry(Action.REVEAL), USER),
        (AuditVerificationFailed(REPEAT), entry(Action.AUDIT_VERIFIED), "audit_log"),
    ],
)
def test_the_subject_is_an_id_or_an_address(
    rule: Rule, audited: StoredEntry, subject: str | None
) -> None:
    assert rule.subject(audited) == subject


def test_severities_put_the_tripwires_first() -> None:
    assert CanaryReveal.SEVERITY is Severity.CRITICAL
    assert AuditVerificationFailed.SEVERITY is Severity.CRITICAL
    assert DeactivatedAccountUsed.SEVERITY is Severity.HIGH
    assert BulkExport.SEVERITY is Severity.HIGH
    assert UnmaskedExport.SEVERITY is Severity.LOW


@pytest.mark.parametrize(
    ("instant", "inside"),
    [
        (datetime(2025, 3, 4, 12, 0, tzinfo=UTC), True),  # Tue 07:00 EST: opening minute
        (datetime(2025, 3, 4, 11, 59, tzinfo=UTC), False),  # Tue 06:59 EST
        (datetime(2025, 3, 4, 23, 59, tzinfo=UTC), True),  # Tue 18:59 EST
        (datetime(2025, 3, 5, 0, 0, tzinfo=UTC), False),  # Tue 19:00 EST: closed
        (datetime(2025, 3, 8, 15, 0, tzinfo=UTC), False),  # Saturday 10:00
        (datetime(2025, 3, 10, 11, 30, tzinfo=UTC), True),  # Mon 07:30 EDT (after DST began)
        (datetime(2025, 3, 7, 11, 30, tzinfo=UTC), False),  # Fri 06:30 EST (before DST)
    ],
)
def test_business_hours_follow_the_local_clock(instant: datetime, inside: bool) -> None:
    assert HOURS.contains(instant) is inside


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        (datetime(2025, 3, 7, 23, 0), True),  # Friday night shift
        (datetime(2025, 3, 8, 5, 59), True),  # its early morning, on Saturday
        (datetime(2025, 3, 8, 6, 0), False),
        (datetime(2025, 3, 8, 23, 0), False),  # Saturday night: no shift
        (datetime(2025, 3, 10, 3, 0), False),  # Monday morning belongs to Sunday: off
        (datetime(2025, 3, 10, 12, 0), False),
    ],
)
def test_overnight_hours_belong_to_the_day_they_start(local: datetime, inside: bool) -> None:
    night = BusinessHours.parse("22:00-06:00", "mon-fri", "UTC")

    assert night.contains(local.replace(tzinfo=UTC)) is inside


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("07:00-19:00", (420, 1140)),
        ("7:30-17:45", (450, 1065)),
        ("00:00-24:00", (0, 1440)),
        ("22:00-06:00", (1320, 360)),
    ],
)
def test_parse_hours(text: str, minutes: tuple[int, int]) -> None:
    assert parse_hours(text) == minutes


@pytest.mark.parametrize("text", ["", "9-5", "07:00", "07:00-07:00", "25:00-26:00", "07:60-08:00"])
def test_parse_hours_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM|times of day"):
        parse_hours(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon-Sat", {0, 1, 2, 3, 4, 5}),
        ("sun-thu", {6, 0, 1, 2, 3}),
        ("mon,wed, fri", {0, 2, 4}),
        ("mon-sun", set(range(7))),
        ("sat", {5}),
    ],
)
def test_parse_days(text: str, days: set[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "weekdays", "mon-", "monday", "mon;fri"])
def test_parse_days_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="days such as"):
        parse_days(text)


def test_parse_zone() -> None:
    assert parse_zone("Europe/Paris").key == "Europe/Paris"
    with pytest.raises(ValueError, match="IANA"):
        parse_zone("Mars/Olympus_Mons")


def test_default_rules_take_their_thresholds_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        alert_failed_sign_ins=7,
        alert_failed_sign_ins_minutes=30,
        alert_reveals=50,
        alert_reveals_minutes=5,
        alert_export_records=1000,
        alert_repeat_minutes=90,
        business_hours="08:00-18:00",
        business_days="mon-sat",
        timezone="America/Chicago",
    )

    rules = {rule.NAME: rule for rule in default_rules(settings)}

    assert len(rules) == len(default_rules(settings)) == 11
    assert rules["failed_sign_ins_account"].describe() == (
        "Repeated failed sign-ins for one account: 7 or more within 30 minutes."
    )
    assert rules["bulk_reveal"].describe() == (
        "Many reveals of personal information by one user: more than 50 within 5 minutes."
    )
    assert "more than 1000 records" in rules["bulk_export"].describe()
    assert (
        rules["off_hours_reveal"]
        .describe()
        .endswith("outside 08:00-18:00 on mon,tue,wed,thu,fri,sat, America/Chicago.")
    )
    assert rules["canary_reveal"].window == timedelta(minutes=90)
    assert rules["failed_sign_ins_source"].window == timedelta(minutes=30)
