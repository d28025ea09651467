"""Collections, people and principals shared by the vault service tests (not a test module)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from wisp_testdb import Database

from wisp.audit.events import SystemActor
from wisp.identity.roles import Grant, Permission, Principal, Role, resolve_roles
from wisp.vault.service import VaultService
from wisp.vault.views import Classification, CollectionSpec, FieldSpec, FieldType, RecordView

__all__ = [
    "ALICE",
    "BOB",
    "CLI",
    "EMPLOYEES",
    "PLAINTEXTS",
    "AuditRow",
    "Clock",
    "audit_rows",
    "make_employees",
    "principal",
    "role",
]

CLI = SystemActor.CLI
#: Made-up people: SSNs valid in form, a Visa number that passes Luhn, distinctive names so that
#: a search of raw bytes for them means something.
ALICE = {
    "first": "Evangelina",
    "last": "Whitcombe",
    "ssn": "123-45-6788",
    "card": "4556 7375 8689 9855",
    "account": "000123456789",
    "license": "S12345678",
    "birth": "1984-07-09",
    "dept": "Payroll",
}
BOB = {
    "first": "Bartholomew",
    "last": "Quillfeather",
    "ssn": "234-56-7891",
    "card": "4929 1737 9348 2014",
    "account": "987654321000",
    "license": "S87654321",
    "birth": "1979-11-23",
    "dept": "Facilities",
}
#: Every PI value above, in each form it might be stored or written.
PLAINTEXTS = tuple(
    form
    for person in (ALICE, BOB)
    for key in ("first", "last", "ssn", "card", "account", "license")
    for form in {person[key], person[key].replace("-", "").replace(" ", "")}
)
EMPLOYEES = CollectionSpec(
    "employees",
    "Payroll and tax filing for staff.",
    (
        FieldSpec("first", Classification.NAME, required=True),
        FieldSpec("last", Classification.NAME, required=True),
        FieldSpec("ssn", Classification.SSN, indexed=True),
        FieldSpec("card", Classification.CARD, indexed=True),
        FieldSpec("account", Classification.ACCOUNT, indexed=True),
        FieldSpec("license", Classification.DRIVERS_LICENSE),
        FieldSpec("birth", Classification.OTHER_PI, FieldType.DATE),
        FieldSpec("dept", Classification.NOT_PI, max_length=20),
    ),
    reasons=("Payroll", "Tax filing"),
)


def make_employees(vault: VaultService, *people: dict[str, str]) -> list[RecordView]:
    """The employees collection, holding `people`."""
    vault.create_collection(CLI, EMPLOYEES)
    return [vault.create_record(CLI, "employees", person) for person in people]


def principal(*roles: str | Role) -> Principal:
    """A user holding built-in roles (by name) and custom ones."""
    named = resolve_roles([r for r in roles if isinstance(r, str)])
    custom = tuple(r for r in roles if isinstance(r, Role))
    return Principal(str(uuid.uuid4()), (*named, *custom))


def role(name: str, *grants: tuple[Permission, frozenset[str]]) -> Role:
    """A custom role granting each permission on some fields of every collection."""
    return Role(name, tuple(Grant(p, fields=fields) for p, fields in grants))


class Clock:
    """A clock the test moves by hand; each reading is a microsecond later than the last, so
    that records made in one test sort in the order they were made."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class AuditRow:
    """One audit entry as stored."""

    def __init__(self, row: Any) -> None:
        self.action, self.outcome, self.actor, self.target_id = row[0], row[1], row[2], row[3]
        details = row[4]
        self.details: dict[str, Any] = json.loads(details) if isinstance(details, str) else details


def audit_rows(database: Database, action: str | None = None) -> list[AuditRow]:
    """The audit log's entries in order, optionally only those of one action."""
    rows = database.execute(
        "SELECT action, outcome, actor, target_id, details FROM audit_entry ORDER BY sequence"
    )
    entries = [AuditRow(row) for row in rows]
    return [e for e in entries if action is None or e.action == action]
