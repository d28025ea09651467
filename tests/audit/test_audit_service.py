"""AuditLog on both databases: record, read back, checkpoint, verify a clean chain."""

from __future__ import annotations

import itertools
import json
import sqlite3
import stat
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from wisp_testdb import Database

from wisp.audit import repository
from wisp.audit.chain import GENESIS, Checkpoint
from wisp.audit.events import Action, AuditEvent, Masked, Outcome, Target
from wisp.audit.keys import AuditKeys
from wisp.audit.service import AuditLog
from wisp.audit.verify import line_digest
from wisp.errors import AuditError, AuditTampered, UnsafeAuditField
from wisp.storage.engine import SQLITE_FILE
from wisp.storage.session import transaction

USER = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")


def event(n: int = 0) -> AuditEvent:
    return AuditEvent(
        Action.REVEAL,
        Outcome.SUCCESS,
        actor=USER,
        target=Target("vault_record", n),
        source="198.51.100.4",
        details={"field": Masked("***-**-6789"), "attempt": n},
    )


def test_recorded_entries_are_numbered_and_chained(audit_log: AuditLog, database: Database) -> None:
    sequences = [audit_log.record(event(n)) for n in range(5)]
    with transaction(database.sessions) as session:
        entries = list(repository.iter_entries(session, batch=2))
        head = repository.read_head(session)

    assert sequences == [1, 2, 3, 4, 5]
    assert [e.sequence for e in entries] == sequences
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.mac for a, b in itertools.pairwise(entries))
    assert head == (5, entries[-1].mac)
    assert entries[2].details == {"field": "***-**-6789", "attempt": 2}
    assert entries[2].target_id == "2"
    assert entries[2].actor == str(USER)
    assert entries[0].occurred_at.tzinfo == UTC
    assert entries[0].occurred_at < entries[1].occurred_at


def test_a_clean_chain_verifies(audit_log: AuditLog) -> None:
    for n in range(7):
        audit_log.record(event(n))
    audit_log.checkpoint()
    audit_log.record(event(8))

    report = audit_log.verify()

    assert report.ok, [f.describe() for f in report.findings]
    assert (report.entries, report.last_sequence, report.checkpoints) == (8, 8, 1)


def test_an_empty_log_verifies_and_can_be_checkpointed(audit_log: AuditLog) -> None:
    signed = audit_log.checkpoint()

    assert (signed.sequence, signed.head) == (0, GENESIS)
    assert audit_log.verify().ok


def test_an_entry_commits_or_rolls_back_with_the_callers_transaction(
    audit_log: AuditLog, database: Database
) -> None:
    def failing_change() -> None:
        with transaction(database.sessions, write=True) as session:
            audit_log.record(event(1), session=session)
            raise RuntimeError("the change it describes failed")

    with pytest.raises(RuntimeError):
        failing_change()
    with transaction(database.sessions, write=True) as session:
        assert audit_log.record(event(2), session=session) == 1

    assert database.execute("SELECT sequence FROM audit_entry") == [(1,)]
    assert audit_log.verify().ok


def test_writing_commits_entries_with_the_change_and_announces_them_after(
    audit_log: AuditLog, database: Database
) -> None:
    database.execute("CREATE TABLE scratch (n INTEGER)")
    heard: list[int] = []
    audit_log.add_listener(lambda entry: heard.append(entry.sequence))

    def failing_change() -> None:
        with audit_log.writing() as write:
            write.connection.execute(text("INSERT INTO scratch VALUES (1)"))
            write.record(event(1))
            raise RuntimeError("the change it describes failed")

    with pytest.raises(RuntimeError):
        failing_change()
    with audit_log.writing() as write:
        write.connection.execute(text("INSERT INTO scratch VALUES (2)"))
        assert (write.record(event(2)), write.record(event(3))) == (1, 2)
        assert heard == []  # not before it commits

    assert heard == [1, 2]
    assert database.execute("SELECT n FROM scratch") == [(2,)]
    assert database.execute("SELECT sequence FROM audit_entry ORDER BY sequence") == [(1,), (2,)]
    assert audit_log.verify().ok


