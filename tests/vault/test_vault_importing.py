"""Import: columns classified by discovery's detectors, good rows sealed in batches under one
audit entry, bad rows reported by number and reason, never by value."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from servicedata import ALICE, BOB, CLI, EMPLOYEES, audit_rows, principal
from sqlalchemy.exc import OperationalError
from wisp_testdb import Database

from wisp.errors import InvalidInput, PermissionDenied, StorageError
from wisp.vault import repository
from wisp.vault.importing import field_name
from wisp.vault.service import VaultService
from wisp.vault.views import Classification, CollectionSpec, FieldType

HEADER = [
    "First Name",
    "Last Name",
    "SSN",
    "Card Number",
    "Bank Account",
    "Driver's License",
    "DOB",
    "Hire Date",
    "Department",
]
PROPOSED = {
    "First Name": ("first_name", Classification.NAME, FieldType.TEXT, False),
    "Last Name": ("last_name", Classification.NAME, FieldType.TEXT, False),
    "SSN": ("ssn", Classification.SSN, FieldType.TEXT, True),
    "Card Number": ("card_number", Classification.CARD, FieldType.TEXT, True),
    "Bank Account": ("bank_account", Classification.ACCOUNT, FieldType.TEXT, True),
    "Driver's License": ("driver_s_license", Classification.DRIVERS_LICENSE, FieldType.TEXT, True),
    "DOB": ("dob", Classification.OTHER_PI, FieldType.DATE, False),
    "Hire Date": ("hire_date", Classification.NOT_PI, FieldType.DATE, False),
    "Department": ("department", Classification.NOT_PI, FieldType.TEXT, False),
}


def _row(person: dict[str, str], hired: str = "2019-04-01") -> list[str]:
    keys = ("first", "last", "ssn", "card", "account", "license", "birth")
    return [*(person[k] for k in keys), hired, person["dept"]]


ROWS = [_row(ALICE), _row(BOB)] * 3


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_columns_are_proposed_from_headers_and_values(
    vault: VaultService, tmp_path: Path, kind: str
) -> None:
    path = (_csv if kind == "csv" else _xlsx)(tmp_path / f"staff.{kind}", ROWS)

    proposals = vault.propose_fields(path)

    got = {p.column: (p.name, p.classification, p.type, p.indexed) for p in proposals}
    assert got == PROPOSED
    ssn = next(p for p in proposals if p.column == "SSN")
    assert (ssn.matches, ssn.sampled) == (6, 6)


def test_a_column_of_mostly_valid_ssns_is_an_ssn_column_whatever_its_name(
    vault: VaultService, tmp_path: Path
) -> None:
    rows = [["123-45-6788", "x"], ["234-56-7891", "y"], ["345-67-8912", "z"], ["n/a", "w"]]
    path = _csv(tmp_path / "ids.csv", rows, ["Identifier", "Code"])

    ident, code = vault.propose_fields(path)

    assert (ident.classification, ident.matches, ident.sampled) == (Classification.SSN, 3, 4)
    assert code.classification is Classification.NOT_PI


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("First Name", "first_name"),
        ("  SSN # ", "ssn"),
        ("2nd Phone", "f_2nd_phone"),
        ("***", "column"),
    ],
)
def test_field_names_are_made_from_headers(header: str, name: str) -> None:
    assert field_name(header) == name


def _proposed_collection(vault: VaultService, path: Path) -> None:
    fields = tuple(p.spec() for p in vault.propose_fields(path))
    vault.create_collection(CLI, CollectionSpec("staff", "Payroll.", fields, reasons=("Payroll",)))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_import_seals_every_row_under_one_audit_entry(
    vault: VaultService, database: Database, tmp_path: Path, kind: str
) -> None:
    path = (_csv if kind == "csv" else _xlsx)(tmp_path / f"staff.{kind}", ROWS * 2)
    _proposed_collection(vault, path)

    result = vault.import_rows(principal("clerk"), "staff", path)

    assert (result.imported, result.errors) == (12, ())
    (entry,) = audit_rows(database, "data.import")
    assert (entry.outcome, entry.details["count"], entry.details["rejected"]) == ("success", 12, 0)
    assert audit_rows(database, "vault.record_created") == []
    hits = vault.search(CLI, "staff", "ssn", ALICE["ssn"])
    assert len(hits) == 6
    shown = vault.reveal(CLI, "staff", hits[0].id, ["first_name", "dob", "hire_date"], "Payroll")
    assert dict(shown.values) == {
        "first_name": "Evangelina",
        "dob": "1984-07-09",
        "hire_date": "2019-04-01",
    }


def test_bad_rows_are_reported_by_number_and_reason_never_by_value(
    vault: VaultService, database: Database, tmp_path: Path
) -> None:
    vault.create_collection(CLI, EMPLOYEES)
    header = ["first", "last", "ssn", "dept"]
    rows = [
        ["Evangelina", "Whitcombe", "123-45-6788", "Payroll"],
        ["", "Whitcombe", "123-45-6788", "Payroll"],
        ["Evangelina", "Whitcombe", "123-45-67", "Payroll"],
        ["Bartholomew", "Quillfeather", "234-56-7891", "A much too long department name"],
        ["Bartholomew", "Quillfeather", "234-56-7891", "Facilities"],
    ]
    path = _csv(tmp_path / "people.csv", rows, header)

    result = vault.import_rows(CLI, "employees", path)

    assert result.imported == 2
    assert [(e.row, e.field, e.reason) for e in result.errors] == [
        (3, "first", "is required"),
        (4, "ssn", "must be an SSN of 9 digits"),
        (5, "dept", "is longer than 20 characters"),
    ]
    assert "123-45-67" not in repr(result)
    assert "much too long" not in repr(result)
    (entry,) = audit_rows(database, "data.import")
    assert (entry.details["count"], entry.details["rejected"]) == (2, 3)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Vorname": "first"}, "no column 'Vorname'"),
        ({"first": "salary"}, "no field 'salary'"),
        ({"first": "first", "last": "first"}, "same field"),
        ({"first": "first"}, "required field 'last'"),
    ],
)
def test_a_bad_mapping_writes_nothing(
    vault: VaultService, database: Database, tmp_path: Path, mapping: dict[str, str], message: str
) -> None:
    vault.create_collection(CLI, EMPLOYEES)
    path = _csv(tmp_path / "people.csv", [["Evangelina", "Whitcombe"]], ["first", "last"])

    with pytest.raises(InvalidInput, match=message):
        vault.import_rows(CLI, "employees", path, mapping)

    assert database.execute("SELECT count(*) FROM vault_record") == [(0,)]
    assert audit_rows(database, "data.import") == []


def test_an_explicit_mapping_picks_the_columns(vault: VaultService, tmp_path: Path) -> None:
    vault.create_collection(CLI, EMPLOYEES)
    path = _csv(
        tmp_path / "p.csv", [["Whitcombe", "Evangelina", "x"]], ["Surname", "Given", "Junk"]
    )

    result = vault.import_rows(CLI, "employees", path, {"Given": "first", "Surname": "last"})

    assert result.imported == 1
    (record,) = vault.list_records(CLI, "employees").records
    assert (record.values["first"], record.values["last"]) == ("E*********", "W********")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.pdf", b"%PDF-1.4", "reads CSV and spreadsheet"),
        ("people.csv", b"", "is empty"),
        ("people.csv", b"first,,last\nA,B,C\n", "must name every column"),
        ("people.csv", b"first,first\nA,B\n", "same name"),
        ("people.xlsx", b"PK\x03\x04 not really", "people.xlsx"),
    ],
)
def test_unreadable_files_are_refused(
    vault: VaultService, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    vault.create_collection(CLI, EMPLOYEES)
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(InvalidInput, match=message):
        vault.import_rows(CLI, "employees", path)
    with pytest.raises(InvalidInput):
        vault.propose_fields(path)


def test_a_failed_batch_leaves_nothing_of_itself(
    vault: VaultService, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.create_collection(CLI, EMPLOYEES)
    rows = [["Evangelina", "Whitcombe", f"{100 + n:03d}-45-6788"] for n in range(20)]
    path = _csv(tmp_path / "people.csv", rows, ["first", "last", "ssn"])
    real, calls = repository.insert_indexes, []

    def fail_second_batch(conn: object, indexes: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("disk full"))
        real(conn, indexes)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "insert_indexes", fail_second_batch)

    with pytest.raises(StorageError):
        vault.import_rows(CLI, "employees", path)

    assert database.execute("SELECT count(*) FROM vault_record") == [(7,)]
    assert database.execute("SELECT count(*) FROM vault_index") == [(7,)]
    (entry,) = audit_rows(database, "data.import")
    assert (entry.outcome, entry.details["count"]) == ("error", 7)


def test_an_import_needs_records_write(
    vault: VaultService, database: Database, tmp_path: Path
) -> None:
    vault.create_collection(CLI, EMPLOYEES)
    path = _csv(tmp_path / "p.csv", [["Evangelina", "Whitcombe"]], ["first", "last"])

    with pytest.raises(PermissionDenied):
        vault.import_rows(principal("auditor"), "employees", path)

    (entry,) = audit_rows(database, "data.import")
    assert entry.outcome == "denied"
    assert database.execute("SELECT count(*) FROM vault_record") == [(0,)]
