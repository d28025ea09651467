"""Prepared statements: the values SQLAlchemy would send, its errors, nothing of the values in them.

Each test runs on SQLite and on PostgreSQL (the `database` fixture).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from wisp_testdb import Database

from wisp.storage.ids import new_id
from wisp.storage.models import UTCDateTime
from wisp.storage.prepared import Prepared

_META = MetaData()
_ROWS = Table(
    "prepared_probe",
    _META,
    Column("id", Uuid, primary_key=True),
    Column("label", String(32), nullable=False, unique=True),
    Column("at", UTCDateTime, nullable=False),
    Column("details", JSON, nullable=False),
    Column("count", Integer, nullable=False),
)
_INSERT = Prepared(insert(_ROWS))
_BUMP = Prepared(
    update(_ROWS).where(_ROWS.c.label == bindparam("which")).values(count=_ROWS.c.count + 1)
)
_COUNT_OF_FIRST = Prepared(select(_ROWS.c.count).where(_ROWS.c.label == "first"))


@pytest.fixture
def engine(database: Database) -> Engine:
    _META.create_all(database.engine)
    return database.engine


def _row(label: str, count: int = 0) -> dict[str, object]:
    at = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    return {"id": new_id(), "label": label, "at": at, "details": {"n": 1}, "count": count}


def test_values_are_processed_as_sqlalchemy_would(engine: Engine) -> None:
    row = _row("first")
    with engine.begin() as conn:
        assert _INSERT.execute(conn, row) == 1
        _INSERT.executemany(conn, [_row("second"), _row("third")])

    with engine.connect() as conn:
        stored = conn.execute(select(_ROWS).where(_ROWS.c.id == row["id"])).one()
        labels = conn.execute(select(_ROWS.c.label).order_by(_ROWS.c.label)).scalars().all()
    assert stored.id == row["id"]
    assert stored.at == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # stored as UTC
    assert stored.details == {"n": 1}
    assert labels == ["first", "second", "third"]


def test_rows_come_back_processed_and_named(engine: Engine) -> None:
    rows = [_row("first", 1), _row("second", 2)]
    everything = Prepared(select(_ROWS).order_by(_ROWS.c.label))
    with engine.begin() as conn:
        _INSERT.executemany(conn, rows)
        read = everything.all(conn)
        through_sqlalchemy = conn.execute(everything.statement).all()  # type: ignore[call-overload]

    assert [tuple(r) for r in read] == [tuple(r) for r in through_sqlalchemy]
    assert read[0].id == rows[0]["id"]
    assert read[0].at == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    assert read[1].details == {"n": 1}
    assert read[1].count == 2


def test_fixed_values_and_row_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT.executemany(conn, [_row("first", 4), _row("second")])
        assert _BUMP.execute(conn, {"which": "first"}) == 1
        assert _BUMP.execute(conn, {"which": "nobody"}) == 0
        assert _COUNT_OF_FIRST.first(conn) == (5,)


def test_runs_in_the_connections_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        with conn.begin() as transaction:
            _INSERT.execute(conn, _row("first"))
            transaction.rollback()
        assert conn.execute(select(_ROWS.c.label)).all() == []


def test_a_constraint_failure_is_sqlalchemys_error_without_its_parameters(engine: Engine) -> None:
    first, again = _row("first"), _row("first")
    with engine.connect() as conn, conn.begin():
        _INSERT.execute(conn, first)
        with pytest.raises(IntegrityError) as raised:
            _INSERT.execute(conn, again)
    message = str(raised.value)
    # The statement is named; the values sent are not (PostgreSQL's own detail still names the
    # duplicate key, as it would through Connection.execute: wisp never shows these messages).
    assert "prepared_probe" in message
    assert "[parameters" not in message
    assert str(again["id"]) not in message
    assert again["id"].hex not in message


def test_a_missing_value_is_named(engine: Engine) -> None:
    row = _row("first")
    del row["count"]
    with engine.begin() as conn, pytest.raises(TypeError, match="'count'"):
        _INSERT.execute(conn, row)


def test_parameters_rendered_per_call_are_refused(engine: Engine) -> None:
    expanding = Prepared(select(_ROWS.c.id).where(_ROWS.c.label.in_(bindparam("labels"))))
    with engine.connect() as conn, pytest.raises(TypeError, match="per call"):
        expanding.first(conn, {"labels": ["a"]})


def test_a_lost_postgresql_connection_is_invalidated(database: Database, engine: Engine) -> None:
    if database.kind != "postgresql":
        pytest.skip("SQLite has no server to lose a connection")
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        database.execute("SELECT pg_terminate_backend(:pid)", pid=pid)
        with pytest.raises(OperationalError) as raised:
            _COUNT_OF_FIRST.first(conn)
        assert raised.value.connection_invalidated
        assert conn.invalidated
    with engine.connect() as conn:  # the pool hands out a live one
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


def test_new_ids_are_version_7_and_in_creation_order() -> None:
    ids = [new_id() for _ in range(2000)]
    assert {i.version for i in ids} == {7}
    assert len(set(ids)) == len(ids)
    stamps = [i.int >> 80 for i in ids]  # the leading 48 bits: Unix time in milliseconds
    assert stamps == sorted(stamps)
    assert abs(stamps[-1] / 1000 - datetime.now(UTC).timestamp()) < 60
    assert isinstance(ids[0], uuid.UUID)
