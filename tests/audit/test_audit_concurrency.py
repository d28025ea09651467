"""Concurrent writers, each with its own engine and connection, leave one gap-free valid chain."""

from __future__ import annotations

import threading
from pathlib import Path

from wisp_testdb import Database

from wisp.audit.events import Action, AuditEvent, Outcome, Target
from wisp.audit.keys import AuditKeys
from wisp.audit.service import AuditLog
from wisp.storage.engine import make_engine
from wisp.storage.session import make_session_factory

WRITERS = 4
EACH = 25


def test_concurrent_writers_make_one_gap_free_valid_chain(
    database: Database, keys: AuditKeys, tmp_path: Path
) -> None:
    start = threading.Barrier(WRITERS)
    written: list[list[int]] = [[] for _ in range(WRITERS)]
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        # Its own engine, as another process or app server would have.
        engine = make_engine(database.settings, pool_size=1)
        log = AuditLog(make_session_factory(engine), keys, tmp_path / "cp", checkpoint_every=10)
        try:
            start.wait()
            for n in range(EACH):
                event = AuditEvent(
                    Action.LOGIN, Outcome.SUCCESS, actor=number, target=Target("session", n)
                )
                written[number].append(log.record(event))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert all(sequences == sorted(sequences) for sequences in written)
    assert sorted(s for sequences in written for s in sequences) == list(
        range(1, WRITERS * EACH + 1)
    )
    log = AuditLog(database.sessions, keys, tmp_path / "cp")
    report = log.verify()
    assert report.ok, [f.describe() for f in report.findings]
    assert (report.entries, report.last_sequence) == (WRITERS * EACH, WRITERS * EACH)
    assert report.checkpoints >= 1
    assert database.execute("SELECT count(DISTINCT actor) FROM audit_entry") == [(WRITERS,)]
