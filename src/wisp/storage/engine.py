"""17.03(2)(j): the one place that opens the database: SQLite in the state directory, or PostgreSQL.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction is begun
by wisp itself, so that a writer can take the write lock up front (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Dialect, Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import InvalidatePoolError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from wisp.errors import StorageError

if TYPE_CHECKING:
    from wisp.config import Settings

__all__ = [
    "BUSY_TIMEOUT_MS",
    "IDLE_PING_SECONDS",
    "SQLITE_FILE",
    "WRITE_LOCK",
    "check_connection",
    "database_url",
    "describe",
    "is_sqlite",
    "make_engine",
    "reader",
]

SQLITE_FILE = "wisp.sqlite3"
#: How long a SQLite writer waits for another's lock before failing, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
#: Execution option: begin this connection's transaction holding the database's write lock.
WRITE_LOCK = "wisp_write_lock"
#: A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0
_CHECKED_IN = "wisp_checked_in"
#: PostgreSQL engines made by `make_engine`, each with its pool for autocommit reads.
_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def database_url(settings: Settings) -> URL:
    """`WISP_DATABASE_URL` if set (validated already), else SQLite in the state directory."""
    if settings.database_url is not None:
        return make_url(settings.database_url.get_secret_value())
    return URL.create("sqlite+pysqlite", database=str(settings.home / SQLITE_FILE))


def _prepare_sqlite_file(path: Path) -> None:
    # The file holds the vault's ciphertexts and the audit log: 0600 from its first byte.
    # SQLite gives its -wal and -shm files the same mode as the database file.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(f"cannot create database {path}: {exc.strerror}") from exc


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling begins late and cannot take the write lock up
    # front; switch it off and let `_on_sqlite_begin` begin every transaction instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads, then writes, fails with SQLITE_BUSY when another
    # writer committed in between; a writer must hold the lock from its first statement.
    immediate = connection.get_execution_options().get(WRITE_LOCK, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _idle_pinger(dialect: Dialect) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if not dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            # As pre-ping does: the server went away, so every pooled connection is suspect;
            # the pool drops them all and hands out a new one.
            raise InvalidatePoolError("the database closed an idle connection") from exc

    return ping_if_idle


def _ping_idle_connections(engine: Engine) -> None:
    # Instead of `pool_pre_ping`, whose `SELECT 1` is a round trip on every checkout: 10-15%
    # of a one-row write. What it guards against, a server that dropped a connection while it
    # sat in the pool (a restart, an idle timeout), is what an idle connection risks, so only
    # those are pinged. A connection used within the last IDLE_PING_SECONDS that has died
    # anyway fails its first statement; SQLAlchemy sees the disconnect and invalidates the
    # whole pool, so that at most one statement per pool fails per server restart (pre-ping
    # would have caught it; a restart during a statement fails that statement either way).
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _idle_pinger(engine.dialect))


def make_engine(settings: Settings, **options: Any) -> Engine:
    """The engine for `settings`; `options` go to `create_engine` (tests set pool sizes)."""
    url = database_url(settings)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _prepare_sqlite_file(Path(url.database))
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    options.setdefault("connect_args", {"application_name": "wisp"})
    engine = create_engine(url, **options)
    # Reads get a pool of their own, whose connections stay in autocommit: a shared pool
    # would switch each connection into autocommit and back on every checkout.
    readers = create_engine(url, isolation_level="AUTOCOMMIT", **options)
    for each in (engine, readers):
        if not options.get("pool_pre_ping"):
            _ping_idle_connections(each)
    _READERS[engine] = readers
    event.listen(engine, "engine_disposed", lambda _engine: readers.dispose())
    return engine


def is_sqlite(engine: Engine | Connection) -> bool:
    """Whether `engine` (or connection) talks to SQLite."""
    return engine.dialect.name == "sqlite"


def describe(engine: Engine) -> str:
    """The engine's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """StorageError, naming the database but never its password, if it cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        raise StorageError(f"cannot reach the database {describe(engine)} ({reason})") from exc


def reader(engine: Engine) -> Engine:
    """`engine` for single-statement reads: autocommit on PostgreSQL, itself on SQLite.

    A single statement is atomic on its own: in autocommit it takes one round trip instead of
    three (BEGIN, SELECT, ROLLBACK). An engine from `make_engine` has a pool of its own for
    these reads (disposed with it); any other shares the engine's. SQLite's BEGIN is a local
    call, and wisp begins every SQLite transaction itself.
    """
    if engine.dialect.name == "postgresql":
        found = _READERS.get(engine)
        return found or engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine
