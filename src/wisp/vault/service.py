"""The vault service: records kept sealed, read masked, revealed only with a reason, audited.

17.04(5) encryption at rest; 17.04(2) access only for those who need it (masked by default, a
reveal per field with a listed reason); 17.04(4) every reveal, export, import and change in the
audit log; 17.03(2) retention and M.G.L. 93I disposal by crypto-shredding.

Masked reads (`get_record`, `list_records`, `search`) are the hot path and are not audited:
an audit entry takes the log's head lock, which would serialize every read. Everything else that
touches PI is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from wisp.audit.events import Action, DetailValue, Outcome, SystemActor, Target
from wisp.audit.service import AuditLog
from wisp.errors import DecryptionError, InvalidInput, NotFound
from wisp.identity.roles import Permission
from wisp.storage.ids import new_id
from wisp.storage.session import SessionFactory
from wisp.vault import catalog, exporting, importing, lifecycle, repository
from wisp.vault.access import Actor, actor_label, allowed
from wisp.vault.context import CollectionRef, Layout, VaultContext
from wisp.vault.envelope import search_terms
from wisp.vault.keys import KeyProvider
from wisp.vault.masking import mask
from wisp.vault.models import pack_fields
from wisp.vault.sealing import (
    check_values,
    index_rows,
    masked_view,
    open_values,
    record_row,
    seal_values,
)
from wisp.vault.values import clean_value, index_form
from wisp.vault.views import (
    CollectionSpec,
    CollectionView,
    ExportFormat,
    ExportResult,
    FieldValue,
    FieldView,
    ImportResult,
    KeyStatus,
    ProposedField,
    RecordPage,
    RecordView,
    RetentionResult,
    RevealView,
    RotationResult,
)

__all__ = ["MAX_PAGE", "VaultService"]

MAX_PAGE = 500


def _target(record_id: uuid.UUID) -> Target:
    return Target("vault_record", record_id)


def _record_id(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("no such record") from None


class VaultService:
    """One installation's vault (see the module docstring). Thread-safe; one per process."""

    def __init__(
        self,
        sessions: SessionFactory,
        audit: AuditLog,
        keys: KeyProvider,
        *,
        clock: Callable[[], datetime] | None = None,
        batch_size: int = 500,
    ) -> None:
        self._ctx = VaultContext(sessions, audit, keys, clock=clock, batch_size=batch_size)

    @property
    def keys(self) -> KeyProvider:
        """The key provider records are sealed with."""
        return self._ctx.provider

    # Collections -----------------------------------------------------------------------------

    def create_collection(
        self, actor: Actor, spec: CollectionSpec, *, source: str | None = None
    ) -> CollectionView:
        """Define a collection (COLLECTIONS_MANAGE); Conflict if the name is taken."""
        return catalog.create_collection(self._ctx, actor, spec, source=source)

    def list_collections(self, actor: Actor) -> tuple[CollectionView, ...]:
        """The collections `actor` may read or manage."""
        return catalog.list_collections(self._ctx, actor)

    def get_collection(self, actor: Actor, collection: CollectionRef) -> CollectionView:
        """One collection, with its fields, reasons and record count."""
        return catalog.get_collection(self._ctx, actor, collection)

    def add_reason(
        self, actor: Actor, collection: CollectionRef, reason: str, *, source: str | None = None
    ) -> CollectionView:
        """List a reveal reason (COLLECTIONS_MANAGE)."""
        return catalog.add_reason(self._ctx, actor, collection, reason, source=source)

    def remove_reason(
        self, actor: Actor, collection: CollectionRef, reason: str, *, source: str | None = None
    ) -> CollectionView:
        """Retire a reveal reason (COLLECTIONS_MANAGE)."""
        return catalog.remove_reason(self._ctx, actor, collection, reason, source=source)

    def add_canaries(
        self, actor: Actor, collection: CollectionRef, count: int, *, source: str | None = None
    ) -> int:
        """Add decoy records (COLLECTIONS_MANAGE); see `wisp.vault.catalog.add_canaries`."""
        return catalog.add_canaries(self._ctx, actor, collection, count, source=source)

    # Writes ----------------------------------------------------------------------------------

    def _writable(
        self, actor: Actor, layout: Layout, names: Sequence[str], source: str | None
    ) -> None:
        fields = tuple(layout.field(name) for name in names)
        self._ctx.require(
            actor,
            Permission.RECORDS_WRITE,
            Action.RECORD_UPDATED,
            collection=layout,
            fields=fields,
            source=source,
        )

    def create_record(
        self,
        actor: Actor,
        collection: CollectionRef,
        values: Mapping[str, FieldValue],
        *,
        source: str | None = None,
    ) -> RecordView:
        """A new record, sealed (RECORDS_WRITE on each field given); audited RECORD_CREATED."""
        ctx = self._ctx
        layout = ctx.find(collection)
        clean = check_values(layout, values)
        self._writable(actor, layout, list(values), source)
        record_id, now = new_id(), ctx.now()
        sealed = seal_values(layout, record_id, clean, ctx.keys)
        row = record_row(layout, sealed, canary=False, at=now, by=actor_label(actor))
        with ctx.writing() as (write, conn):
            carried = repository.insert_record(conn, row, index_rows(layout, sealed))
            details: dict[str, DetailValue] = {"collection": layout.id, "fields": len(values)}
            target = _target(record_id)
            ctx.record(
                write,
                Action.RECORD_CREATED,
                actor,
                target,
                details,
                source=source,
                carrying=carried,
            )
        return self._view(layout, record_id, clean, now, now, row["created_by"])

    @staticmethod
    def _view(
        layout: Layout,
        record_id: uuid.UUID,
        values: Mapping[str, str | None],
        created: datetime,
        updated: datetime,
        by: str,
    ) -> RecordView:
        masked = {f.name: mask(f.classification, values.get(f.name)) for f in layout.fields}
        return RecordView(record_id, layout.name, masked, created, updated, by)

    def update_record(
        self,
        actor: Actor,
        collection: CollectionRef,
        record_id: uuid.UUID,
        values: Mapping[str, FieldValue],
        *,
        source: str | None = None,
    ) -> RecordView:
        """Change some fields; the record is resealed under a fresh data key. Audited."""
        ctx, rid = self._ctx, _record_id(record_id)
        layout = ctx.find(collection)
        check_values(layout, values, partial=True)
        self._writable(actor, layout, list(values), source)
        with ctx.writing() as (write, conn):
            row = repository.get_record(conn, layout.id, rid, lock=True)
            if row is None:
                raise NotFound("no such record")
            clean = check_values(layout, values, base=open_values(layout, row, ctx.keys))
            sealed = seal_values(layout, rid, clean, ctx.keys)
            now = ctx.now()
            update = {
                "kek_version": sealed.kek_version,
                "wrapped_key": sealed.wrapped_key,
                "sealed": pack_fields(sealed.fields),
                "updated_at": now,
            }
            repository.update_record(conn, rid, update, index_rows(layout, sealed))
            changed = tuple(layout.by_name[name].id for name in values)
            details: dict[str, DetailValue] = {"collection": layout.id, "fields": changed}
            ctx.record(write, Action.RECORD_UPDATED, actor, _target(rid), details, source=source)
        return self._view(layout, rid, clean, row.created_at, now, row.created_by)

    def delete_record(
        self,
        actor: Actor,
        collection: CollectionRef,
        record_id: uuid.UUID,
        *,
        source: str | None = None,
    ) -> None:
        """Shred a record: its wrapped data key, indexes and ciphertexts are deleted. Audited."""
        ctx, rid = self._ctx, _record_id(record_id)
        layout = ctx.find(collection)
        ctx.require(
            actor,
            Permission.RECORDS_WRITE,
            Action.RECORD_DELETED,
            collection=layout,
            target=_target(rid),
            source=source,
        )
        with ctx.writing() as (write, conn):
            if repository.get_record(conn, layout.id, rid, lock=True) is None:
                raise NotFound("no such record")
            repository.secure_delete(conn)
            repository.delete_records(conn, [rid])
            details: dict[str, DetailValue] = {"collection": layout.id, "shredded": True}
            ctx.record(write, Action.RECORD_DELETED, actor, _target(rid), details, source=source)

    # Masked reads (the hot path: not audited) ------------------------------------------------

    def _readable(self, actor: Actor, layout: Layout) -> None:
        if not allowed(actor, Permission.RECORDS_READ, collection=layout.name):
            self._ctx.require(
                actor, Permission.RECORDS_READ, Action.ACCESS_DENIED, collection=layout
            )

    def get_record(
        self, actor: Actor, collection: CollectionRef, record_id: uuid.UUID
    ) -> RecordView:
        """One record, masked (RECORDS_READ on the collection): one query, one key unwrap."""
        ctx, rid = self._ctx, _record_id(record_id)
        with ctx.reading() as conn:
            layout = ctx.layout(conn, collection)
            self._readable(actor, layout)
            row = repository.get_record(conn, layout.id, rid)
        if row is None:
            raise NotFound("no such record")
        return masked_view(layout, row, ctx.keys)

    def list_records(
        self,
        actor: Actor,
        collection: CollectionRef,
        *,
        after: uuid.UUID | None = None,
        limit: int = 50,
    ) -> RecordPage:
        """A page of records, masked, in creation order; pass `next_after` on for the next."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"a page holds 1-{MAX_PAGE} records")
        ctx = self._ctx
        with ctx.reading() as conn:
            layout = ctx.layout(conn, collection)
            self._readable(actor, layout)
            rows = repository.page_records(conn, layout.id, after, limit + 1)
        views = tuple(masked_view(layout, row, ctx.keys) for row in rows[:limit])
        return RecordPage(views, views[-1].id if len(rows) > limit else None)

    def search(
        self, actor: Actor, collection: CollectionRef, field: str, value: FieldValue
    ) -> tuple[RecordView, ...]:
        """Records whose indexed `field` equals `value`, masked; by blind index, under every
        key version, without decrypting anything but the matches."""
        ctx = self._ctx
        with ctx.reading() as conn:
            layout = ctx.layout(conn, collection)
            self._readable(actor, layout)
            spec = layout.field(field)
            if not spec.indexed:
                raise InvalidInput(f"field {spec.name!r} is not indexed; it cannot be searched")
            clean = clean_value(spec, value)
            if clean is None:
                raise InvalidInput(f"give a value of field {spec.name!r} to search for")
            terms = search_terms(spec.name, index_form(spec.classification, clean), ctx.keys)
            rows = repository.search_records(conn, layout.id, spec.id, [t.digest for t in terms])
        return tuple(masked_view(layout, row, ctx.keys) for row in rows)

    # Reveal ----------------------------------------------------------------------------------

    def _reveal_fields(self, layout: Layout, fields: Sequence[str]) -> tuple[FieldView, ...]:
        if isinstance(fields, str) or not fields:
            raise InvalidInput("name the fields to reveal")
        return tuple(dict.fromkeys(layout.field(name) for name in fields))

    def reveal(
        self,
        actor: Actor,
        collection: CollectionRef,
        record_id: uuid.UUID,
        fields: Sequence[str],
        reason: str | uuid.UUID,
        source: str | None = None,
    ) -> RevealView:
        """Some fields of a record unmasked: RECORDS_REVEAL on each, and a listed reason.

        Audited REVEAL with the collection, the fields' ids, the reason's id and whether the
        record is a canary (an alarm for the alert rules; the caller sees no difference).
        Refusals are audited DENIED; an unlisted reason is audited FAILURE (InvalidInput).
        """
        ctx, rid = self._ctx, _record_id(record_id)
        layout = ctx.find(collection)
        specs = self._reveal_fields(layout, fields)
        audit = partial(ctx.record, None, Action.REVEAL, actor, _target(rid), source=source)
        ctx.require(
            actor,
            Permission.RECORDS_REVEAL,
            Action.REVEAL,
            collection=layout,
            fields=specs,
            target=_target(rid),
            source=source,
        )
        details: dict[str, DetailValue] = {
            "collection": layout.id,
            "fields": tuple(f.id for f in specs),
        }
        with ctx.reading() as conn:
            try:
                details["reason"] = catalog.find_reason(conn, layout, reason).id
            except InvalidInput:
                audit(details, outcome=Outcome.FAILURE)
                raise
            row = repository.get_record(conn, layout.id, rid)
        if row is None:
            raise NotFound("no such record")
        details["canary"] = row.canary
        try:
            values = open_values(layout, row, ctx.keys)
        except DecryptionError:
            audit(details, outcome=Outcome.ERROR)
            raise
        audit(details)
        return RevealView(rid, layout.name, {f.name: values[f.name] for f in specs})

    # Retention, keys, import, export ---------------------------------------------------------

    def enforce_retention(
        self, now: datetime | None = None, *, actor: Actor = SystemActor.SYSTEM
    ) -> RetentionResult:
        """Shred every record past its collection's retention period; audited as `actor`
        (wisp's scheduler by default; a user needs COLLECTIONS_MANAGE)."""
        self._ctx.require(actor, Permission.COLLECTIONS_MANAGE, Action.RECORD_SHREDDED)
        return lifecycle.enforce_retention(self._ctx, now, actor)

    def rotate_keys(
        self, actor: Actor, *, reseal: bool = False, new_key: bool = True
    ) -> RotationResult:
        """A new KEK version (unless `new_key` is False), then every record moved to it."""
        return lifecycle.rotate_keys(self._ctx, actor, reseal=reseal, new_key=new_key)

    def key_status(self, actor: Actor) -> KeyStatus:
        """The key versions and how many records each wraps (KEYS_MANAGE)."""
        return lifecycle.key_status(self._ctx, actor)

    def propose_fields(self, file: Path) -> tuple[ProposedField, ...]:
        """A field per column of a CSV or XLSX file, classified from its header and values."""
        return importing.propose_fields(file)

    def import_rows(
        self,
        actor: Actor,
        collection: CollectionRef,
        file: Path,
        mapping: Mapping[str, str] | None = None,
        *,
        source: str | None = None,
    ) -> ImportResult:
        """Create a record per good row of a CSV or XLSX file; bad rows reported, not values."""
        return importing.import_rows(self._ctx, actor, collection, file, mapping, source=source)

    def export(
        self,
        actor: Actor,
        collection: CollectionRef,
        out: TextIO,
        *,
        fmt: ExportFormat | str = ExportFormat.CSV,
        reveal: bool = False,
        reason: str | uuid.UUID | None = None,
        source: str | None = None,
    ) -> ExportResult:
        """Write every record to `out`, masked, or unmasked where RECORDS_EXPORT allows."""
        return exporting.export(
            self._ctx, actor, collection, out, fmt=fmt, reveal=reveal, reason=reason, source=source
        )
