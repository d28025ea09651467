"""Exports of a collection as CSV or JSON Lines: masked by default, unmasked only where allowed.

17.04(2) and 17.04(4): a masked export needs RECORDS_READ; an unmasked one RECORDS_EXPORT per
field (the fields not granted stay masked) and one of the collection's listed reasons. Every
export is audited EXPORT with its count, once written (ERROR with the count so far if writing
failed midway, since part of it may have left).

An export writes to a text stream it is given; the CLI hands it a private temporary file that
is renamed into place only when the export, and its audit entry, succeeded. Values are written
as stored: a spreadsheet opening an exported CSV may read a value starting with `=` as a
formula, so open exports as data (import wizards), not by double-click.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from wisp.audit.events import Action, DetailValue, Outcome, Target
from wisp.errors import InvalidInput
from wisp.identity.roles import Permission
from wisp.vault import repository
from wisp.vault.access import Actor, allowed
from wisp.vault.catalog import find_reason
from wisp.vault.context import CollectionRef, Layout, VaultContext
from wisp.vault.masking import mask
from wisp.vault.sealing import open_values
from wisp.vault.views import ExportFormat, ExportResult, FieldView

__all__ = ["export"]

Row = dict[str, str | None]


@dataclass(slots=True)
class _Tally:
    count: int = 0


def _format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(fmt)
    except ValueError:
        raise InvalidInput("export formats are csv and jsonl") from None


def _writer(fmt: ExportFormat, out: TextIO, layout: Layout) -> Callable[[Row], None]:
    if fmt is ExportFormat.JSONL:

        def write_line(row: Row) -> None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

        return write_line
    writer = csv.DictWriter(out, ["id", *(f.name for f in layout.fields)], lineterminator="\n")
    writer.writeheader()
    return writer.writerow


def _unmasked(
    ctx: VaultContext, actor: Actor, layout: Layout, source: str | None
) -> tuple[FieldView, ...]:
    fields = tuple(
        f
        for f in layout.fields
        if allowed(actor, Permission.RECORDS_EXPORT, collection=layout.name, field=f.name)
    )
    if not fields:
        ctx.require(
            actor,
            Permission.RECORDS_EXPORT,
            Action.EXPORT,
            collection=layout,
            fields=layout.fields,
            target=Target("vault_collection", layout.id),
            source=source,
        )
    return fields


def _reason(ctx: VaultContext, layout: Layout, reason: str | uuid.UUID | None) -> uuid.UUID:
    if reason is None:
        raise InvalidInput("an unmasked export states one of the collection's reasons")
    with ctx.reading() as conn:
        return find_reason(conn, layout, reason).id


def _write_all(
    ctx: VaultContext, layout: Layout, write: Callable[[Row], None], plain: set[str], tally: _Tally
) -> None:
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        with ctx.reading() as conn:
            rows = repository.records_in_collection(conn, layout.id, after, ctx.batch_size)
        if not rows:
            return
        after = (rows[-1].created_at, rows[-1].id)
        for row in rows:
            if row.canary:
                # Decoys never leave in an export: a payroll run or a tax filing built from it
                # must not pay or report people who do not exist. Reveals stay the tripwire.
                continue
            values = open_values(layout, row, ctx.keys)
            out: Row = {"id": str(row.id)}
            for f in layout.fields:
                value = values[f.name]
                out[f.name] = value if f.name in plain else mask(f.classification, value)
            write(out)
            tally.count += 1


def export(
    ctx: VaultContext,
    actor: Actor,
    ref: CollectionRef,
    out: TextIO,
    *,
    fmt: ExportFormat | str = ExportFormat.CSV,
    reveal: bool = False,
    reason: str | uuid.UUID | None = None,
    source: str | None = None,
) -> ExportResult:
    """Write every record of the collection to `out`; see the module docstring.

    The audit entry carries the collection, count, format, the unmasked fields' ids, the
    reason's id. Canary records are left out of every export.
    """
    kind = _format(fmt)
    layout = ctx.find(ref)
    target = Target("vault_collection", layout.id)
    plain: tuple[FieldView, ...] = ()
    reason_id = None
    if reveal:
        plain = _unmasked(ctx, actor, layout, source)
        reason_id = _reason(ctx, layout, reason)
    elif not allowed(actor, Permission.RECORDS_READ, collection=layout.name):
        ctx.require(
            actor,
            Permission.RECORDS_READ,
            Action.EXPORT,
            collection=layout,
            target=target,
            source=source,
        )
    tally = _Tally()
    outcome = Outcome.ERROR
    try:
        _write_all(ctx, layout, _writer(kind, out, layout), {f.name for f in plain}, tally)
        outcome = Outcome.SUCCESS
    finally:
        details: dict[str, DetailValue] = {
            "collection": layout.id,
            "count": tally.count,
            "format": kind,
            "fields": [f.id for f in plain],
            "reason": reason_id,
        }
        ctx.record(None, Action.EXPORT, actor, target, details, source=source, outcome=outcome)
    return ExportResult(tally.count, tuple(f.name for f in plain))
