"""Helpers every identity repository module shares: row counts, and insert-if-absent."""

from __future__ import annotations

from typing import Any, Final, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["NO_SYNC", "changed", "insert_ignore"]

#: Bulk statements here never touch loaded objects; the ORM need not synchronize any.
NO_SYNC: Final = {"synchronize_session": False}


def changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def insert_ignore(session: Session, model: Any, **values: Any) -> None:
    """Insert a row unless its key exists; the row is then there to lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(model).values(**values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(model).values(**values).on_conflict_do_nothing())
