"""What every vault operation shares: database, audit log, keys, clock, and collection layouts.

17.04(5) and 17.04(4): every change commits with its audit entry, in one transaction.

A collection's layout (its id, name and fields) never changes once created, so it is read once
per process and cached: a masked read is then one query. What does change (reasons, retention)
is always read from the database.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import NoReturn

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from wisp.audit.events import Action, AuditEvent, DetailValue, Outcome, Target
from wisp.audit.service import AuditedWrite, AuditLog, Carried
from wisp.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StorageError
from wisp.identity.roles import Permission
from wisp.storage.engine import reader
from wisp.storage.session import SessionFactory, bound_engine
from wisp.vault import repository
from wisp.vault.access import Actor, allowed, audit_actor
from wisp.vault.keys import KeyProvider
from wisp.vault.memokeys import MemoKeys
from wisp.vault.repository import StoredRow
from wisp.vault.views import NAME_PATTERN, Classification, FieldType, FieldView

__all__ = ["CollectionRef", "Layout", "VaultContext", "field_view", "shown_name"]

#: A collection as callers name it: by name, or by id.
CollectionRef = str | uuid.UUID


def _utc_now() -> datetime:
    return datetime.now(UTC)


def shown_name(name: object, kind: str = "field") -> str:
    """A name from a request as a message may repeat it: only if it is a well-formed name, as
    a value typed into the wrong box might be PI."""
    if isinstance(name, str) and NAME_PATTERN.fullmatch(name):
        return f"{kind} {name!r}"
    return f"a {kind} with a malformed name"


def field_view(row: StoredRow) -> FieldView:
    """A field row as a view."""
    return FieldView(
        id=row.id,
        name=row.name,
        classification=Classification(row.classification),
        type=FieldType(row.type),
        required=row.required,
        indexed=row.indexed,
        max_length=row.max_length,
    )


@dataclass(frozen=True, slots=True)
class Layout:
    """A collection's immutable part: id, name and fields. `key` is what AADs bind."""

    id: uuid.UUID
    name: str
    fields: tuple[FieldView, ...]
    by_name: Mapping[str, FieldView] = field(init=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", MappingProxyType({f.name: f for f in self.fields}))
        object.__setattr__(self, "key", str(self.id))

    def field(self, name: object) -> FieldView:
        """The field called `name`; InvalidInput naming it (if it is a name) otherwise."""
        found = self.by_name.get(name) if isinstance(name, str) else None
        if found is None:
            raise InvalidInput(f"collection {self.name!r} has no {shown_name(name)}")
        return found


class VaultContext:
    """The vault's shared dependencies; see the module docstring."""

    def __init__(
        self,
        sessions: SessionFactory,
        audit: AuditLog,
        keys: KeyProvider,
        *,
        clock: Callable[[], datetime] | None = None,
        batch_size: int = 500,
    ) -> None:
        bind = bound_engine(sessions)
        self.engine: Engine = bind
        self._reader: Engine = reader(bind)
        self.sessions = sessions
        self.audit = audit
        #: The provider as configured, and the same keys with their subkeys derived once.
        self.provider = keys
        self.keys: KeyProvider = MemoKeys(keys)
        self.batch_size = batch_size
        self._clock = clock or _utc_now
        self._layouts: dict[uuid.UUID, Layout] = {}
        self._names: dict[str, uuid.UUID] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        return self._clock().astimezone(UTC)

    # Transactions ----------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A plain connection for reads (no ORM session: reads are the hot path); on PostgreSQL
        in autocommit, so each statement sees its own snapshot."""
        try:
            with self._reader.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StorageError(f"the vault's database failed ({type(exc).__name__})") from exc

    @contextmanager
    def writing(self) -> Iterator[tuple[AuditedWrite, Connection]]:
        """One write transaction: its audit writer (for `record`) and its connection (for SQL).

        A plain connection, as for reads: the vault's SQL is Core, and an ORM session would
        only add its own set-up and commit bookkeeping to every write.
        """
        try:
            with self.audit.writing() as write:
                yield write, write.connection
        except IntegrityError as exc:
            raise Conflict("it exists already, or it changed meanwhile") from exc
        except SQLAlchemyError as exc:
            raise StorageError(f"the vault's database failed ({type(exc).__name__})") from exc

    # Layouts ---------------------------------------------------------------------------------

    def find(self, ref: CollectionRef) -> Layout:
        """The collection's layout, from the cache without touching the database if it is
        there; NotFound if there is no such collection."""
        cached = self._cached(ref)
        if cached is not None:
            return cached
        with self.reading() as conn:
            return self.layout(conn, ref)

    def _cached(self, ref: CollectionRef) -> Layout | None:
        cid = ref if isinstance(ref, uuid.UUID) else self._names.get(ref)
        return None if cid is None else self._layouts.get(cid)

    def layout(self, conn: Connection, ref: CollectionRef) -> Layout:
        """The collection's layout, cached; NotFound if there is no such collection."""
        cached = self._cached(ref)
        if cached is not None:
            return cached
        row = (
            repository.collection_by_id(conn, ref)
            if isinstance(ref, uuid.UUID)
            else repository.collection_by_name(conn, ref)
        )
        if row is None:
            what = shown_name(ref, "collection") if isinstance(ref, str) else "collection"
            raise NotFound(f"no such {what.removeprefix('a ')}")
        fields = tuple(field_view(f) for f in repository.fields_of(conn, [row.id]))
        layout = Layout(row.id, row.name, fields)
        with self._lock:
            self._layouts[row.id] = layout
            self._names[row.name] = row.id
        return layout

    # Audit -----------------------------------------------------------------------------------

    def record(
        self,
        write: AuditedWrite | None,
        action: Action,
        actor: Actor,
        target: Target | None,
        details: Mapping[str, DetailValue],
        *,
        source: str | None = None,
        outcome: Outcome = Outcome.SUCCESS,
        carrying: Carried | None = None,
    ) -> None:
        """Audit an event, inside `write`'s transaction if given (with the change it
        `carrying`, see `wisp.audit.repository.Carried`), else alone."""
        event = AuditEvent(action, outcome, audit_actor(actor), target, source, details)
        if write is None:
            if carrying is not None:
                raise TypeError("a change can only ride with an entry in its write transaction")
            self.audit.record(event)
        else:
            write.record(event, carrying=carrying)

    def require(
        self,
        actor: Actor,
        permission: Permission,
        action: Action,
        *,
        collection: Layout | None = None,
        fields: tuple[FieldView, ...] = (),
        target: Target | None = None,
        source: str | None = None,
    ) -> None:
        """Go on if `actor` may; else audit the attempt as DENIED and raise PermissionDenied."""
        name = collection.name if collection else None
        refused = [
            f for f in fields if not allowed(actor, permission, collection=name, field=f.name)
        ]
        if (fields and not refused) or (not fields and allowed(actor, permission, collection=name)):
            return
        details: dict[str, DetailValue] = {"permission": permission}
        if collection is not None:
            details["collection"] = collection.id
        if refused:
            details["fields"] = [f.id for f in refused]
        self.record(None, action, actor, target, details, source=source, outcome=Outcome.DENIED)
        self.deny(permission, name, refused[0].name if refused else None)

    @staticmethod
    def deny(permission: Permission, collection: str | None, field: str | None) -> NoReturn:
        """Raise PermissionDenied naming what was refused (names, never values)."""
        where = ".".join(part for part in (collection, field) if part)
        raise PermissionDenied(
            f"permission denied: {permission}" + (f" on {where}" if where else "")
        )
