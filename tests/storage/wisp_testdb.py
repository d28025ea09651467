"""Databases for tests: a fresh SQLite file, or a fresh schema in the PostgreSQL test database.

PostgreSQL is `WISP_TEST_POSTGRES_URL` (default: postgres@127.0.0.1:5432/test, trust auth). If it
cannot be reached its tests FAIL, saying so, unless `WISP_TEST_SKIP_POSTGRES=1` is set.
Each PostgreSQL test gets a schema of its own, dropped afterwards, so `pytest -n` is safe.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from wisp.config import Settings
from wisp.storage.engine import make_engine
from wisp.storage.migrate import upgrade
from wisp.storage.session import SessionFactory, make_session_factory

POSTGRES_URL = os.environ.get(
    "WISP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SKIP_POSTGRES = os.environ.get("WISP_TEST_SKIP_POSTGRES") == "1"
KINDS = ("sqlite", "postgresql")

_reachability: dict[str, str | None] = {}


@dataclass
class Database:
    """One test's database: its kind, the settings that name it, an engine and sessions."""

    kind: str
    settings: Settings
    engine: Engine
    sessions: SessionFactory

    def execute(self, sql: str, **params: Any) -> list[Any]:
        """Run SQL in its own transaction, as someone at a database prompt would."""
        with self.engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return list(result) if result.returns_rows else []

    def drop_append_only_triggers(self) -> None:
        """What a database administrator does first, to alter the audit log."""
        if self.kind == "postgresql":
            self.execute("DROP FUNCTION wisp_audit_append_only() CASCADE")
        else:
            self.execute("DROP TRIGGER audit_entry_no_update")
            self.execute("DROP TRIGGER audit_entry_no_delete")


def _admin() -> Engine:
    return create_engine(POSTGRES_URL, poolclass=NullPool, connect_args={"connect_timeout": 5})


def _require_postgres() -> None:
    if "status" not in _reachability:
        admin = _admin()
        try:
            with admin.connect() as connection:
                connection.execute(text("SELECT 1"))
            _reachability["status"] = None
        except SQLAlchemyError as exc:
            _reachability["status"] = f"{type(exc.orig or exc).__name__}: {exc.orig or exc}"
        finally:
            admin.dispose()
    reason = _reachability["status"]
    if reason is None:
        return
    where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    if SKIP_POSTGRES:
        pytest.skip(f"PostgreSQL not reachable at {where}; WISP_TEST_SKIP_POSTGRES=1")
    pytest.fail(
        f"PostgreSQL is not reachable at {where} ({reason.strip()}). Start it, point"
        " WISP_TEST_POSTGRES_URL at one, or set WISP_TEST_SKIP_POSTGRES=1 to skip these tests.",
        pytrace=False,
    )


@contextmanager
def _postgres_schema() -> Iterator[str]:
    _require_postgres()
    schema = f"wisp_test_{uuid.uuid4().hex[:16]}"
    admin = _admin()
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def open_database(kind: str, home: Path, *, migrate: bool = True) -> Iterator[Database]:
    """A fresh database of `kind` for one test, migrated to head unless `migrate=False`."""
    with _postgres_schema() if kind == "postgresql" else _no_schema() as url:
        settings = Settings(home=home, database_url=url)
        engine = make_engine(settings, pool_size=8)
        try:
            if migrate:
                upgrade(engine)
            yield Database(kind, settings, engine, make_session_factory(engine))
        finally:
            engine.dispose()


@contextmanager
def _no_schema() -> Iterator[None]:
    yield None


@pytest.fixture(params=KINDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database wisp has never migrated, on SQLite and on PostgreSQL."""
    with open_database(request.param, tmp_path / "home", migrate=False) as database:
        yield database


@pytest.fixture(params=KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at the head revision, on SQLite and on PostgreSQL."""
    with open_database(request.param, tmp_path / "home") as database:
        yield database
