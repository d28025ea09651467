"""What someone with the database but not the keys gets: nothing readable, and nothing they can
move, swap or alter without the vault noticing. On SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from servicedata import ALICE, BOB, CLI, PLAINTEXTS, make_employees
from sqlalchemy import Table, inspect, select, update
from vaultdata import leaks
from wisp_testdb import Database

from wisp.errors import DecryptionError, UnknownKeyVersion
from wisp.storage.engine import SQLITE_FILE
from wisp.vault.keyenv import EnvKeyProvider
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.keys import KeySet
from wisp.vault.models import VaultRecord, pack_fields, unpack_fields
from wisp.vault.service import VaultService
from wisp.vault.views import Classification, CollectionSpec, FieldSpec

RECORDS: Table = VaultRecord.__table__  # type: ignore[assignment]


def _row(database: Database, record_id: uuid.UUID) -> Any:
    with database.engine.connect() as conn:
        return conn.execute(select(RECORDS).where(RECORDS.c.id == record_id)).one()


def _set(database: Database, record_id: uuid.UUID, **values: object) -> None:
    with database.engine.begin() as conn:
        conn.execute(update(RECORDS).where(RECORDS.c.id == record_id).values(**values))


def test_ciphertexts_swapped_between_records_do_not_open(
    vault: VaultService, database: Database
) -> None:
    alice, bob = make_employees(vault, ALICE, BOB)
    a, b = _row(database, alice.id), _row(database, bob.id)
    _set(database, alice.id, sealed=b.sealed)
    _set(database, bob.id, wrapped_key=a.wrapped_key)

    with pytest.raises(DecryptionError, match="failed to authenticate"):
        vault.get_record(CLI, "employees", alice.id)
    with pytest.raises(DecryptionError, match=r"data key of .* failed to authenticate"):
        vault.get_record(CLI, "employees", bob.id)


def test_ciphertexts_swapped_between_fields_do_not_open(
    vault: VaultService, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    fields = unpack_fields(_row(database, alice.id).sealed)
    fields["ssn"], fields["account"] = fields["account"], fields["ssn"]
    _set(database, alice.id, sealed=pack_fields(fields))

    with pytest.raises(DecryptionError, match=r"field '(account|ssn)'") as caught:
        vault.reveal(CLI, "employees", alice.id, ["ssn"], "Payroll")

    assert leaks(str(caught.value), *PLAINTEXTS) == []


def test_a_record_moved_to_another_collection_does_not_open(
    vault: VaultService, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    spec = CollectionSpec("twin", "Same fields.", (FieldSpec("ssn", Classification.SSN),))
    twin = vault.create_collection(CLI, spec)
    _set(database, alice.id, collection_id=twin.id)

    with pytest.raises(DecryptionError):
        vault.get_record(CLI, "twin", alice.id)


@pytest.mark.parametrize("where", ["wrapped_key", "sealed", "truncated", "removed field"])
def test_altered_bytes_fail_cleanly(vault: VaultService, database: Database, where: str) -> None:
    (alice,) = make_employees(vault, ALICE)
    row = _row(database, alice.id)
    if where == "truncated":
        _set(database, alice.id, sealed=bytes(row.sealed)[:-40])
    elif where == "removed field":
        fields = unpack_fields(row.sealed)
        del fields["dept"]
        _set(database, alice.id, sealed=pack_fields(fields))
    else:
        blob = bytearray(getattr(row, where))
        blob[len(blob) // 2] ^= 0x01
        _set(database, alice.id, **{where: bytes(blob)})

    with pytest.raises(DecryptionError) as caught:
        vault.get_record(CLI, "employees", alice.id)

    assert leaks(str(caught.value), *PLAINTEXTS) == []


def test_a_missing_key_version_is_named(
    vault: VaultService, database: Database, vault_keys: FileKeyProvider, audit_log: Any
) -> None:
    (alice,) = make_employees(vault, ALICE)
    vault_keys.rotate()
    only_new = EnvKeyProvider(KeySet((vault_keys.get(2),)))
    stranger = VaultService(database.sessions, audit_log, only_new)

    with pytest.raises(UnknownKeyVersion, match="no vault key of version 1"):
        stranger.get_record(CLI, "employees", alice.id)


def _dump(database: Database) -> str:
    """Every row of every table, as text: bytes as Latin-1 (each byte one character) too."""
    parts = []
    with database.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}"):  # noqa: S608
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def test_no_table_holds_the_plaintext(vault: VaultService, database: Database) -> None:
    alice, bob = make_employees(vault, ALICE, BOB)
    vault.add_canaries(CLI, "employees", 3)
    vault.reveal(CLI, "employees", alice.id, list(ALICE), "Payroll")
    vault.update_record(CLI, "employees", bob.id, {"dept": "Sales"})
    vault.search(CLI, "employees", "card", ALICE["card"])

    dumped = _dump(database)

    assert "vault_record" in inspect(database.engine).get_table_names()
    assert leaks(dumped, *PLAINTEXTS) == []
    assert ALICE["dept"] in dumped or "Payroll" in dumped  # the dump is real: reasons are text


def test_the_sqlite_files_hold_no_plaintext(
    vault: VaultService, database: Database, tmp_path: Path
) -> None:
    if database.kind != "sqlite":
        pytest.skip("PostgreSQL's files belong to its server")
    alice, bob = make_employees(vault, ALICE, BOB)
    vault.delete_record(CLI, "employees", bob.id)
    vault.reveal(CLI, "employees", alice.id, ["ssn"], "Payroll")
    home = database.settings.home

    files = [home / SQLITE_FILE, home / f"{SQLITE_FILE}-wal", home / f"{SQLITE_FILE}-shm"]
    raw = b"".join(path.read_bytes() for path in files if path.exists())

    assert (home / f"{SQLITE_FILE}-wal").stat().st_size > 0
    assert b"vault_record" in raw  # the files are the database: its schema is in them
    assert leaks(raw.decode("latin-1"), *PLAINTEXTS) == []
