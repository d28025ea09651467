"""17.04(5): the vault's SQL, and the only place that has any; Core statements, no ORM objects.

Reads of records are the hot path (masked reads by the web app), so each is one prepared
statement on a plain connection, built once per process and cached compiled by SQLAlchemy.
Writers run inside the caller's transaction (`AuditLog.writing`), which also holds the audit
entry of the change; a record's own statements are built once too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Insert,
    Row,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)

from wisp.audit.repository import Carried
from wisp.storage.prepared import Prepared, PreparedFamily
from wisp.vault.models import VaultCollection, VaultField, VaultIndex, VaultReason, VaultRecord

__all__ = [
    "RECORD_COLUMNS",
    "StoredRow",
    "active_reasons",
    "collection_by_id",
    "collection_by_name",
    "collections",
    "creators",
    "delete_records",
    "expired_ids",
    "fields_of",
    "get_record",
    "index_rows",
    "insert_collection",
    "insert_indexes",
    "insert_reason",
    "insert_record",
    "insert_records",
    "page_records",
    "reason_by_label",
    "record_counts",
    "records_below_version",
    "records_by_ids",
    "records_in_collection",
    "replace_indexes",
    "reseal_if_unchanged",
    "search_records",
    "secure_delete",
    "set_reason_retired",
    "set_wrapped_keys",
    "truncate_log",
    "update_record",
    "version_counts",
]

#: A row of a vault table as read, its columns by attribute.
StoredRow = Row[*tuple[Any, ...]]

_C = cast(Table, VaultCollection.__table__)
_F = cast(Table, VaultField.__table__)
_REASON = cast(Table, VaultReason.__table__)
_R = cast(Table, VaultRecord.__table__)
_I = cast(Table, VaultIndex.__table__)

#: What a read of a record returns: everything but the collection (the caller knows it).
RECORD_COLUMNS = (
    _R.c.id,
    _R.c.wrapped_key,
    _R.c.sealed,
    _R.c.canary,
    _R.c.created_at,
    _R.c.updated_at,
    _R.c.created_by,
)
_GET = select(*RECORD_COLUMNS).where(
    _R.c.id == bindparam("record_id"), _R.c.collection_id == bindparam("collection_id")
)
_GET_LOCKED = _GET.with_for_update()
# A masked read by id is the API's hottest statement: run through `Prepared`.
_PREPARED_GET = Prepared(_GET)
_PREPARED_GET_LOCKED = Prepared(_GET_LOCKED)
_ORDER = (_R.c.created_at, _R.c.id)
_INSERT_RECORD = insert(_R)
_INSERT_INDEX = insert(_I)
_UPDATE_RECORD = (
    update(_R)
    .where(_R.c.id == bindparam("record_id"))
    .values({c: bindparam(c) for c in ("kek_version", "wrapped_key", "sealed", "updated_at")})
)
_DELETE_INDEXES = delete(_I).where(_I.c.record_id.in_(bindparam("record_ids", expanding=True)))
_FIRST_PAGE = (
    select(*RECORD_COLUMNS)
    .where(_R.c.collection_id == bindparam("collection_id"))
    .order_by(*_ORDER)
    .limit(bindparam("limit"))
)
# The (created_at, id) of the record a page starts after; an alias, so it is never correlated.
_ANCHOR = _R.alias("anchor")
_AFTER = (
    select(_ANCHOR.c.created_at, _ANCHOR.c.id)
    .where(_ANCHOR.c.id == bindparam("after"))
    .scalar_subquery()
)
_NEXT_PAGE = (
    select(*RECORD_COLUMNS)
    .where(_R.c.collection_id == bindparam("collection_id"), tuple_(*_ORDER) > _AFTER)
    .order_by(*_ORDER)
    .limit(bindparam("limit"))
)


# Collections, fields and reasons -----------------------------------------------------------


def insert_collection(
    conn: Connection,
    collection: Mapping[str, Any],
    fields: Sequence[Mapping[str, Any]],
    reasons: Sequence[Mapping[str, Any]],
) -> None:
    """A new collection with its fields and first reasons."""
    conn.execute(insert(_C), [dict(collection)])
    conn.execute(insert(_F), [dict(f) for f in fields])
    if reasons:
        conn.execute(insert(_REASON), [dict(r) for r in reasons])


def collection_by_name(conn: Connection, name: str) -> StoredRow | None:
    """The collection called `name`."""
    return conn.execute(select(_C).where(_C.c.name == name)).first()


def collection_by_id(conn: Connection, collection_id: uuid.UUID) -> StoredRow | None:
    """The collection with this id."""
    return conn.execute(select(_C).where(_C.c.id == collection_id)).first()


def collections(conn: Connection) -> Sequence[StoredRow]:
    """Every collection, by name."""
    return conn.execute(select(_C).order_by(_C.c.name)).all()


def fields_of(conn: Connection, collection_ids: Iterable[uuid.UUID]) -> Sequence[StoredRow]:
    """The fields of some collections, in each collection's order."""
    return conn.execute(
        select(_F)
        .where(_F.c.collection_id.in_(list(collection_ids)))
        .order_by(_F.c.collection_id, _F.c.position)
    ).all()


