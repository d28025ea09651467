"""Sessions: one factory per engine, and transactions that commit on success, roll back on error.

A writer that reads before it writes (the audit chain's head) asks for `write=True`: on SQLite
its transaction then begins with the database's write lock (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from wisp.storage.engine import WRITE_LOCK

__all__ = ["SessionFactory", "bound_engine", "make_session_factory", "transaction", "write_locked"]

SessionFactory = sessionmaker[Session]


def make_session_factory(engine: Engine) -> SessionFactory:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def bound_engine(sessions: SessionFactory) -> Engine:
    """The engine `sessions` are bound to; TypeError if they are bound to something else."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("sessions bound to an engine are required")
    return bind


def write_locked(engine: Engine) -> Engine:
    """`engine` whose transactions begin holding SQLite's write lock, as `write=True` sessions
    do: `with write_locked(engine).begin() as connection`. Make it once: it is a new engine
    object (sharing the pool) each time."""
    return engine.execution_options(**{WRITE_LOCK: True})


@contextmanager
def transaction(sessions: SessionFactory, *, write: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back if it raises.

    `write=True` takes SQLite's write lock before the first statement; on PostgreSQL it changes
    nothing, and writers serialize on the rows they lock (`SELECT ... FOR UPDATE`).
    """
    with sessions() as session, session.begin():
        if write:
            session.connection(execution_options={WRITE_LOCK: True})
        yield session
