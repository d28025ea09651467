"""A change carried with its audit entry: both written, or neither, on both databases.

On PostgreSQL the change rides inside the entry's own statement; on SQLite it runs just before.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError
from wisp_testdb import Database

from wisp.audit import repository
from wisp.audit.events import Action, AuditEvent, Outcome, SystemActor, Target
from wisp.audit.repository import Carried
from wisp.audit.service import AuditLog
from wisp.storage.prepared import Prepared
from wisp.storage.session import transaction

_META = MetaData()
_PARENT = Table("carried_parent", _META, Column("id", Integer, primary_key=True))
_CHILD = Table(
    "carried_child",
    _META,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("carried_parent.id"), nullable=False),
    Column("label", String(16), nullable=False),
)
_ADD_CHILD = Prepared(insert(_CHILD))


@pytest.fixture
def tables(database: Database) -> Database:
    _META.create_all(database.engine)
    with database.engine.begin() as conn:
        conn.execute(insert(_PARENT), [{"id": 1}])
    return database


def _event(n: int) -> AuditEvent:
    return AuditEvent(Action.RECORD_CREATED, Outcome.SUCCESS, SystemActor.CLI, Target("child", n))


def _children(database: Database) -> list[int]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(_CHILD.c.id).order_by(_CHILD.c.id)).scalars())


def _head(database: Database) -> tuple[int, str] | None:
    with transaction(database.sessions) as session:
        return repository.read_head(session)


def test_the_change_and_its_entry_are_written_together(
    tables: Database, audit_log: AuditLog
) -> None:
    with audit_log.writing() as write:
        for n in (1, 2):
            child = {"id": n, "parent_id": 1, "label": f"child {n}"}
            write.record(_event(n), carrying=Carried(_ADD_CHILD, child))

    head = _head(tables)
    assert _children(tables) == [1, 2]
    assert head is not None
    assert head[0] == 2
    assert audit_log.verify().ok


def test_a_failing_change_writes_no_entry(tables: Database, audit_log: AuditLog) -> None:
    audit_log.record(_event(0))
    before = _head(tables)
    orphan = Carried(_ADD_CHILD, {"id": 1, "parent_id": 99, "label": "orphan"})

    with pytest.raises(IntegrityError), audit_log.writing() as write:
        write.record(_event(1), carrying=orphan)

    assert _children(tables) == []
    assert _head(tables) == before
    assert audit_log.verify().ok


def test_a_carried_statement_must_be_a_change_named_apart_from_the_entry() -> None:
    with pytest.raises(TypeError, match="INSERT, UPDATE or DELETE"):
        Carried(Prepared(select(_CHILD.c.id)), {})
    with pytest.raises(TypeError, match="column"):
        Carried(_ADD_CHILD, {"id": 1, "parent_id": 1, "label": "x", "mac": "forged"})
