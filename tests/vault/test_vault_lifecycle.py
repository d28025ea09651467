"""Retention shreds beyond recovery; rotation re-wraps online and search still finds everything."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from servicedata import ALICE, BOB, CLI, EMPLOYEES, Clock, audit_rows, make_employees, principal
from sqlalchemy import Table, select
from wisp_testdb import Database

from wisp.audit.events import SystemActor
from wisp.errors import DecryptionError, PermissionDenied, ReadOnlyKeys, Shredded
from wisp.storage.engine import SQLITE_FILE
from wisp.vault import repository
from wisp.vault.crypto import DataKey, RecordRef, open_
from wisp.vault.envelope import SealedRecord, open_record
from wisp.vault.keyenv import EnvKeyProvider
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.keys import KeySet
from wisp.vault.models import VaultIndex, VaultRecord, unpack_fields
from wisp.vault.service import VaultService
from wisp.vault.views import CollectionSpec, RetentionBasis

RECORDS: Table = VaultRecord.__table__  # type: ignore[assignment]
INDEXES: Table = VaultIndex.__table__  # type: ignore[assignment]


def _retained(days: int, basis: RetentionBasis = RetentionBasis.CREATED) -> CollectionSpec:
    return CollectionSpec(
        "employees",
        EMPLOYEES.purpose,
        EMPLOYEES.fields,
        retention_days=days,
        retention_basis=basis,
        reasons=EMPLOYEES.reasons,
    )


def _records(database: Database) -> list[Any]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(RECORDS).order_by(RECORDS.c.created_at)))


def _indexes(database: Database) -> list[Any]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(INDEXES)))


def _files(database: Database) -> bytes:
    """The bytes of a SQLite database's files; on PostgreSQL, every row's (its files are the
    server's), which holds the ciphertexts exactly while a row does."""
    if database.kind != "sqlite":
        return b"".join(bytes(r.sealed) for r in _records(database))
    home = database.settings.home
    files = (home / SQLITE_FILE, home / f"{SQLITE_FILE}-wal")
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_retention_shreds_records_past_their_period(
    vault: VaultService, database: Database, clock: Clock
) -> None:
    vault.create_collection(CLI, _retained(30))
    old = [vault.create_record(CLI, "employees", {**ALICE, "dept": str(n)}) for n in range(9)]
    clock.advance(days=31)
    fresh = vault.create_record(CLI, "employees", BOB)

    result = vault.enforce_retention(clock.now)

    assert result.shredded == {"employees": 9}
    assert result.total == 9
    assert [r.id for r in vault.list_records(CLI, "employees").records] == [fresh.id]
    for record in old:
        with pytest.raises(Exception, match="no such record"):
            vault.get_record(CLI, "employees", record.id)
    entries = audit_rows(database, "vault.record_shredded")
    assert [e.details["count"] for e in entries] == [7, 2]  # batches of 7
    assert {(e.actor, e.outcome, e.details["retention_days"]) for e in entries} == {
        ("system", "success", 30)
    }
    assert vault.enforce_retention(clock.now).shredded == {}


def test_retention_from_the_last_update_spares_updated_records(
    vault: VaultService, clock: Clock
) -> None:
    vault.create_collection(CLI, _retained(30, RetentionBasis.UPDATED))
    kept = vault.create_record(CLI, "employees", ALICE)
    gone = vault.create_record(CLI, "employees", BOB)
    clock.advance(days=20)
    vault.update_record(CLI, "employees", kept.id, {"dept": "Sales"})
    clock.advance(days=15)

    result = vault.enforce_retention(clock.now, actor=CLI)

    assert result.shredded == {"employees": 1}
    assert [r.id for r in vault.list_records(CLI, "employees").records] == [kept.id]
    assert gone.id not in {r.id for r in vault.list_records(CLI, "employees").records}


def test_a_collection_without_retention_keeps_everything(vault: VaultService, clock: Clock) -> None:
    make_employees(vault, ALICE)
    clock.advance(days=36_500)

    assert vault.enforce_retention(clock.now).total == 0
    with pytest.raises(PermissionDenied):
        vault.enforce_retention(clock.now, actor=principal("clerk"))


def test_shredding_cannot_be_undone_with_any_key(
    vault: VaultService, database: Database, vault_keys: FileKeyProvider, clock: Clock
) -> None:
    vault.create_collection(CLI, _retained(1))
    alice = vault.create_record(CLI, "employees", ALICE)
    vault_keys.rotate()
    (before,) = _records(database)
    ciphertexts = unpack_fields(before.sealed)
    assert all(ct[1:] in _files(database) for ct in ciphertexts.values())
    clock.advance(days=2)

    vault.enforce_retention(clock.now)

    assert _records(database) == []
    assert _indexes(database) == []
    ref = RecordRef(str(before.collection_id), str(alice.id))
    with pytest.raises(Shredded, match="cannot be recovered"):
        open_record(SealedRecord(ref, None, ciphertexts), vault_keys)
    for version in vault_keys.versions():
        root = vault_keys.get(version)
        for candidate in (root.secret, root.kek(), root.index_key()):
            for name, ciphertext in ciphertexts.items():
                with pytest.raises(DecryptionError):
                    open_(ciphertext, DataKey(candidate), ref.aad(name))
    assert all(ct[1:] not in _files(database) for ct in ciphertexts.values())


def test_rotation_rewraps_every_record_and_leaves_the_fields(
    vault: VaultService, database: Database, vault_keys: FileKeyProvider
) -> None:
    make_employees(vault, *({**ALICE, "dept": str(n)} for n in range(10)))
    before = _records(database)

    result = vault.rotate_keys(principal("admin"))

    after = _records(database)
    assert (result.version, result.rewrapped, result.resealed) == (2, 10, 0)
    assert vault_keys.versions() == (1, 2)
    assert {r.kek_version for r in after} == {2}
    assert [r.sealed for r in after] == [r.sealed for r in before]
    assert all(a.wrapped_key != b.wrapped_key for a, b in zip(after, before, strict=True))
    assert {i.key_version for i in _indexes(database)} == {1}
    rotated, rewrapped = audit_rows(database, "key.rotated"), audit_rows(database, "key.rewrapped")
    assert [e.details for e in rotated] == [{"version": 2}]
    assert [e.details for e in rewrapped] == [{"version": 2, "rewrapped": 10, "resealed": 0}]
    assert vault.key_status(CLI).records == {2: 10}


def test_reads_and_search_work_across_versions_before_and_after_rewrap(
    vault: VaultService, vault_keys: FileKeyProvider
) -> None:
    (alice,) = make_employees(vault, ALICE)
    vault_keys.rotate()  # a rotation elsewhere: this vault has re-wrapped nothing yet
    bob = vault.create_record(CLI, "employees", BOB)

    status = vault.key_status(CLI)
    assert (status.current, status.versions, status.records) == (2, (1, 2), {1: 1, 2: 1})
    assert vault.get_record(CLI, "employees", alice.id).values["ssn"] == "***-**-6788"
    for person, record in ((ALICE, alice), (BOB, bob)):
        assert [r.id for r in vault.search(CLI, "employees", "ssn", person["ssn"])] == [record.id]

    vault.rotate_keys(CLI)

    for person, record in ((ALICE, alice), (BOB, bob)):
        assert [r.id for r in vault.search(CLI, "employees", "ssn", person["ssn"])] == [record.id]
        assert vault.reveal(CLI, "employees", record.id, ["ssn"], "Payroll").values == {
            "ssn": person["ssn"]
        }
    assert vault.key_status(CLI).records == {3: 2}


def test_reseal_renews_data_keys_and_indexes(
    vault: VaultService, database: Database, vault_keys: FileKeyProvider
) -> None:
    alice, bob = make_employees(vault, ALICE, BOB)
    before = _records(database)

    result = vault.rotate_keys(CLI, reseal=True)

    after = _records(database)
    assert (result.rewrapped, result.resealed) == (0, 2)
    assert all(a.sealed != b.sealed for a, b in zip(after, before, strict=True))
    assert {i.key_version for i in _indexes(database)} == {2}
    assert len(_indexes(database)) == 6
    only_new = EnvKeyProvider(KeySet((vault_keys.get(2),)))
    fresh = VaultService(database.sessions, vault._ctx.audit, only_new)
    assert [r.id for r in fresh.search(CLI, "employees", "ssn", BOB["ssn"])] == [bob.id]
    assert fresh.reveal(CLI, "employees", alice.id, list(ALICE), "Payroll").values == ALICE


def test_a_record_changed_meanwhile_is_not_overwritten_by_the_rewrap(
    vault: VaultService, database: Database
) -> None:
    (alice,) = make_employees(vault, ALICE)
    update = {"record_id": alice.id, "old": 7, "version": 8, "wrapped": b"x" * 65}

    with database.engine.begin() as conn:
        assert repository.set_wrapped_keys(conn, [update]) == 0

    assert vault.get_record(CLI, "employees", alice.id).values["ssn"] == "***-**-6788"


def test_a_read_only_provider_rewraps_to_the_version_added_at_its_source(
    database: Database, audit_log: Any, tmp_path: Path
) -> None:
    home = tmp_path / "keyring"
    home.mkdir(mode=0o700)
    keyring = FileKeyProvider.create(home)
    vault = VaultService(
        database.sessions,
        audit_log,
        EnvKeyProvider(KeySet(tuple(map(keyring.get, keyring.versions())))),
    )
    (alice,) = make_employees(vault, ALICE)

    with pytest.raises(ReadOnlyKeys):
        vault.rotate_keys(CLI)
    keyring.rotate()
    vault = VaultService(
        database.sessions,
        audit_log,
        EnvKeyProvider(KeySet(tuple(map(keyring.get, keyring.versions())))),
    )
    result = vault.rotate_keys(CLI, new_key=False)

    assert (result.version, result.rewrapped) == (2, 1)
    assert vault.get_record(CLI, "employees", alice.id).id == alice.id


def test_key_management_needs_keys_manage(vault: VaultService, database: Database) -> None:
    make_employees(vault, ALICE)

    for role in ("officer", "clerk"):
        with pytest.raises(PermissionDenied, match="keys:manage"):
            vault.rotate_keys(principal(role))
        with pytest.raises(PermissionDenied, match="keys:manage"):
            vault.key_status(principal(role))
    assert vault.key_status(principal("admin")).provider == "file"
    assert [e.outcome for e in audit_rows(database, "key.rotated")] == ["denied", "denied"]
    assert SystemActor.CLI.value == "cli"
    assert uuid.UUID(audit_rows(database, "key.rotated")[0].actor)


def test_reads_keep_working_while_a_rotation_runs(vault: VaultService, database: Database) -> None:
    records = make_employees(vault, *({**ALICE, "dept": str(n)} for n in range(40)))
    done, errors, reads = threading.Event(), [], [0]

    def read_until_done() -> None:
        try:
            while not done.is_set() or reads[0] < len(records):
                record = records[reads[0] % len(records)]
                assert vault.get_record(CLI, "employees", record.id).values["ssn"] == "***-**-6788"
                reads[0] += 1
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        result = vault.rotate_keys(CLI, reseal=True)
    finally:
        done.set()
        reader.join(timeout=60)

    assert errors == []
    assert reads[0] >= len(records)
    assert result.resealed == 40
    assert {r.kek_version for r in _records(database)} == {2}
