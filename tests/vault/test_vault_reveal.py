"""Reveals: per-field permission, a listed reason, and an audit entry naming both; canaries look
like any record to the caller and raise the flag in the audit log."""

from __future__ import annotations

import uuid

import pytest
from servicedata import ALICE, BOB, CLI, audit_rows, make_employees, principal, role
from wisp_testdb import Database

from wisp.errors import InvalidInput, NotFound, PermissionDenied
from wisp.identity.roles import ANY, Permission
from wisp.vault.service import VaultService

SSN_REVEALER = role(
    "ssn-revealer",
    (Permission.RECORDS_READ, frozenset({ANY})),
    (Permission.RECORDS_REVEAL, frozenset({"ssn"})),
)


def _ids(vault: VaultService) -> dict[str, str]:
    view = vault.get_collection(CLI, "employees")
    return {
        "collection": str(view.id),
        **{f.name: str(f.id) for f in view.fields},
        **{r.label: str(r.id) for r in view.reasons},
    }


def test_a_reveal_is_audited_with_fields_reason_and_source(
    vault: VaultService, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    officer = principal("officer")

    shown = vault.reveal(officer, "employees", alice.id, ["ssn", "card"], "tax filing", "10.0.0.7")

    assert dict(shown.values) == {"ssn": ALICE["ssn"], "card": ALICE["card"]}
    (entry,) = audit_rows(database, "vault.reveal")
    ids = _ids(vault)
    assert (entry.actor, entry.target_id, entry.outcome) == (
        officer.user_id,
        str(alice.id),
        "success",
    )
    assert entry.details == {
        "collection": ids["collection"],
        "fields": [ids["ssn"], ids["card"]],
        "reason": ids["Tax filing"],
        "canary": False,
    }
    source = database.execute("SELECT source FROM audit_entry WHERE action = 'vault.reveal'")
    assert source == [("10.0.0.7",)]


def test_a_reason_may_be_given_by_its_id(vault: VaultService) -> None:
    (alice,) = make_employees(vault, ALICE)
    payroll = _ids(vault)["Payroll"]

    assert vault.reveal(CLI, "employees", alice.id, ["ssn"], uuid.UUID(payroll)).values == {
        "ssn": ALICE["ssn"]
    }


def test_reveal_is_allowed_field_by_field(vault: VaultService, database: Database) -> None:
    (alice,) = make_employees(vault, ALICE)
    user = principal(SSN_REVEALER)

    assert vault.reveal(user, "employees", alice.id, ["ssn"], "Payroll").values == {
        "ssn": ALICE["ssn"]
    }
    with pytest.raises(PermissionDenied, match=r"records:reveal on employees\.account"):
        vault.reveal(user, "employees", alice.id, ["ssn", "account"], "Payroll")
    with pytest.raises(PermissionDenied):
        vault.reveal(principal("clerk"), "employees", alice.id, ["ssn"], "Payroll")

    ok, partly, clerk = audit_rows(database, "vault.reveal")
    assert (ok.outcome, partly.outcome, clerk.outcome) == ("success", "denied", "denied")
    assert partly.details["fields"] == [_ids(vault)["account"]]
    assert partly.details["permission"] == "records:reveal"


@pytest.mark.parametrize("reason", ["Curiosity", "", "payroll!", "Payroll " * 20])
def test_a_reveal_needs_one_of_the_listed_reasons(
    vault: VaultService, database: Database, reason: str
) -> None:
    (alice,) = make_employees(vault, ALICE)

    with pytest.raises(InvalidInput, match="listed reasons") as caught:
        vault.reveal(CLI, "employees", alice.id, ["ssn"], reason)

    assert reason.strip() == "" or reason.strip() not in str(caught.value)
    (entry,) = audit_rows(database, "vault.reveal")
    assert entry.outcome == "failure"
    assert "reason" not in entry.details


def test_a_retired_reason_no_longer_opens_anything(vault: VaultService) -> None:
    (alice,) = make_employees(vault, ALICE)
    vault.remove_reason(CLI, "employees", "Payroll")

    with pytest.raises(InvalidInput, match="listed reasons"):
        vault.reveal(CLI, "employees", alice.id, ["ssn"], "Payroll")


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ([], InvalidInput, "name the fields"),
        ("ssn", InvalidInput, "name the fields"),
        (["salary"], InvalidInput, "no field 'salary'"),
    ],
)
def test_a_reveal_names_real_fields(
    vault: VaultService, fields: list[str], error: type[Exception], message: str
) -> None:
    (alice,) = make_employees(vault, ALICE)

    with pytest.raises(error, match=message):
        vault.reveal(CLI, "employees", alice.id, fields, "Payroll")


def test_revealing_a_missing_record_is_not_found(vault: VaultService) -> None:
    make_employees(vault, ALICE)

    with pytest.raises(NotFound):
        vault.reveal(CLI, "employees", uuid.uuid4(), ["ssn"], "Payroll")


def test_canaries_look_like_records_and_their_reveal_raises_the_flag(
    vault: VaultService, database: Database
) -> None:
    alice, _bob = make_employees(vault, ALICE, BOB)
    assert vault.add_canaries(CLI, "employees", 5) == 5
    canaries = {row[0] for row in database.execute("SELECT id FROM vault_record WHERE canary")}
    canary = uuid.UUID(str(next(iter(canaries))))
    officer = principal("officer")

    listed = vault.list_records(officer, "employees").records
    decoy = vault.reveal(officer, "employees", canary, ["first", "ssn"], "Payroll")
    real = vault.reveal(officer, "employees", alice.id, ["first", "ssn"], "Payroll")

    assert len(listed) == 7
    assert {type(r) for r in listed} == {type(alice)}
    assert {r.created_by for r in listed} == {"cli"}
    assert set(decoy.values) == set(real.values)
    assert type(decoy) is type(real)
    assert [e.details["canary"] for e in audit_rows(database, "vault.reveal")] == [True, False]
    ssn = decoy.values["ssn"]
    assert ssn is not None
    assert [r.id for r in vault.search(officer, "employees", "ssn", ssn)] == [canary]
    (added,) = [e for e in audit_rows(database, "config.changed") if e.details.get("count")]
    assert added.details["count"] == 5
    assert audit_rows(database, "vault.record_created") != []
    assert len(audit_rows(database, "vault.record_created")) == 2  # the canaries add none


def test_canaries_are_added_in_reasonable_numbers(vault: VaultService) -> None:
    make_employees(vault)

    for count in (0, 1001):
        with pytest.raises(InvalidInput, match="1-1000"):
            vault.add_canaries(CLI, "employees", count)
