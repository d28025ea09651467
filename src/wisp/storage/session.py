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

__all__ = ["SessionFactory", "make_session_factory", "transaction"]

SessionFactory = sessionmaker[Session]


def make_session_factory(engine: Engine) -> SessionFactory:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


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
