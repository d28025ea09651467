"""`wisp collections`, `wisp records`, `wisp keys`: end to end on a migrated SQLite installation."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wisp.cli.app import cli
from wisp.cli.vault import parse_field
from wisp.config import Settings
from wisp.errors import InvalidInput
from wisp.storage.engine import make_engine
from wisp.storage.migrate import upgrade
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.views import Classification, FieldType

ROWS = [
    ["Evangelina", "Whitcombe", "123-45-6788", "000123456789", "Payroll"],
    ["Bartholomew", "Quillfeather", "234-56-7891", "987654321000", "Facilities"],
    ["", "Nobody", "123-45-67", "1", "Sales"],
]
FIELDS = [
    "first:name:required",
    "last:name",
    "ssn:ssn:indexed",
    "account:account:indexed",
    "dept:not_pi",
]


@pytest.fixture(autouse=True)
def installation(wisp_home: Path) -> Path:
    """A migrated database and a vault keyring in the wisp home."""
    engine = make_engine(Settings())
    upgrade(engine)
    engine.dispose()
    FileKeyProvider.create(wisp_home)
    return wisp_home


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _ok(*args: str) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return result


def _create(*extra: str) -> Result:
    options = [arg for field in FIELDS for arg in ("--field", field)]
    return _ok(
        "collections", "create", "staff", "--purpose", "Payroll.", *options,
        "--reason", "Payroll", *extra,
    )  # fmt: skip


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["First Name", "Last Name", "SSN", "Bank Account", "Department"])
        writer.writerows(ROWS)
    return path


def test_a_collection_is_created_listed_and_shown(installation: Path) -> None:
    created = _create("--retention-days", "365", "--retention-from", "updated")

    listed = _ok("collections", "list")
    shown = json.loads(_ok("collections", "show", "staff", "--format", "json").output)

    assert "staff  (0 records)" in created.output
    assert "365 days after updated" in listed.output
    assert [f["name"] for f in shown["fields"]] == ["first", "last", "ssn", "account", "dept"]
    assert shown["fields"][2]["indexed"] is True
    assert shown["fields"][0]["required"] is True
    assert [r["label"] for r in shown["reasons"]] == ["Payroll"]
    assert json.loads(_ok("collections", "list", "--format", "json").output)[0]["name"] == "staff"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--field", "ssn"), 2, "give name:classification"),
        (("--field", "ssn:nickname"), 2, "unknown classification"),
        (("--field", "ssn:ssn:shiny"), 2, "unknown flag 'shiny'"),
        (("--field", "first:name:indexed"), 2, "can be indexed"),
        (("--field", "ssn:ssn", "--retention-days", "0"), 2, "0"),
    ],
)
def test_bad_definitions_fail_in_one_line(args: tuple[str, ...], code: int, message: str) -> None:
    result = _run("collections", "create", "staff", "--purpose", "Why.", *args)

    assert result.exit_code == code
    assert message in result.output
    assert _ok("collections", "list").output == ""


def test_a_taken_name_or_unknown_collection_is_refused() -> None:
    _create()
    again = _run("collections", "create", "staff", "--purpose", "Why.", "--field", "a:name")
    missing = _run("collections", "show", "customers")

    assert (again.exit_code, again.output.strip()) == (1, "wisp: collection 'staff' exists already")
    assert (missing.exit_code, missing.output.strip()) == (
        1,
        "wisp: no such collection 'customers'",
    )


def test_reasons_are_added_and_retired() -> None:
    _create()

    result = _ok("collections", "reasons", "staff", "--add", "Tax filing", "--remove", "Payroll")
    missing = _run("collections", "reasons", "staff", "--remove", "Payroll")

    assert result.output.splitlines() == ["Tax filing"]
    assert missing.exit_code == 2
    assert "listed reasons" in missing.output


def test_import_proposes_then_imports_and_lists_bad_rows(people: Path) -> None:
    proposed = _ok("records", "import", "staff", str(people), "--propose")
    _create()
    mapping = ["--map", "First Name=first", "--map", "Last Name=last", "--map", "SSN=ssn"]

    result = _ok(
        "records", "import", "staff", str(people), *mapping,
        "--map", "Bank Account=account", "--map", "Department=dept",
    )  # fmt: skip

    lines = proposed.output.splitlines()
    assert lines[0].startswith("--field first_name:name ")
    assert lines[2].startswith("--field ssn:ssn:indexed ")
    assert lines[3].startswith("--field bank_account:account:indexed ")
    assert lines[4].startswith("--field department:not_pi ")
    assert "imported 2 records into staff; 3 rows skipped" in result.output
    assert "row 4, field 'first': is required" in result.output
    assert "123-45-67" not in result.output
    assert "records" in _ok("collections", "list").output
    assert " 2 records" in _ok("collections", "list").output


def test_import_refuses_a_bad_map(people: Path) -> None:
    _create()

    result = _run("records", "import", "staff", str(people), "--map", "SSN")

    assert (result.exit_code, result.output.strip()) == (2, "wisp: --map 'SSN': give COLUMN=FIELD")


def _imported(people: Path) -> None:
    _create()
    _ok(
        "records", "import", "staff", str(people), "--map", "First Name=first",
        "--map", "Last Name=last", "--map", "SSN=ssn", "--map", "Bank Account=account",
    )  # fmt: skip


def test_exports_are_private_files_masked_unless_revealed(people: Path, tmp_path: Path) -> None:
    _imported(people)
    masked, plain = tmp_path / "masked.csv", tmp_path / "plain.jsonl"

    _ok("records", "export", "staff", "--output", str(masked))
    _ok(
        "records", "export", "staff", "-o", str(plain), "--format", "jsonl",
        "--reveal", "--reason", "payroll",
    )  # fmt: skip

    masked_rows = list(csv.DictReader(masked.read_text(encoding="utf-8").splitlines()))
    plain_rows = [json.loads(line) for line in plain.read_text(encoding="utf-8").splitlines()]
    assert [r["ssn"] for r in masked_rows] == ["***-**-6788", "***-**-7891"]
    assert [r["ssn"] for r in plain_rows] == ["123-45-6788", "234-56-7891"]
    for path in (masked, plain):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--reveal",), 2, "states one of the collection's reasons"),
        (("--reveal", "--reason", "Curiosity"), 2, "listed reasons"),
        (("--reason", "Payroll"), 2, "--reason goes with --reveal"),
    ],
)
def test_an_unmasked_export_needs_a_listed_reason(
    people: Path, tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    _imported(people)
    out = tmp_path / "out.csv"

    result = _run("records", "export", "staff", "--output", str(out), *args)

    assert result.exit_code == code
    assert message in result.output
    assert not out.exists()
    assert list(tmp_path.glob(".out.csv.*")) == []


def test_canaries_retention_and_keys(people: Path) -> None:
    _imported(people)

    canaries = _ok("collections", "canaries", "staff", "--count", "3")
    retention = _ok("records", "retention")
    rotated = _ok("keys", "rotate")
    resealed = _ok("keys", "rotate", "--reseal")
    status = _ok("keys", "status")
    document = json.loads(_ok("keys", "status", "--format", "json").output)

    assert canaries.output.strip() == "added 3 canary records to staff"
    assert retention.output.strip() == "shredded 0 records in all"
    assert rotated.output.strip() == "key version 2 is current; re-wrapped 5 records"
    assert resealed.output.strip() == "key version 3 is current; resealed 5 records"
    assert "version 3: 5 records  (current)" in status.output
    assert document == {
        "provider": "file",
        "current": 3,
        "versions": [1, 2, 3],
        "records": {"3": 5},
    }


def test_without_a_keyring_the_vault_refuses(installation: Path) -> None:
    (installation / "vault-keyring.json").unlink()

    result = _run("collections", "list")

    assert result.exit_code == 1
    assert result.output.startswith("wisp: no vault keyring at")


@pytest.mark.parametrize(
    ("text", "name", "kind", "type_", "indexed", "required"),
    [
        ("ssn:ssn:indexed:required", "ssn", Classification.SSN, FieldType.TEXT, True, True),
        ("hired:not_pi:date", "hired", Classification.NOT_PI, FieldType.DATE, False, False),
        (
            "salary:other_pi:number",
            "salary",
            Classification.OTHER_PI,
            FieldType.NUMBER,
            False,
            False,
        ),
    ],
)
def test_field_options_parse(
    text: str, name: str, kind: Classification, type_: FieldType, indexed: bool, required: bool
) -> None:
    spec = parse_field(text)

    assert (spec.name, spec.classification, spec.type) == (name, kind, type_)
    assert (spec.indexed, spec.required) == (indexed, required)
    with pytest.raises(InvalidInput):
        parse_field("name")
