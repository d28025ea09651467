"""Bulk import of a CSV or XLSX file into a collection, with a proposed field for each column.

17.04(5) and 17.03(2): PI scattered in spreadsheets moves into the vault, sealed; the proposal
classifies each column with discovery's own detectors, so the import does not under-protect it.

An import writes a transaction per batch of good rows and ONE audit entry (IMPORT, with the
count) in the last batch's transaction. Rows that break a rule are skipped and reported by row
number and field with the reason, never with their values. A batch that fails leaves nothing
of itself behind; the batches before it stay, and the audit entry (ERROR) says how many.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from wisp.audit.events import Action, DetailValue, Outcome, Target
from wisp.audit.service import AuditedWrite
from wisp.discovery.detectors.base import Detector, context_regex
from wisp.discovery.detectors.person import column_role
from wisp.discovery.engine import header_words
from wisp.errors import InvalidInput
from wisp.identity.roles import Permission
from wisp.plugins import detector_classes
from wisp.storage.ids import new_id
from wisp.vault import repository
from wisp.vault.access import Actor, actor_label
from wisp.vault.context import CollectionRef, Layout, VaultContext
from wisp.vault.sealing import index_rows, record_row, seal_values
from wisp.vault.tables import Table, read_table
from wisp.vault.values import clean_value
from wisp.vault.views import (
    INDEXABLE,
    Classification,
    FieldSpec,
    FieldType,
    ImportResult,
    ProposedField,
    RowError,
)

__all__ = ["SAMPLE_ROWS", "field_name", "import_rows", "propose_fields"]

#: How many non-empty values of a column the proposal looks at.
SAMPLE_ROWS = 200
#: The share of sampled values that must pass a detector for a column to be proposed as it.
_MOSTLY = 0.6
_ENTITIES = {
    "US_SSN": Classification.SSN,
    "CREDIT_CARD": Classification.CARD,
    "US_DRIVER_LICENSE": Classification.DRIVERS_LICENSE,
    "US_BANK_NUMBER": Classification.ACCOUNT,
}
#: Headers of columns that hold PI beyond 17.02's elements (kept sealed and fully masked).
_OTHER_PI = re.compile(
    r"(?i)\b(?:dob|birth|birthday|address|street|phone|mobile|email|e-mail|salary|wage|pay"
    r"|medical|diagnosis|passport|tax|ein|itin)"
)
_SLUG = re.compile(r"[^a-z0-9]+")


def field_name(header: str) -> str:
    """A field name made from a column header: `First Name` -> `first_name`."""
    slug = _SLUG.sub("_", header.lower()).strip("_")[:63] or "column"
    return slug if slug[0].isalpha() else f"f_{slug}"[:63]


def _detectors() -> list[Detector]:
    return [
        cls() for cls in detector_classes() if issubclass(cls, Detector) and cls.ENTITY in _ENTITIES
    ]


def _passes(detector: Detector, value: str, labelled: bool) -> bool:
    for pattern in detector.PATTERNS:
        if pattern.needs_context and not labelled:
            continue
        if re.fullmatch(pattern.regex, value) and detector.validate(
            detector.normalize(value), pattern
        ):
            return True
    return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _propose(header: str, sample: list[str], detectors: list[Detector]) -> ProposedField:
    words = header_words(header)
    best: tuple[int, Classification] | None = None
    for detector in detectors:
        context = context_regex(detector.CONTEXT)
        labelled = bool(context and context.search(words))
        hits = sum(_passes(detector, value, labelled) for value in sample)
        if hits and hits >= _MOSTLY * len(sample) and (best is None or hits > best[0]):
            best = (hits, _ENTITIES[detector.ENTITY])
    name, kind, hits = field_name(header), Classification.NOT_PI, 0
    if best is not None:
        hits, kind = best
    elif (
        column_role(header) is not None
        and sample
        and all(_clean_ok(Classification.NAME, v) for v in sample)
    ):
        kind, hits = Classification.NAME, len(sample)
    elif _OTHER_PI.search(header):
        kind = Classification.OTHER_PI
    dated = bool(sample) and kind not in INDEXABLE and all(map(_is_date, sample))
    kind_type = FieldType.DATE if dated else FieldType.TEXT
    return ProposedField(header, name, kind, kind_type, kind in INDEXABLE, hits, len(sample))


def _clean_ok(kind: Classification, value: str) -> bool:
    try:
        clean_value(FieldSpec("probe", kind), value)
    except InvalidInput:
        return False
    return True


def propose_fields(path: Path) -> tuple[ProposedField, ...]:
    """A proposed field for each column of the file, classified from its header and a sample of
    its values (a column of mostly valid SSNs is `ssn`; `First Name` of names is `name`)."""
    table = read_table(path)
    detectors = _detectors()
    proposals = []
    seen: set[str] = set()
    for index, header in enumerate(table.header):
        proposal = _propose(header, table.column(index)[:SAMPLE_ROWS], detectors)
        name, n = proposal.name, 2
        while name in seen:
            name, n = f"{proposal.name[:60]}_{n}", n + 1
        seen.add(name)
        proposals.append(replace(proposal, name=name))
    return tuple(proposals)


def _mapping(layout: Layout, table: Table, mapping: Mapping[str, str] | None) -> dict[int, str]:
    """Column index -> field name; by default each column whose name makes a field's name."""
    if mapping is None:
        found = {i: field_name(h) for i, h in enumerate(table.header)}
        chosen = {i: name for i, name in found.items() if name in layout.by_name}
    else:
        columns = {header: i for i, header in enumerate(table.header)}
        chosen = {}
        for column, name in mapping.items():
            if column not in columns:
                raise InvalidInput(f"the file has no column {column!r}")
            chosen[columns[column]] = layout.field(name).name
    names = list(chosen.values())
    if not names:
        raise InvalidInput(f"no column of the file maps to a field of {layout.name!r}")
    if len(set(names)) != len(names):
        raise InvalidInput("two columns map to the same field")
    missing = [f.name for f in layout.fields if f.required and f.name not in names]
    if missing:
        raise InvalidInput(f"required field {missing[0]!r} is mapped to no column")
    return chosen


