"""Collections: what the organization keeps, why, for how long, and the reasons to reveal it.

17.03(2) data minimization (a stated purpose and a retention rule per collection) and 17.04(2)
(a reveal must give one of the organization's listed reasons). Canary records live here too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from wisp.audit.events import Action, DetailValue, Target
from wisp.errors import Conflict, InvalidInput, NotFound
from wisp.identity.roles import Permission
from wisp.storage.ids import new_id
from wisp.vault import repository
from wisp.vault.access import Actor, actor_label, allowed
from wisp.vault.canaries import canary_value
from wisp.vault.context import CollectionRef, Layout, VaultContext, field_view
from wisp.vault.repository import StoredRow
from wisp.vault.sealing import check_values, index_rows, record_row, seal_values
from wisp.vault.views import (
    CollectionChange,
    CollectionSpec,
    CollectionView,
    ReasonView,
    RetentionBasis,
    check_reason,
)

__all__ = [
    "MAX_CANARIES",
    "add_canaries",
    "add_reason",
    "create_collection",
    "find_reason",
    "get_collection",
    "list_collections",
    "remove_reason",
]

MAX_CANARIES = 1000


def _target(collection_id: uuid.UUID) -> Target:
    return Target("vault_collection", collection_id)


def _views(conn: Connection, rows: Sequence[StoredRow]) -> list[CollectionView]:
    ids = [row.id for row in rows]
    fields: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    reasons: dict[uuid.UUID, list[ReasonView]] = {i: [] for i in ids}
    for f in repository.fields_of(conn, ids):
        fields[f.collection_id].append(field_view(f))
    for r in repository.active_reasons(conn, ids):
        reasons[r.collection_id].append(ReasonView(r.id, r.label))
    counts = repository.record_counts(conn)
    return [
        CollectionView(
            id=row.id,
            name=row.name,
            purpose=row.purpose,
            fields=tuple(fields[row.id]),
            reasons=tuple(reasons[row.id]),
            retention_days=row.retention_days,
            retention_basis=RetentionBasis(row.retention_basis),
            created_at=row.created_at,
            records=counts.get(row.id, 0),
        )
        for row in rows
    ]


def _can_see(actor: Actor, name: str) -> bool:
    return allowed(actor, Permission.RECORDS_READ, collection=name) or allowed(
        actor, Permission.COLLECTIONS_MANAGE, collection=name
    )


def create_collection(
    ctx: VaultContext, actor: Actor, spec: CollectionSpec, *, source: str | None = None
) -> CollectionView:
    """Define a collection; Conflict if the name is taken. Audited CONFIG_CHANGED."""
    if not allowed(actor, Permission.COLLECTIONS_MANAGE, collection=spec.name):
        ctx.require(actor, Permission.COLLECTIONS_MANAGE, Action.CONFIG_CHANGED, source=source)
    cid, now = uuid.uuid4(), ctx.now()
    row = {
        "id": cid,
        "name": spec.name,
        "purpose": spec.purpose,
        "retention_days": spec.retention_days,
        "retention_basis": spec.retention_basis.value,
        "created_at": now,
        "created_by": actor_label(actor),
    }
    fields = [
        {
            "id": uuid.uuid4(),
            "collection_id": cid,
            "position": position,
            "name": f.name,
            "type": f.type.value,
            "classification": f.classification.value,
            "required": f.required,
            "indexed": f.indexed,
            "max_length": f.max_length,
        }
        for position, f in enumerate(spec.fields)
    ]
    reasons = [_reason_row(cid, label, now) for label in spec.reasons]
    with ctx.writing() as (write, conn):
        if repository.collection_by_name(conn, spec.name) is not None:
            raise Conflict(f"collection {spec.name!r} exists already")
        repository.insert_collection(conn, row, fields, reasons)
        details: dict[str, DetailValue] = {
            "collection": cid,
            "change": CollectionChange.CREATED,
            "fields": len(fields),
        }
        ctx.record(write, Action.CONFIG_CHANGED, actor, _target(cid), details, source=source)
        created = repository.collection_by_id(conn, cid)
        assert created is not None  # inserted just above, in this transaction
        return _views(conn, [created])[0]


def _reason_row(cid: uuid.UUID, label: str, now: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "collection_id": cid, "label": label, "created_at": now}


def list_collections(ctx: VaultContext, actor: Actor) -> tuple[CollectionView, ...]:
    """The collections `actor` may read or manage, by name."""
    with ctx.reading() as conn:
        rows = [row for row in repository.collections(conn) if _can_see(actor, row.name)]
        return tuple(_views(conn, rows))


def get_collection(ctx: VaultContext, actor: Actor, ref: CollectionRef) -> CollectionView:
    """One collection with its fields, reasons and record count."""
    with ctx.reading() as conn:
        layout = ctx.layout(conn, ref)
        if not _can_see(actor, layout.name):
            ctx.require(actor, Permission.RECORDS_READ, Action.ACCESS_DENIED, collection=layout)
        row = repository.collection_by_id(conn, layout.id)
        if row is None:
            raise NotFound("no such collection")
        return _views(conn, [row])[0]


def find_reason(conn: Connection, layout: Layout, reason: str | uuid.UUID) -> ReasonView:
    """The active reason a caller named, by label (case-insensitive) or id; InvalidInput else.

    The message never repeats what was given: a reason is free text.
    """
    wanted = reason.strip().casefold() if isinstance(reason, str) else None
    for row in repository.active_reasons(conn, [layout.id]):
        if row.id == reason or (wanted is not None and row.label.casefold() == wanted):
            return ReasonView(row.id, row.label)
        if wanted is not None and str(row.id) == wanted:
            return ReasonView(row.id, row.label)
    raise InvalidInput(
        f"the reason given is not one of collection {layout.name!r}'s listed reasons"
        f" (see `wisp collections show {layout.name}`)"
    )


def _manage(ctx: VaultContext, actor: Actor, layout: Layout, source: str | None) -> None:
    ctx.require(
        actor,
        Permission.COLLECTIONS_MANAGE,
        Action.CONFIG_CHANGED,
        collection=layout,
        target=_target(layout.id),
        source=source,
    )


def add_reason(
    ctx: VaultContext, actor: Actor, ref: CollectionRef, label: str, *, source: str | None = None
) -> CollectionView:
    """List a reason (or bring a removed one back); Conflict if it is listed already."""
    text = check_reason(label)
    layout = ctx.find(ref)
    _manage(ctx, actor, layout, source)
    with ctx.writing() as (write, conn):
        listed = {r.label.casefold(): r for r in repository.active_reasons(conn, [layout.id])}
        if text.casefold() in listed:
            raise Conflict(f"collection {layout.name!r} lists that reason already")
        existing = repository.reason_by_label(conn, layout.id, text)
        if existing is not None:
            repository.set_reason_retired(conn, existing.id, None)
            reason_id = existing.id
        else:
            row = _reason_row(layout.id, text, ctx.now())
            repository.insert_reason(conn, row)
            reason_id = row["id"]
        details: dict[str, DetailValue] = {
            "collection": layout.id,
            "change": CollectionChange.REASON_ADDED,
            "reason": reason_id,
        }
        ctx.record(write, Action.CONFIG_CHANGED, actor, _target(layout.id), details, source=source)
    return get_collection(ctx, actor, layout.id)


def remove_reason(
    ctx: VaultContext, actor: Actor, ref: CollectionRef, label: str, *, source: str | None = None
) -> CollectionView:
    """Retire a listed reason: no new reveal may give it; the audit log keeps its id."""
    layout = ctx.find(ref)
    _manage(ctx, actor, layout, source)
    with ctx.writing() as (write, conn):
        reason = find_reason(conn, layout, label)
        repository.set_reason_retired(conn, reason.id, ctx.now())
        details: dict[str, DetailValue] = {
            "collection": layout.id,
            "change": CollectionChange.REASON_REMOVED,
            "reason": reason.id,
        }
        ctx.record(write, Action.CONFIG_CHANGED, actor, _target(layout.id), details, source=source)
    return get_collection(ctx, actor, layout.id)


def add_canaries(
    ctx: VaultContext, actor: Actor, ref: CollectionRef, count: int, *, source: str | None = None
) -> int:
    """Add `count` decoy records; a reveal of one is audited with `"canary": true`.

    Canaries are listed, searched and masked like every other record, and a reveal of one looks
    like any reveal to its caller. Their `created_by` is borrowed from a real record of the
    collection where there is one, so that it does not single them out in a listing. The
    trade-off: the flag is a column, so someone who can query the database (or read the
    audit log's CONFIG_CHANGED entry and the records created at that moment) can tell them
    apart; they catch misuse through wisp, not a database administrator.
    """
    if not 1 <= count <= MAX_CANARIES:
        raise InvalidInput(f"add 1-{MAX_CANARIES} canaries at a time")
    with ctx.reading() as conn:
        layout = ctx.layout(conn, ref)
        creators = repository.creators(conn, layout.id) or [actor_label(actor)]
    _manage(ctx, actor, layout, source)
    now = ctx.now()
    records, indexes = [], []
    for position in range(count):
        values = check_values(layout, {f.name: canary_value(f) for f in layout.fields})
        sealed = seal_values(layout, new_id(), values, ctx.keys)
        by = creators[position % len(creators)]
        records.append(record_row(layout, sealed, canary=True, at=now, by=by))
        indexes += index_rows(layout, sealed)
    with ctx.writing() as (write, conn):
        repository.insert_records(conn, records, indexes)
        details: dict[str, DetailValue] = {
            "collection": layout.id,
            "change": CollectionChange.CANARIES_ADDED,
            "count": count,
        }
        ctx.record(write, Action.CONFIG_CHANGED, actor, _target(layout.id), details, source=source)
    return count