def active_reasons(conn: Connection, collection_ids: Iterable[uuid.UUID]) -> Sequence[StoredRow]:
    """The reasons not retired of some collections, oldest first."""
    return conn.execute(
        select(_REASON)
        .where(_REASON.c.collection_id.in_(list(collection_ids)), _REASON.c.retired_at.is_(None))
        .order_by(_REASON.c.created_at, _REASON.c.label)
    ).all()


def reason_by_label(conn: Connection, collection_id: uuid.UUID, label: str) -> StoredRow | None:
    """A collection's reason with exactly this label, retired or not."""
    return conn.execute(
        select(_REASON).where(_REASON.c.collection_id == collection_id, _REASON.c.label == label)
    ).first()


def insert_reason(conn: Connection, reason: Mapping[str, Any]) -> None:
    """A new reason of a collection."""
    conn.execute(insert(_REASON), [dict(reason)])


def set_reason_retired(conn: Connection, reason_id: uuid.UUID, at: datetime | None) -> None:
    """Retire a reason (`at`), or bring it back (None)."""
    conn.execute(update(_REASON).where(_REASON.c.id == reason_id).values(retired_at=at))


def creators(conn: Connection, collection_id: uuid.UUID, limit: int = 50) -> list[str]:
    """Some of the actors who created the collection's real (not canary) records."""
    rows = conn.execute(
        select(_R.c.created_by)
        .where(_R.c.collection_id == collection_id, _R.c.canary.is_(False))
        .distinct()
        .limit(limit)
    )
    return [row[0] for row in rows]


def record_counts(conn: Connection) -> dict[uuid.UUID, int]:
    """How many records each collection holds."""
    rows = conn.execute(select(_R.c.collection_id, func.count()).group_by(_R.c.collection_id))
    return {row[0]: row[1] for row in rows}


# Records -----------------------------------------------------------------------------------


def insert_records(
    conn: Connection, records: Sequence[Mapping[str, Any]], indexes: Sequence[Mapping[str, Any]]
) -> None:
    """New records and their blind indexes (one statement each, whatever their number)."""
    conn.execute(_INSERT_RECORD, list(records))
    if indexes:
        insert_indexes(conn, indexes)


def _record_with_indexes(count: int) -> Insert:
    # PostgreSQL: a record and its `count` indexes in one statement. Each index row is plain
    # parameters (arrays cost the driver more to send than the rest of the write). The indexes'
    # foreign key is checked at the statement's end, when the record is there.
    record = insert(_R).values({c.name: bindparam(c.name, type_=c.type) for c in _R.c})
    if not count:
        return record
    rows = [
        {
            "record_id": bindparam("id", type_=_R.c.id.type),
            **{c: bindparam(f"{c}_{n}", type_=_I.c[c].type) for c in _INDEX_VALUES},
        }
        for n in range(count)
    ]
    return record.add_cte(insert(_I).values(rows).cte("indexes"))


# One record's write is the vault's hottest: its statements are run through `Prepared`.
_PREPARED_RECORD = Prepared(_INSERT_RECORD)
_PREPARED_INDEX = Prepared(_INSERT_INDEX)
_INDEX_VALUES = ("field_id", "key_version", "digest")
#: By number of indexes: one statement each, built on first use (a collection has few fields).
_RECORD_WITH_INDEXES: PreparedFamily[int] = PreparedFamily(_record_with_indexes)


