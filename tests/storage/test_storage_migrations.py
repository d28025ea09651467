"""Migrations: `upgrade` builds the schema from nothing, and the head equals the models."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, insert, inspect, select
from sqlalchemy.exc import DBAPIError, StatementError
from wisp_testdb import Database

import wisp
from wisp.errors import StorageError
from wisp.storage.migrate import (
    MODEL_MODULES,
    current_revision,
    head_revision,
    require_current,
    target_metadata,
    upgrade,
)
from wisp.storage.models import Base, UTCDateTime

GENESIS = "0" * 64


def _tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def test_scripts_ship_inside_the_package() -> None:
    migrations = files("wisp.storage") / "migrations"

    assert (migrations / "env.py").is_file()
    assert (migrations / "script.py.mako").is_file()
    assert head_revision() == "0005"


def test_upgrade_builds_the_schema_on_an_empty_database(empty_database: Database) -> None:
    assert current_revision(empty_database.engine) is None
    with pytest.raises(StorageError, match="schema none"):
        require_current(empty_database.engine)

    upgrade(empty_database.engine)

    assert {"alembic_version", "audit_entry", "audit_head"} <= _tables(empty_database)
    assert current_revision(empty_database.engine) == head_revision()
    require_current(empty_database.engine)
    assert empty_database.execute("SELECT id, sequence, mac FROM audit_head") == [(1, 0, GENESIS)]


def test_upgrade_again_changes_nothing(database: Database) -> None:
    before = _tables(database)
    upgrade(database.engine)

    assert _tables(database) == before
    assert database.execute("SELECT count(*) FROM audit_head") == [(1,)]


def test_migration_head_matches_the_models(database: Database) -> None:
    # Every wisp module is imported first, so a table some domain defines without a revision
    # shows up here whatever order the tests ran in.
    for module in pkgutil.walk_packages(wisp.__path__, prefix="wisp."):
        importlib.import_module(module.name)

    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, target_metadata())

    assert diff == []


def test_every_module_with_tables_is_registered_for_migrations() -> None:
    for module in pkgutil.walk_packages(wisp.__path__, prefix="wisp."):
        importlib.import_module(module.name)

    defining = {mapper.class_.__module__ for mapper in Base.registry.mappers}

    assert defining <= set(MODEL_MODULES)
    assert "wisp.audit.models" in defining


def test_audit_entries_are_append_only_in_the_database(database: Database) -> None:
    database.execute(
        "INSERT INTO audit_entry (sequence, occurred_at, action, outcome, details, prev_hash, mac)"
        " VALUES (1, :at, 'auth.login', 'success', '{}', :genesis, :mac)",
        at=datetime(2025, 1, 1, tzinfo=UTC),
        genesis=GENESIS,
        mac="1" * 64,
    )

    for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            database.execute(statement)
    assert database.execute("SELECT action FROM audit_entry") == [("auth.login",)]


def test_utc_datetime_keeps_the_instant_and_refuses_naive_times(database: Database) -> None:
    metadata = MetaData()
    table = Table(
        "times", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime)
    )
    metadata.create_all(database.engine)
    boston = timezone(timedelta(hours=-5))
    instant = datetime(2025, 3, 1, 7, 30, 15, 123456, tzinfo=boston)

    with database.engine.begin() as connection:
        connection.execute(insert(table).values(id=1, at=instant))
        stored = connection.execute(select(table.c.at)).scalar_one()
        with pytest.raises(StatementError, match="timezone-aware"):
            connection.execute(insert(table).values(id=2, at=datetime(2025, 3, 1)))

    assert stored == instant
    assert stored.tzinfo == UTC
    assert stored.hour == 12


def test_sqlite_keeps_the_hot_write_tables_to_few_pages(database: Database) -> None:
    # Each index a write touches is a page more to write at commit (see wisp.storage.ids).
    if database.kind != "sqlite":
        pytest.skip("page layout is SQLite's")
    tables = dict(database.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
    indexes = {
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='audit_entry'"
        )
    }

    assert tables["vault_record"].rstrip().endswith("WITHOUT ROWID")
    assert tables["vault_index"].rstrip().endswith("WITHOUT ROWID")
    assert "sequence INTEGER NOT NULL" in tables["audit_entry"]  # the rowid itself
    assert indexes == {"ix_audit_entry_occurred_at"}
