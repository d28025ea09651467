"""Tampering with the audit log in SQL, as a database administrator could: verify names it.

Each test first drops the append-only triggers (what such an administrator would do), then
edits, deletes, inserts, reorders, truncates or rewrites entries on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid

import pytest
from wisp_testdb import Database

from wisp.audit import repository
from wisp.audit.chain import GENESIS, chain_mac
from wisp.audit.events import Action, AuditEvent, Outcome, Target
from wisp.audit.service import AuditLog
from wisp.audit.verify import Finding, Problem, VerifyReport
from wisp.storage.session import transaction

USER = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
ENTRIES = 10


def _fill(log: AuditLog, count: int = ENTRIES) -> None:
    for n in range(1, count + 1):
        outcome = Outcome.SUCCESS if n % 3 else Outcome.FAILURE
        target = Target("vault_record", n)
        log.record(AuditEvent(Action.REVEAL, outcome, actor=USER, target=target, details={"n": n}))


@pytest.fixture
def filled(audit_log: AuditLog, database: Database) -> AuditLog:
    _fill(audit_log)
    database.drop_append_only_triggers()
    return audit_log


def _first(report: VerifyReport) -> Finding:
    assert not report.ok
    return report.findings[0]


def _mac(database: Database, sequence: int) -> str:
    return str(
        database.execute("SELECT mac FROM audit_entry WHERE sequence = :s", s=sequence)[0][0]
    )


def _shift(database: Database, at_or_above: int, by: int) -> None:
    # Two steps through negative numbers: PostgreSQL checks the primary key row by row.
    database.execute(
        "UPDATE audit_entry SET sequence = -sequence WHERE sequence >= :s", s=at_or_above
    )
    database.execute("UPDATE audit_entry SET sequence = :by - sequence WHERE sequence < 0", by=by)


def _swap(database: Database, a: int, b: int) -> None:
    database.execute("UPDATE audit_entry SET sequence = -1 WHERE sequence = :a", a=a)
    database.execute("UPDATE audit_entry SET sequence = :a WHERE sequence = :b", a=a, b=b)
    database.execute("UPDATE audit_entry SET sequence = :b WHERE sequence = -1", b=b)


def _set_head(database: Database, sequence: int) -> None:
    mac = _mac(database, sequence) if sequence else GENESIS
    database.execute("UPDATE audit_head SET sequence = :s, mac = :m", s=sequence, m=mac)


def _rewrite(database: Database, key: bytes, at: int) -> None:
    """Deny entry `at` after the fact, and re-chain the whole log under `key` to match."""
    with transaction(database.sessions) as session:
        entries = list(repository.iter_entries(session))
    prev = GENESIS
    for entry in entries:
        outcome = "denied" if entry.sequence == at else entry.outcome
        mac = chain_mac(key, prev, dataclasses.replace(entry, outcome=outcome, prev_hash=prev))
        database.execute(
            "UPDATE audit_entry SET outcome = :o, prev_hash = :p, mac = :m WHERE sequence = :s",
            o=outcome,
            p=prev,
            m=mac,
            s=entry.sequence,
        )
        prev = mac
    database.execute("UPDATE audit_head SET mac = :m", m=prev)


@pytest.mark.parametrize(
    "assignment",
    [
        "action = 'auth.logout'",
        "outcome = 'failure'",
        "actor = NULL",
        "source = '203.0.113.9'",
        "target_id = '999'",
        "occurred_at = (SELECT occurred_at FROM audit_entry WHERE sequence = 1)",
        "details = (SELECT details FROM audit_entry WHERE sequence = 1)",
        "prev_hash = (SELECT mac FROM audit_entry WHERE sequence = 1)",
        f"mac = '{'f' * 64}'",
    ],
    ids=lambda a: a.split(" = ")[0],
)
def test_an_edited_entry_is_named(filled: AuditLog, database: Database, assignment: str) -> None:
    database.execute(f"UPDATE audit_entry SET {assignment} WHERE sequence = 4")  # noqa: S608

    finding = _first(filled.verify())
    assert (finding.problem, finding.sequence) == (Problem.EDITED, 4)


@pytest.mark.parametrize(("first", "last"), [(4, 4), (4, 6)])
def test_deleted_entries_are_named(
    filled: AuditLog, database: Database, first: int, last: int
) -> None:
    database.execute("DELETE FROM audit_entry WHERE sequence BETWEEN :a AND :b", a=first, b=last)

    report = filled.verify()
    assert report.findings == (
        Finding(
            Problem.DELETED,
            first,
            f"entries {first if first == last else f'{first} to {last}'} are missing",
        ),
    )


def test_a_deletion_hidden_by_renumbering_is_named(filled: AuditLog, database: Database) -> None:
    database.execute("DELETE FROM audit_entry WHERE sequence = 4")
    _shift(database, 5, by=-1)
    _set_head(database, ENTRIES - 1)

    finding = _first(filled.verify())
    assert (finding.problem, finding.sequence) == (Problem.DELETED, 4)
    assert "written as entry 5" in finding.detail


def test_a_forged_entry_inserted_in_the_middle_is_named(
    filled: AuditLog, database: Database
) -> None:
    _shift(database, 5, by=1)
    row = database.execute("SELECT occurred_at, details FROM audit_entry WHERE sequence = 4")[0]
    database.execute(
        "INSERT INTO audit_entry (sequence, occurred_at, actor, action, target_type, target_id,"
        " source, outcome, details, prev_hash, mac) VALUES (5, :at, :actor, 'vault.reveal',"
        " 'vault_record', '5', NULL, 'success', '{}', :prev, :mac)",
        at=row[0],
        actor=str(USER),
        prev=_mac(database, 4),
        mac=secrets.token_hex(32),
    )

    finding = _first(filled.verify())
    assert (finding.problem, finding.sequence) == (Problem.INSERTED, 5)


def test_a_forged_entry_appended_at_the_end_is_named(filled: AuditLog, database: Database) -> None:
    database.execute(
        "INSERT INTO audit_entry (sequence, occurred_at, action, outcome, details, prev_hash, mac)"
        " SELECT 11, occurred_at, action, outcome, details, mac, :mac FROM audit_entry"
        " WHERE sequence = 10",
        mac=secrets.token_hex(32),
    )

    finding = _first(filled.verify())
    assert (finding.problem, finding.sequence) == (Problem.INSERTED, 11)


@pytest.mark.parametrize(("a", "b"), [(3, 7), (3, 4)])
def test_reordered_entries_are_named(filled: AuditLog, database: Database, a: int, b: int) -> None:
    _swap(database, a, b)

    finding = _first(filled.verify())
    assert (finding.problem, finding.sequence) == (Problem.REORDERED, a)
    assert f"written as entry {b}" in finding.detail


def test_a_truncated_tail_is_caught_by_the_head_row(filled: AuditLog, database: Database) -> None:
    database.execute("DELETE FROM audit_entry WHERE sequence > 7")

    assert _first(filled.verify()) == Finding(
        Problem.TRUNCATED, 8, "the head row records entry 10; the log ends at 7"
    )


@pytest.mark.parametrize("keep", [7, 0])
def test_a_truncation_that_also_moves_the_head_is_caught_by_the_checkpoint(
    filled: AuditLog, database: Database, keep: int
) -> None:
    filled.checkpoint()
    database.execute("DELETE FROM audit_entry WHERE sequence > :k", k=keep)
    _set_head(database, keep)

    report = filled.verify()
    # The chain and the head row agree with each other: only the signed checkpoint knows.
    assert [(f.problem, f.sequence) for f in report.findings] == [(Problem.TRUNCATED, keep + 1)]
    assert "covers entry 10" in report.findings[0].detail


def test_a_chain_rewritten_under_another_key_is_caught(
    filled: AuditLog, database: Database
) -> None:
    filled.checkpoint()
    _rewrite(database, secrets.token_bytes(32), at=5)

    report = filled.verify()
    assert report.findings[0].problem is Problem.EDITED
    assert report.findings[0].sequence == 1
    assert (Problem.REWRITTEN, ENTRIES) in [(f.problem, f.sequence) for f in report.findings]


def test_a_chain_rewritten_with_the_stolen_hmac_key_is_caught_by_the_checkpoint(
    audit_log: AuditLog, database: Database, keys: object
) -> None:
    _fill(audit_log)
    audit_log.checkpoint()
    database.drop_append_only_triggers()
    _rewrite(database, keys.hmac_key, at=1)  # type: ignore[attr-defined]

    report = audit_log.verify()
    # Every mac and link is right, and the head row matches: only the signature disagrees.
    assert [(f.problem, f.sequence) for f in report.findings] == [(Problem.REWRITTEN, ENTRIES)]


def test_a_checkpoint_line_removed_from_the_file_is_caught(filled: AuditLog) -> None:
    for _ in range(3):
        filled.checkpoint()
    lines = filled.checkpoint_path.read_text().splitlines()
    filled.checkpoint_path.write_text("\n".join([lines[0], lines[2]]) + "\n")

    finding = _first(filled.verify())
    assert finding.problem is Problem.CHECKPOINT_INVALID
    assert "line 2 does not follow" in finding.detail


def test_a_forged_checkpoint_line_is_caught(filled: AuditLog) -> None:
    filled.checkpoint()
    line = filled.checkpoint_path.read_text().replace('"sequence":10', '"sequence":9')
    filled.checkpoint_path.write_text(line)

    finding = _first(filled.verify())
    assert finding.problem is Problem.CHECKPOINT_INVALID
    assert "not signed" in finding.detail