def insert_record(
    conn: Connection, record: Mapping[str, Any], indexes: Sequence[Mapping[str, Any]]
) -> Carried | None:
    """One new record and its blind indexes; what its audit entry must carry, if anything.

    SQLite: written now (statements there are calls, not round trips), and None returned.
    PostgreSQL: nothing is written yet; the one statement for both is returned, for the entry
    to carry (`AuditedWrite.record(..., carrying=...)`): record, indexes, entry and head in one
    round trip. The caller must pass it on, or the record is never written.
    """
    if conn.dialect.name != "postgresql":
        _PREPARED_RECORD.execute(conn, record)
        _PREPARED_INDEX.executemany(conn, indexes)
        return None
    params = dict(record)
    for n, index in enumerate(indexes):
        if index["record_id"] != record["id"]:
            raise ValueError("an index row belongs to another record")
        for column in _INDEX_VALUES:
            params[f"{column}_{n}"] = index[column]
    return Carried(_RECORD_WITH_INDEXES[len(indexes)], params)


def insert_indexes(conn: Connection, indexes: Sequence[Mapping[str, Any]]) -> None:
    """Blind index rows: record_id, field_id, key_version, digest."""
    conn.execute(_INSERT_INDEX, list(indexes))


def get_record(
    conn: Connection, collection_id: uuid.UUID, record_id: uuid.UUID, *, lock: bool = False
) -> StoredRow | None:
    """One record of a collection (`RECORD_COLUMNS`); `lock` holds its row until commit."""
    statement = _PREPARED_GET_LOCKED if lock else _PREPARED_GET
    params = {"collection_id": collection_id, "record_id": record_id}
    row: StoredRow | None = statement.first(conn, params)
    return row


def records_by_ids(
    conn: Connection, collection_id: uuid.UUID, record_ids: Sequence[uuid.UUID]
) -> Sequence[StoredRow]:
    """Some records of a collection (`RECORD_COLUMNS`), in listing order."""
    return conn.execute(
        select(*RECORD_COLUMNS)
        .where(_R.c.collection_id == collection_id, _R.c.id.in_(list(record_ids)))
        .order_by(*_ORDER)
    ).all()


