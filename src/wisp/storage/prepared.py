"""Statements on the hottest write paths, compiled once and run straight on the driver's cursor.

Every vault write appends an audit entry (17.04(4)) and so runs five statements where a plain
insert runs one. Through `Connection.execute` each costs SQLAlchemy's per-execution work (an
execution context, parameter processing, a result object): 20-50 us, a whole plain write's worth
over the five. A `Prepared` statement keeps what SQLAlchemy does once (compiling the Core
statement for the dialect, and each parameter's bind processor from its column type) and does
per call only what must be: process the values and call the DBAPI cursor of the connection's
own transaction.

The same holds for the hottest reads (an API token's context, a record by id): a select's rows
come back as named tuples, each column's value processed by its type as SQLAlchemy would
(`first`, `all`).
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import closing, contextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared", "PreparedFamily"]

_Processor = Callable[[Any], Any] | None
_Key = TypeVar("_Key", bound=Hashable)
_Value = TypeVar("_Value")


class _Form:
    """One statement compiled for one dialect: its SQL, and how to turn values into arguments."""

    __slots__ = ("binds", "defaults", "names", "positional", "results", "row", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError("only a SQL statement can be prepared")
        if "POSTCOMPILE" in compiled.string:
            # Expanding (IN) and literal-execute parameters are rendered per call.
            raise TypeError("a Prepared statement cannot have parameters rendered per call")
        self.sql = compiled.string
        self.positional = compiled.positional
        # Each parameter by the name the SQL gives it, in the order a positional style wants.
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        if compiled.positional:
            self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        else:
            self.names = tuple(by_name)
        self.binds: tuple[tuple[str, _Processor], ...] = tuple(
            (name, _processor(by_name[name].type, dialect)) for name in self.names
        )
        # Values fixed in the statement itself (`where(id == 1)`), not given per call.
        self.defaults: dict[str, Any] = {
            name: by_name[name].value for name in self.names if not by_name[name].required
        }
        # A select's columns: each value through its type's result processor, named as
        # `Row` would name it.
        columns = list(statement.selected_columns) if isinstance(statement, Select) else []
        self.results: tuple[_Processor, ...] = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        self.row: Callable[..., tuple[Any, ...]] = namedtuple(  # type: ignore[misc]
            "PreparedRow", [c.key or f"column_{n}" for n, c in enumerate(columns)], rename=True
        )

    def arguments(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = []
        for name, process in self.binds:
            try:
                value = params[name]
            except KeyError:
                if name not in self.defaults:
                    raise TypeError(f"a value for parameter {name!r} is required") from None
                value = self.defaults[name]
            values.append(value if process is None else process(value))
        return values if self.positional else dict(zip(self.names, values, strict=True))

    def processed(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return self.row(
            *(v if p is None or v is None else p(v) for p, v in zip(self.results, row, strict=True))
        )


def _memoized(
    cache: MutableMapping[_Key, _Value],
    lock: threading.Lock,
    key: _Key,
    build: Callable[[_Key], _Value],
) -> _Value:
    """`cache[key]`, built by `build(key)` the first time, once even if threads race."""
    found = cache.get(key)
    if found is None:
        with lock:
            found = cache.get(key)
            if found is None:
                found = cache[key] = build(key)
    return found


def _processor(type_: Any, dialect: Dialect) -> _Processor:
    # What SQLAlchemy itself applies: the type as this dialect implements it, then its processor.
    processor: _Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


class Prepared:
    """A Core statement run on the DBAPI cursor of a connection's current transaction.

    Compiled once per dialect, on first use. Database errors are raised as SQLAlchemy raises
    them (`IntegrityError`, `OperationalError`...) with their parameters hidden, and a lost
    connection is invalidated as `Connection.execute` would.
    """

    __slots__ = ("_forms", "_lock", "_statement")

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._forms: weakref.WeakKeyDictionary[Dialect, _Form] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    @property
    def statement(self) -> ClauseElement:
        """The Core statement this runs."""
        return self._statement

    def _form(self, dialect: Dialect) -> _Form:
        return _memoized(self._forms, self._lock, dialect, lambda d: _Form(self._statement, d))

    @contextmanager
    def _executed(
        self, conn: Connection, params: Mapping[str, Any] | None
    ) -> Iterator[tuple[_Form, Any]]:
        """Run once with `params`; the form and the cursor, to read from until the block ends."""
        form = self._form(conn.dialect)
        arguments = form.arguments(params or {})
        with closing(conn.connection.cursor()) as cursor:
            self._run(conn, form, lambda: cursor.execute(form.sql, arguments))
            yield form, cursor

    def execute(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """Run once with `params`; the driver's row count."""
        with self._executed(conn, params) as (_, cursor):
            return int(cursor.rowcount)

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row of `rows`, in one driver call."""
        if not rows:
            return
        form = self._form(conn.dialect)
        arguments: Any = [form.arguments(row) for row in rows]
        with closing(conn.connection.cursor()) as cursor:
            self._run(conn, form, lambda: cursor.executemany(form.sql, arguments))

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Any:
        """The first row (a named tuple of processed values), or None."""
        with self._executed(conn, params) as (form, cursor):
            row = cursor.fetchone()
            return None if row is None else form.processed(row)

    def all(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row (named tuples of processed values)."""
        with self._executed(conn, params) as (form, cursor):
            return [form.processed(row) for row in cursor.fetchall()]

    @staticmethod
    def _run(conn: Connection, form: _Form, call: Callable[[], Any]) -> None:
        dialect = conn.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        try:
            call()
        except dbapi_error as exc:
            lost = dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                form.sql,
                None,
                exc,
                dbapi_error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            ) from exc


class PreparedFamily(Generic[_Key]):
    """Statements of one shape that differ by a key (how many rows, which statement rides
    along), each built by `build(key)` on first use and kept."""

    __slots__ = ("_build", "_lock", "_members")

    def __init__(self, build: Callable[[_Key], ClauseElement]) -> None:
        self._build = build
        self._members: dict[_Key, Prepared] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: _Key) -> Prepared:
        return _memoized(self._members, self._lock, key, lambda k: Prepared(self._build(k)))