def test_writing_holds_the_sqlite_write_lock_from_its_first_statement(
    audit_log: AuditLog, database: Database
) -> None:
    if database.kind != "sqlite":
        pytest.skip("PostgreSQL writers serialize on the head row's lock")
    other = sqlite3.connect(database.settings.home / SQLITE_FILE, timeout=0, isolation_level=None)
    try:
        with audit_log.writing() as write:
            write.connection.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_a_caller_session_without_the_write_lock_is_refused_on_sqlite(
    audit_log: AuditLog, database: Database
) -> None:
    with transaction(database.sessions) as session:
        if database.kind == "sqlite":
            with pytest.raises(AuditError, match="write=True"):
                audit_log.record(event(), session=session)
        else:  # row locks serialize PostgreSQL writers whatever the transaction began with
            assert audit_log.record(event(), session=session) == 1


def test_unsafe_events_never_reach_the_database(audit_log: AuditLog, database: Database) -> None:
    with pytest.raises(UnsafeAuditField):
        audit_log.record(AuditEvent(Action.EXPORT, Outcome.SUCCESS, details={"to": "Jane"}))  # type: ignore[dict-item]

    assert database.execute("SELECT count(*) FROM audit_entry") == [(0,)]


def test_a_naive_clock_is_refused(database: Database, keys: AuditKeys, tmp_path: Path) -> None:
    naive = AuditLog(database.sessions, keys, tmp_path, clock=lambda: datetime(2025, 1, 1))

    with pytest.raises(AuditError, match="zone"):
        naive.record(event())


def test_checkpoints_are_a_private_signed_chain_of_lines(audit_log: AuditLog) -> None:
    audit_log.record(event(1))
    first = audit_log.checkpoint()
    audit_log.record(event(2))
    second = audit_log.checkpoint()
    lines = audit_log.checkpoint_path.read_text().splitlines()

    assert [Checkpoint.from_line(line) for line in lines] == [first, second]
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous == ""
    assert second.previous == line_digest(lines[0])
    assert set(json.loads(lines[0])) >= {"sequence", "head", "signed_at", "signature"}
    assert stat.S_IMODE(audit_log.checkpoint_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(audit_log.checkpoint_path.parent.stat().st_mode) == 0o700


def test_checkpoints_follow_every_nth_entry(
    database: Database, keys: AuditKeys, clock: Callable[[], datetime], tmp_path: Path
) -> None:
    log = AuditLog(database.sessions, keys, tmp_path / "cp", clock=clock, checkpoint_every=3)
    for n in range(7):
        log.record(event(n))

    lines = log.checkpoint_path.read_text().splitlines()
    assert [Checkpoint.from_line(line).sequence for line in lines] == [3, 6]


def test_open_uses_the_settings_home_and_its_keys(database: Database) -> None:
    log = AuditLog.open(database.settings, database.sessions)
    log.record(event())
    log.checkpoint()

    home = database.settings.home
    assert log.checkpoint_path == home / "audit-checkpoints" / "checkpoints.jsonl"
    assert (home / "audit-hmac.key").is_file()
    assert AuditLog.open(database.settings, database.sessions).verify().ok


def test_checkpoint_refuses_to_sign_a_tampered_chain(
    audit_log: AuditLog, database: Database
) -> None:
    for n in range(3):
        audit_log.record(event(n))
    database.drop_append_only_triggers()
    database.execute("UPDATE audit_entry SET outcome = 'denied' WHERE sequence = 2")

    with pytest.raises(AuditTampered, match="edited at entry 2"):
        audit_log.checkpoint()
    assert audit_log.checkpoint_path.read_text() == ""


def test_checkpoint_refuses_when_the_last_signed_entry_changed(
    audit_log: AuditLog, database: Database
) -> None:
    audit_log.record(event(1))
    audit_log.checkpoint()
    database.drop_append_only_triggers()
    database.execute("DELETE FROM audit_entry")
    database.execute("UPDATE audit_head SET sequence = 0, mac = :g", g=GENESIS)

    with pytest.raises(AuditTampered, match="entry 1 no longer matches"):
        audit_log.checkpoint()


def test_a_missing_head_row_stops_writers(audit_log: AuditLog, database: Database) -> None:
    database.execute("DELETE FROM audit_head")

    with pytest.raises(AuditTampered, match="head row is missing"):
        audit_log.record(event())
    assert not audit_log.verify().ok


def test_times_read_back_in_utc_whatever_the_session_zone(
    audit_log: AuditLog, database: Database
) -> None:
    audit_log.record(event())
    with transaction(database.sessions) as session:
        if database.kind == "postgresql":  # SQLite has no session time zone
            session.execute(text("SET TIME ZONE 'America/New_York'"))
        entry = repository.entry_at(session, 1)

    assert entry is not None
    assert entry.occurred_at.tzinfo == UTC
    assert audit_log.verify().ok