def page_records(
    conn: Connection, collection_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> Sequence[StoredRow]:
    """Up to `limit` records in creation order, after the record `after` (from the start if
    None; nothing if `after` is not a record)."""
    params: dict[str, Any] = {"collection_id": collection_id, "limit": limit}
    if after is None:
        return conn.execute(_FIRST_PAGE, params).all()
    return conn.execute(_NEXT_PAGE, {**params, "after": after}).all()


def records_in_collection(
    conn: Connection, collection_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[StoredRow]:
    """A batch of a collection's records in creation order, after a (created_at, id) key."""
    query = select(*RECORD_COLUMNS).where(_R.c.collection_id == collection_id)
    if after is not None:
        query = query.where(tuple_(*_ORDER) > tuple_(*after))
    return conn.execute(query.order_by(*_ORDER).limit(limit)).all()


def search_records(
    conn: Connection, collection_id: uuid.UUID, field_id: uuid.UUID, digests: Sequence[str]
) -> Sequence[StoredRow]:
    """The records of a collection with a blind index of `field_id` among `digests`."""
    return conn.execute(
        select(*RECORD_COLUMNS)
        .join(_I, _I.c.record_id == _R.c.id)
        .where(
            _R.c.collection_id == collection_id,
            _I.c.field_id == field_id,
            _I.c.digest.in_(list(digests)),
        )
        .order_by(*_ORDER)
    ).all()


def index_rows(conn: Connection, record_id: uuid.UUID) -> Sequence[StoredRow]:
    """The blind indexes of one record (field_id, key_version, digest)."""
    return conn.execute(
        select(_I.c.field_id, _I.c.key_version, _I.c.digest).where(_I.c.record_id == record_id)
    ).all()


def update_record(
    conn: Connection,
    record_id: uuid.UUID,
    values: Mapping[str, Any],
    indexes: Sequence[Mapping[str, Any]],
) -> None:
    """A record's new kek_version, wrapped_key, sealed and updated_at (`values`), and its
    indexes replaced."""
    conn.execute(_UPDATE_RECORD, {**values, "record_id": record_id})
    replace_indexes(conn, [record_id], indexes)


def replace_indexes(
    conn: Connection, record_ids: Sequence[uuid.UUID], indexes: Sequence[Mapping[str, Any]]
) -> None:
    """Drop the blind indexes of some records and insert `indexes` instead."""
    conn.execute(_DELETE_INDEXES, {"record_ids": list(record_ids)})
    if indexes:
        insert_indexes(conn, indexes)


def delete_records(conn: Connection, record_ids: Sequence[uuid.UUID]) -> int:
    """Delete records with their blind indexes; how many records went."""
    ids = list(record_ids)
    if not ids:
        return 0
    conn.execute(delete(_I).where(_I.c.record_id.in_(ids)))
    return conn.execute(delete(_R).where(_R.c.id.in_(ids))).rowcount


def expired_ids(
    conn: Connection, collection_id: uuid.UUID, by_updated: bool, cutoff: datetime, limit: int
) -> list[uuid.UUID]:
    """Up to `limit` records of a collection created (or updated) before `cutoff`."""
    column = _R.c.updated_at if by_updated else _R.c.created_at
    rows = conn.execute(
        select(_R.c.id)
        .where(_R.c.collection_id == collection_id, column < cutoff)
        .order_by(_R.c.id)
        .limit(limit)
    )
    return [row[0] for row in rows]


def secure_delete(conn: Connection) -> None:
    """On SQLite, have this connection overwrite what it deletes with zeros.

    PostgreSQL has no equivalent: a deleted row stays in its page until VACUUM reuses it,
    which is why shredding relies on the key, not on the delete.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def truncate_log(conn: Connection) -> bool:
    """On SQLite, copy the write-ahead log into the database and empty it, so that the pages
    deleted rows left in it are gone from disk too; whether it could (readers may hold it).

    Run on a connection with no transaction open; it waits (busy timeout) for readers.
    """
    if conn.dialect.name != "sqlite":
        return True
    raw = conn.connection.driver_connection
    assert raw is not None
    busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)


# Keys --------------------------------------------------------------------------------------


def version_counts(conn: Connection) -> dict[int, int]:
    """How many records each KEK version wraps."""
    rows = conn.execute(select(_R.c.kek_version, func.count()).group_by(_R.c.kek_version))
    return {row[0]: row[1] for row in rows}


def records_below_version(
    conn: Connection, version: int | None, after: uuid.UUID | None, limit: int
) -> Sequence[StoredRow]:
    """A batch of records, by id: (id, collection_id, kek_version, wrapped_key, sealed).

    With `version`, only records wrapped under an older KEK version; else every record.
    """
    query = select(_R.c.id, _R.c.collection_id, _R.c.kek_version, _R.c.wrapped_key, _R.c.sealed)
    if version is not None:
        query = query.where(_R.c.kek_version < version)
    if after is not None:
        query = query.where(_R.c.id > after)
    return conn.execute(query.order_by(_R.c.id).limit(limit)).all()


def set_wrapped_keys(conn: Connection, updates: Sequence[Mapping[str, Any]]) -> int:
    """Re-wrapped keys: rows of record_id, old_version, kek_version, wrapped_key.

    A record changed meanwhile (its version is no longer `old_version`) is left as it is.
    """
    if not updates:
        return 0
    statement = (
        update(_R)
        .where(and_(_R.c.id == bindparam("record_id"), _R.c.kek_version == bindparam("old")))
        .values(kek_version=bindparam("version"), wrapped_key=bindparam("wrapped"))
    )
    result = conn.execute(statement, list(updates))
    return result.rowcount


def reseal_if_unchanged(
    conn: Connection, record_id: uuid.UUID, old_wrapped: bytes, values: Mapping[str, Any]
) -> bool:
    """A record's new wrapped key and ciphertexts, its times untouched; only if its wrapped key
    is still `old_wrapped` (any change re-keys a record). Whether it was written."""
    result = conn.execute(
        update(_R).where(_R.c.id == record_id, _R.c.wrapped_key == old_wrapped).values(**values)
    )
    return result.rowcount == 1
