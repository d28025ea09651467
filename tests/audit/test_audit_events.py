"""What the audit log accepts: ids, enums, counts, masked values and digests; never free text."""

from __future__ import annotations

import enum
import ipaddress
import uuid
from datetime import UTC, datetime

import pytest

from wisp.audit.events import (
    MAX_DETAILS,
    Action,
    AuditEvent,
    Digest,
    Masked,
    Outcome,
    SystemActor,
    Target,
    normalize_details,
)
from wisp.errors import UnsafeAuditField

USER = uuid.UUID("12345678-1234-5678-1234-567812345678")


class Reason(enum.StrEnum):
    CUSTOMER_REQUEST = "customer_request"


ACCEPTED = [
    ({"reason": Reason.CUSTOMER_REQUEST}, {"reason": "customer_request"}),
    (
        {"records": 12, "complete": True, "note": None},
        {"records": 12, "complete": True, "note": None},
    ),
    ({"record": USER}, {"record": str(USER)}),
    ({"ssn": Masked("***-**-6789")}, {"ssn": "***-**-6789"}),
    ({"card": Masked("**** **** **** 1111")}, {"card": "**** **** **** 1111"}),
    ({"fingerprint": Digest("7a28f6e0c1c5a4cf")}, {"fingerprint": "7a28f6e0c1c5a4cf"}),
    ({"until": datetime(2025, 1, 1, tzinfo=UTC)}, {"until": "2025-01-01T00:00:00.000000Z"}),
    ({"granted": [Action.REVEAL, Action.EXPORT]}, {"granted": ["vault.reveal", "data.export"]}),
]
REFUSED = [
    ({"name": "Jane Doe"}, "is a str"),
    ({"reason": "called about her SSN 123-45-6789"}, "is a str"),
    ({"amount": 12.5}, "is a float"),
    ({"blob": b"123-45-6789"}, "is a bytes"),
    ({"nested": {"ssn": 1}}, "is a dict"),
    ({"names": ["Jane"]}, "is a str"),
    ({"until": datetime(2025, 1, 1)}, "timezone-aware"),
    ({"Bad Key": 1}, "detail name"),
    ({"many": list(range(65))}, "more than 64"),
    ({f"k{i}": i for i in range(MAX_DETAILS + 1)}, f"at most {MAX_DETAILS}"),
]


@pytest.mark.parametrize(("details", "stored"), ACCEPTED)
def test_allowed_details_are_stored_as_plain_json(
    details: dict[str, object], stored: object
) -> None:
    assert normalize_details(details) == stored


@pytest.mark.parametrize(("details", "reason"), REFUSED)
def test_anything_that_could_carry_pi_is_refused(details: dict[str, object], reason: str) -> None:
    with pytest.raises(UnsafeAuditField, match=reason):
        normalize_details(details)


@pytest.mark.parametrize("text", ["***-**-6789", "****1111", "•••• 4242", "Jo***"])
def test_masked_values_show_at_most_four_characters(text: str) -> None:
    assert Masked(text) == text


@pytest.mark.parametrize("text", ["123-45-6789", "Jane Doe", "1234", "12345***", "", "*" * 65])
def test_unmasked_values_are_refused(text: str) -> None:
    with pytest.raises(UnsafeAuditField, match="masked"):
        Masked(text)


@pytest.mark.parametrize("text", ["Jane", "ABCDEF0123456789", "abc", "g" * 16])
def test_digests_are_lowercase_hex(text: str) -> None:
    with pytest.raises(UnsafeAuditField, match="hex"):
        Digest(text)


def test_event_columns_hold_ids_and_enums_only() -> None:
    event = AuditEvent(
        Action.REVEAL,
        Outcome.SUCCESS,
        actor=USER,
        target=Target("vault_record", 42),
        source=ipaddress.ip_address("2001:db8:0:0::1"),
        details={"reason": Reason.CUSTOMER_REQUEST},
    )

    assert event.columns() == {
        "actor": str(USER),
        "action": "vault.reveal",
        "target_type": "vault_record",
        "target_id": "42",
        "source": "2001:db8::1",
        "outcome": "success",
        "details": {"reason": "customer_request"},
    }


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: AuditEvent(Action.LOGIN_FAILED, Outcome.FAILURE, actor="jane.doe"), "actor"),  # type: ignore[arg-type]
        (lambda: AuditEvent(Action.LOGIN, Outcome.SUCCESS, actor=True), "actor"),
        (lambda: AuditEvent("auth.login", Outcome.SUCCESS), "action"),  # type: ignore[arg-type]
        (lambda: AuditEvent(Action.LOGIN, "ok"), "outcome"),  # type: ignore[arg-type]
        (lambda: AuditEvent(Action.LOGIN, Outcome.SUCCESS, source="jane's laptop"), "IP address"),
        (lambda: Target("customer 123-45-6789", 1), "target kind"),
        (lambda: Target("customer", "Jane Doe"), "target id"),  # type: ignore[arg-type]
    ],
)
def test_events_refuse_names_and_free_text(build: object, reason: str) -> None:
    with pytest.raises(UnsafeAuditField, match=reason):
        build()  # type: ignore[operator]


def test_system_actors_and_anonymous_failures_are_allowed() -> None:
    cli = AuditEvent(Action.KEY_ROTATED, Outcome.SUCCESS, actor=SystemActor.CLI)
    anonymous = AuditEvent(Action.LOGIN_FAILED, Outcome.FAILURE, source="192.0.2.7")

    assert cli.columns()["actor"] == "cli"
    assert anonymous.columns()["actor"] is None
    assert anonymous.columns()["source"] == "192.0.2.7"
