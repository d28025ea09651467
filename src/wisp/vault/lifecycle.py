"""Retention by crypto-shredding, and key rotation by re-wrapping (or resealing) every record.

17.03(2) data minimization and M.G.L. 93I disposal: records past their collection's retention
period are shredded. 17.04(5) and 17.04(1)(c): keys rotate without taking the vault offline.

Shredding deletes the record's row: its wrapped data key, its blind indexes and its
ciphertexts. On SQLite the freed pages are zeroed (`secure_delete`) and the sweep ends by
emptying the write-ahead log into the database, so the bytes are gone from its files too (a
single `delete_record` leaves its old pages in the log until the next sweep or checkpoint).
What it cannot reach is a copy made before: a backup still holds the wrapped key next to the
ciphertexts, and opens while the KEK version that wrapped it exists. Keep backups no longer
than the shortest retention period, or rotate keys and retire old versions on that schedule.

Rotation works online in batches: each batch is read, re-wrapped outside any transaction, then
written in a short one that skips records changed meanwhile. Readers keep working throughout,
because every wrapped key names its KEK version and old versions stay in the provider.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wisp.audit.events import Action, Outcome, SystemActor, Target
from wisp.identity.roles import Permission
from wisp.vault import repository
from wisp.vault.access import Actor
from wisp.vault.context import VaultContext
from wisp.vault.crypto import RecordRef
from wisp.vault.envelope import SealedRecord, rewrap
from wisp.vault.models import pack_fields
from wisp.vault.repository import StoredRow
from wisp.vault.sealing import index_rows, open_values, seal_values
from wisp.vault.views import KeyStatus, RetentionBasis, RetentionResult, RotationResult

__all__ = ["enforce_retention", "key_status", "rotate_keys"]


def _key_target(version: int) -> Target:
    return Target("vault_key", version)


# Retention ---------------------------------------------------------------------------------


def _shred_expired(ctx: VaultContext, row: StoredRow, now: datetime, actor: Actor) -> int:
    cutoff = now - timedelta(days=row.retention_days)
    by_updated = row.retention_basis == RetentionBasis.UPDATED.value
    total = 0
    while True:
        with ctx.writing() as (write, conn):
            ids = repository.expired_ids(conn, row.id, by_updated, cutoff, ctx.batch_size)
            if not ids:
                return total
            repository.secure_delete(conn)
            count = repository.delete_records(conn, ids)
            details = {"collection": row.id, "count": count, "retention_days": row.retention_days}
            target = Target("vault_collection", row.id)
            ctx.record(write, Action.RECORD_SHREDDED, actor, target, details)
        total += count
        if len(ids) < ctx.batch_size:
            return total


def enforce_retention(
    ctx: VaultContext, now: datetime | None = None, actor: Actor = SystemActor.SYSTEM
) -> RetentionResult:
    """Shred every record older than its collection's retention period, per collection.

    Audited RECORD_SHREDDED per batch, with the collection and the count (never record ids:
    the entry outlives the records, and ids alone say nothing).
    """
    moment = ctx.now() if now is None else now
    with ctx.reading() as conn:
        rows = [row for row in repository.collections(conn) if row.retention_days is not None]
    shredded = {row.name: _shred_expired(ctx, row, moment, actor) for row in rows}
    if any(shredded.values()):
        with ctx.engine.connect() as conn:
            repository.truncate_log(conn)
    return RetentionResult({name: count for name, count in shredded.items() if count})


# Keys --------------------------------------------------------------------------------------


def key_status(ctx: VaultContext, actor: Actor) -> KeyStatus:
    """The provider's versions and the records under each (KEYS_MANAGE)."""
    ctx.require(actor, Permission.KEYS_MANAGE, Action.ACCESS_DENIED)
    with ctx.reading() as conn:
        counts = repository.version_counts(conn)
    keys = ctx.provider
    return KeyStatus(type(keys).NAME, keys.current().version, keys.versions(), counts)


def _rewrapped(ctx: VaultContext, rows: list[StoredRow]) -> list[dict[str, Any]]:
    updates = []
    for row in rows:
        ref = RecordRef(str(row.collection_id), str(row.id))
        moved = rewrap(SealedRecord(ref, row.wrapped_key, {}), ctx.keys)
        if moved.kek_version != row.kek_version:
            updates.append(
                {
                    "record_id": row.id,
                    "old": row.kek_version,
                    "version": moved.kek_version,
                    "wrapped": moved.wrapped_key,
                }
            )
    return updates


def _resealed(ctx: VaultContext, rows: list[StoredRow]) -> list[tuple[StoredRow, Any, list[Any]]]:
    out = []
    with ctx.reading() as conn:
        layouts = {cid: ctx.layout(conn, cid) for cid in {row.collection_id for row in rows}}
    for row in rows:
        layout = layouts[row.collection_id]
        sealed = seal_values(layout, row.id, open_values(layout, row, ctx.keys), ctx.keys)
        out.append((row, sealed, index_rows(layout, sealed)))
    return out


def _write_resealed(ctx: VaultContext, batch: list[tuple[StoredRow, Any, list[Any]]]) -> int:
    done = 0
    with ctx.writing() as (_write, conn):
        for row, sealed, indexes in batch:
            values = {
                "kek_version": sealed.kek_version,
                "wrapped_key": sealed.wrapped_key,
                "sealed": pack_fields(sealed.fields),
            }
            # Skipped if someone changed the record since it was read: the change re-keyed it.
            if repository.reseal_if_unchanged(conn, row.id, row.wrapped_key, values):
                repository.replace_indexes(conn, [row.id], indexes)
                done += 1
    return done


@dataclass(slots=True)
class _Progress:
    rewrapped: int = 0
    resealed: int = 0


def _move_all(ctx: VaultContext, version: int, reseal: bool, progress: _Progress) -> None:
    after: uuid.UUID | None = None
    while True:
        with ctx.reading() as conn:
            below = None if reseal else version
            rows = list(repository.records_below_version(conn, below, after, ctx.batch_size))
        if not rows:
            return
        after = rows[-1].id
        if reseal:
            progress.resealed += _write_resealed(ctx, _resealed(ctx, rows))
        else:
            updates = _rewrapped(ctx, rows)
            with ctx.writing() as (_write, conn):
                progress.rewrapped += repository.set_wrapped_keys(conn, updates)


def rotate_keys(
    ctx: VaultContext, actor: Actor, *, reseal: bool = False, new_key: bool = True
) -> RotationResult:
    """A new KEK version (unless not `new_key`), then every record's data key wrapped under it;
    with `reseal`, every record re-encrypted under a fresh data key and re-indexed as well.

    Audited KEY_ROTATED (the new version) and KEY_REWRAPPED (the counts); ReadOnlyKeys from a
    provider that cannot make keys (rotate those at their source, then run with new_key=False).
    """
    ctx.require(actor, Permission.KEYS_MANAGE, Action.KEY_ROTATED)
    if new_key:
        version = ctx.keys.rotate().version
        ctx.record(None, Action.KEY_ROTATED, actor, _key_target(version), {"version": version})
    else:
        version = ctx.keys.current().version
    progress = _Progress()
    outcome = Outcome.ERROR
    try:
        _move_all(ctx, version, reseal, progress)
        outcome = Outcome.SUCCESS
    finally:
        details = {
            "version": version,
            "rewrapped": progress.rewrapped,
            "resealed": progress.resealed,
        }
        target = _key_target(version)
        ctx.record(None, Action.KEY_REWRAPPED, actor, target, details, outcome=outcome)
    return RotationResult(version, progress.rewrapped, progress.resealed)