def _check_row(
    layout: Layout, number: int, cells: Sequence[str], columns: Mapping[int, str]
) -> tuple[dict[str, str | None] | None, list[RowError]]:
    clean: dict[str, str | None] = {f.name: None for f in layout.fields}
    errors = []
    for index, name in columns.items():
        spec = layout.by_name[name]
        try:
            clean[name] = clean_value(spec, cells[index] if index < len(cells) else None)
        except InvalidInput as exc:
            errors.append(RowError(number, name, str(exc).removeprefix(f"field {name!r}: ")))
    for spec in layout.fields:
        if (
            spec.required
            and clean[spec.name] is None
            and not any(e.field == spec.name for e in errors)
        ):
            errors.append(RowError(number, spec.name, "is required"))
    return (None if errors else clean), errors


def _write_batch(
    ctx: VaultContext,
    layout: Layout,
    batch: list[dict[str, str | None]],
    by: str,
    on_commit: Callable[[AuditedWrite], None] | None,
) -> None:
    """Seal a batch (outside the transaction), then insert it in one transaction with, for the
    last batch, the audit entry."""
    records, indexes, now = [], [], ctx.now()
    for position, values in enumerate(batch):
        sealed = seal_values(layout, new_id(), values, ctx.keys)
        # A microsecond apart, so that listings keep the file's order.
        at = now + timedelta(microseconds=position)
        records.append(record_row(layout, sealed, canary=False, at=at, by=by))
        indexes += index_rows(layout, sealed)
    with ctx.writing() as (write, conn):
        if records:
            repository.insert_records(conn, records, indexes)
        if on_commit is not None:
            on_commit(write)


def import_rows(
    ctx: VaultContext,
    actor: Actor,
    ref: CollectionRef,
    path: Path,
    mapping: Mapping[str, str] | None = None,
    *,
    source: str | None = None,
) -> ImportResult:
    """Create a record per good row (RECORDS_WRITE on every mapped field); see module doc."""
    layout = ctx.find(ref)
    table = read_table(path)
    columns = _mapping(layout, table, mapping)
    target = Target("vault_collection", layout.id)
    fields = tuple(layout.by_name[name] for name in columns.values())
    ctx.require(
        actor,
        Permission.RECORDS_WRITE,
        Action.IMPORT,
        collection=layout,
        fields=fields,
        target=target,
        source=source,
    )
    good, errors = [], []
    for number, cells in table.rows:
        clean, problems = _check_row(layout, number, cells, columns)
        errors += problems
        if clean is not None:
            good.append(clean)
    size, by, done = ctx.batch_size, actor_label(actor), 0
    batches = [good[i : i + size] for i in range(0, len(good), size)] or [[]]

    def audit(write: AuditedWrite | None, outcome: Outcome = Outcome.SUCCESS) -> None:
        details: dict[str, DetailValue] = {
            "collection": layout.id,
            "count": done if outcome is not Outcome.SUCCESS else len(good),
            "rejected": len(errors),
        }
        ctx.record(write, Action.IMPORT, actor, target, details, source=source, outcome=outcome)

    try:
        for position, batch in enumerate(batches):
            _write_batch(ctx, layout, batch, by, audit if position == len(batches) - 1 else None)
            done += len(batch)
    except BaseException:
        audit(None, Outcome.ERROR)
        raise
    return ImportResult(done, tuple(errors))
