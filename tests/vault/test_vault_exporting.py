"""Export: masked with RECORDS_READ, unmasked per field with RECORDS_EXPORT and a listed reason,
always audited with its count."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest
from servicedata import ALICE, BOB, CLI, audit_rows, make_employees, principal, role
from wisp_testdb import Database

from wisp.errors import InvalidInput, PermissionDenied
from wisp.identity.roles import Permission
from wisp.vault.access import Actor
from wisp.vault.service import VaultService
from wisp.vault.views import ExportResult


def _export(vault: VaultService, actor: Actor, **options: Any) -> tuple[str, ExportResult]:
    out = io.StringIO()
    result = vault.export(actor, "employees", out, **options)
    return out.getvalue(), result


def test_a_masked_export_is_csv_of_masked_values(vault: VaultService, database: Database) -> None:
    alice, bob = make_employees(vault, ALICE, BOB)

    text, result = _export(vault, principal("clerk"))

    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [str(alice.id), str(bob.id)]
    assert rows[0]["ssn"] == "***-**-6788"
    assert rows[0]["dept"] == "Payroll"
    assert ALICE["ssn"] not in text
    assert ALICE["first"] not in text
    assert result.count == 2
    assert result.unmasked == ()
    (entry,) = audit_rows(database, "data.export")
    assert entry.details["count"] == 2
    assert entry.details["format"] == "csv"
    assert entry.details["fields"] == []
    assert entry.details["reason"] is None


def test_an_unmasked_export_shows_only_the_fields_granted_and_never_canaries(
    vault: VaultService, database: Database
) -> None:
    make_employees(vault, ALICE, BOB)
    vault.add_canaries(CLI, "employees", 2)
    ssn_exporter = principal(role("ssn-export", (Permission.RECORDS_EXPORT, frozenset({"ssn"}))))

    text, result = _export(vault, ssn_exporter, fmt="jsonl", reveal=True, reason="tax filing")

    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 2
    assert records[0]["ssn"] == ALICE["ssn"]
    assert records[0]["first"] == "E*********"
    assert result.unmasked == ("ssn",)
    (entry,) = audit_rows(database, "data.export")
    view = vault.get_collection(CLI, "employees")
    ssn_id = next(str(f.id) for f in view.fields if f.name == "ssn")
    reason_id = next(str(r.id) for r in view.reasons if r.label == "Tax filing")
    assert entry.details == {
        "collection": str(view.id),
        "count": 2,
        "format": "jsonl",
        "fields": [ssn_id],
        "reason": reason_id,
    }
    assert entry.actor == ssn_exporter.user_id


def test_an_unmasked_export_needs_records_export_and_a_reason(
    vault: VaultService, database: Database
) -> None:
    make_employees(vault, ALICE)

    with pytest.raises(PermissionDenied, match="records:export"):
        _export(vault, principal("clerk"), reveal=True, reason="Payroll")
    with pytest.raises(InvalidInput, match="states one of"):
        _export(vault, principal("officer"), reveal=True)
    with pytest.raises(InvalidInput, match="listed reasons"):
        _export(vault, principal("officer"), reveal=True, reason="Because")
    with pytest.raises(PermissionDenied, match="records:read"):
        _export(vault, principal("auditor"))
    text, _ = _export(vault, principal("officer"), reveal=True, reason="Payroll")

    assert ALICE["ssn"] in text
    assert ALICE["card"] in text
    outcomes = [e.outcome for e in audit_rows(database, "data.export")]
    assert outcomes == ["denied", "denied", "success"]


def test_export_formats_are_known_ones(vault: VaultService) -> None:
    make_employees(vault, ALICE)

    with pytest.raises(InvalidInput, match="csv and jsonl"):
        _export(vault, CLI, fmt="xml")


def test_an_export_that_fails_midway_is_audited_as_an_error(
    vault: VaultService, database: Database
) -> None:
    make_employees(vault, *({**ALICE, "dept": str(n)} for n in range(10)))

    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            if self.tell() > 300:
                raise OSError("disk full")
            return super().write(text)

    with pytest.raises(OSError, match="disk full"):
        vault.export(CLI, "employees", Broken(), reveal=True, reason="Payroll")

    (entry,) = audit_rows(database, "data.export")
    assert entry.outcome == "error"
    assert 0 < entry.details["count"] < 10
    assert uuid.UUID(entry.details["reason"])
