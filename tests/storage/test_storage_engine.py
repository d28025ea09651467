"""The engine: SQLite in the state directory (WAL, foreign keys, busy timeout), or PostgreSQL."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker
from wisp_testdb import Database

from wisp.config import Settings
from wisp.errors import StorageError
from wisp.storage import engine as engine_module
from wisp.storage.engine import (
    BUSY_TIMEOUT_MS,
    SQLITE_FILE,
    check_connection,
    database_url,
    describe,
    is_sqlite,
    make_engine,
    reader,
)
from wisp.storage.session import bound_engine, make_session_factory, transaction, write_locked


def test_sqlite_by_default_in_the_state_directory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            pragmas = [
                connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
    finally:
        engine.dispose()

    assert database_url(settings).database == str(home / SQLITE_FILE)
    assert is_sqlite(engine)
    assert pragmas == ["wal", 1, BUSY_TIMEOUT_MS]
    assert stat.S_IMODE((home / SQLITE_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_database_url_setting_selects_postgresql(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql://wisp:s3cret-pw@db.internal/wisp")
    engine = make_engine(settings)

    assert engine.dialect.name == "postgresql"
    assert engine.dialect.driver == "psycopg"
    assert "s3cret-pw" not in describe(engine)
    assert not (tmp_path / SQLITE_FILE).exists()
    engine.dispose()


def test_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql://wisp:s3cret-pw@127.0.0.1:9/wisp")
    engine = make_engine(settings, connect_args={"connect_timeout": 2})

    with pytest.raises(
        StorageError, match=r"cannot reach the database .*127\.0\.0\.1:9/wisp"
    ) as exc:
        check_connection(engine)
    assert "s3cret-pw" not in str(exc.value)
    engine.dispose()


def test_reachable_database_passes_the_check(database: Database) -> None:
    check_connection(database.engine)


def test_write_transaction_holds_the_sqlite_write_lock_from_its_first_statement(
    tmp_path: Path,
) -> None:
    engine = make_engine(Settings(home=tmp_path))
    sessions = make_session_factory(engine)
    other = sqlite3.connect(tmp_path / SQLITE_FILE, timeout=0, isolation_level=None)
    try:
        with transaction(sessions, write=True) as session:
            session.execute(text("SELECT 1"))  # only a read, yet the lock is held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_a_write_locked_engine_begins_with_the_sqlite_write_lock(tmp_path: Path) -> None:
    engine = make_engine(Settings(home=tmp_path))
    other = sqlite3.connect(tmp_path / SQLITE_FILE, timeout=0, isolation_level=None)
    try:
        with write_locked(engine).begin() as connection:
            connection.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with engine.begin() as connection:  # the engine itself still begins deferred
            connection.execute(text("SELECT 1"))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_bound_engine_is_the_engine_of_the_sessions(database: Database) -> None:
    assert bound_engine(database.sessions) is database.engine
    with pytest.raises(TypeError):
        bound_engine(sessionmaker())


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        calls.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return calls


def test_postgresql_pings_only_connections_idle_for_a_while(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.kind != "postgresql":
        pytest.skip("SQLite has no server to lose a connection")
    engine = make_engine(database.settings, pool_size=1)
    try:
        pings = _pings(engine, monkeypatch)
        first = _backend_pid(engine)
        assert (_backend_pid(engine), pings) == (first, [])  # used a moment ago: no round trip
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
        assert (_backend_pid(engine), len(pings)) == (first, 1)
    finally:
        engine.dispose()


def test_postgresql_replaces_an_idle_connection_the_server_dropped(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.kind != "postgresql":
        pytest.skip("SQLite has no server to lose a connection")
    engine = make_engine(database.settings, pool_size=1)
    try:
        dropped = _backend_pid(engine)
        database.execute("SELECT pg_terminate_backend(:pid)", pid=dropped)
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)

        assert _backend_pid(engine) != dropped  # pinged, found dead, replaced: no error
    finally:
        engine.dispose()


def test_read_transaction_leaves_the_sqlite_write_lock_free(tmp_path: Path) -> None:
    engine = make_engine(Settings(home=tmp_path))
    sessions = make_session_factory(engine)
    other = sqlite3.connect(tmp_path / SQLITE_FILE, timeout=0, isolation_level=None)
    try:
        with transaction(sessions) as session:
            session.execute(text("SELECT 1"))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_transaction_commits_on_success_and_rolls_back_on_error(database: Database) -> None:
    database.execute("CREATE TABLE scratch (n INTEGER)")
    with transaction(database.sessions) as session:
        session.execute(text("INSERT INTO scratch VALUES (1)"))

    def failing() -> None:
        with transaction(database.sessions) as session:
            session.execute(text("INSERT INTO scratch VALUES (2)"))
            raise RuntimeError("abandon")

    with pytest.raises(RuntimeError):
        failing()

    assert database.execute("SELECT n FROM scratch") == [(1,)]


def test_postgresql_reads_have_their_own_autocommit_pool(database: Database) -> None:
    if database.kind != "postgresql":
        pytest.skip("SQLite reads use the engine itself")
    engine = make_engine(database.settings)
    readers = reader(engine)
    try:
        with readers.connect() as connection:
            autocommit = connection.connection.driver_connection.autocommit
        assert readers is not engine
        assert readers is reader(engine)  # made once, with the engine
        assert autocommit
        with engine.connect() as connection:  # the engine's own pool is left as it was
            assert not connection.connection.driver_connection.autocommit
    finally:
        engine.dispose()
    assert readers.pool.checkedin() == 0  # disposed with the engine
