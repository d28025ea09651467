"""`wisp collections`, `wisp records` and `wisp keys`: the vault from the host's shell.

17.04(5) encryption at rest, 17.03(2) purpose and retention, 17.04(2) reasons for every reveal.
Thin: each command parses, calls one method of the vault service as `SystemActor.CLI` (someone
at the shell who owns the state directory, audited as `cli`), and renders. Errors are one line on
standard error; the exit code is 2 for a usage or input error (a malformed field, value, file or
setting) and 1 for a refused or failed operation (no such collection, a name taken, a key
missing, the database unreachable). Exports are written to a private (0600) file, atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from wisp.audit.events import SystemActor
from wisp.cli.common import EXIT_REFUSED, EXIT_USAGE, fail, format_option, open_runtime
from wisp.cli.output import write_output
from wisp.errors import InvalidInput
from wisp.vault.views import (
    Classification,
    CollectionSpec,
    CollectionView,
    ExportFormat,
    FieldSpec,
    FieldType,
    ProposedField,
    RetentionBasis,
)

__all__ = [
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "collections_group",
    "keys_group",
    "parse_field",
    "records_group",
]

_CLI = SystemActor.CLI
_FLAGS = ("indexed", "required")


def parse_field(text: str) -> FieldSpec:
    """`name:classification[:indexed][:required][:text|number|date]` as a field."""
    name, _, rest = text.partition(":")
    parts = rest.split(":") if rest else []
    if not parts:
        raise InvalidInput(f"--field {text!r}: give name:classification, e.g. ssn:ssn:indexed")
    options: dict[str, Any] = {"type": FieldType.TEXT}
    for flag in parts[1:]:
        if flag in _FLAGS:
            options[flag] = True
        elif flag in {t.value for t in FieldType}:
            options["type"] = FieldType(flag)
        else:
            raise InvalidInput(
                f"--field {text!r}: unknown flag {flag!r}; use indexed, required, text, number"
                " or date"
            )
    return FieldSpec(name, parts[0], **options)  # type: ignore[arg-type]


def _collection_document(view: CollectionView) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "name": view.name,
        "purpose": view.purpose,
        "fields": [
            {
                "id": str(f.id),
                "name": f.name,
                "classification": f.classification.value,
                "type": f.type.value,
                "required": f.required,
                "indexed": f.indexed,
            }
            for f in view.fields
        ],
        "reasons": [{"id": str(r.id), "label": r.label} for r in view.reasons],
        "retention_days": view.retention_days,
        "retention_basis": view.retention_basis.value,
        "records": view.records,
        "created_at": view.created_at.isoformat(),
    }


def _retention(view: CollectionView) -> str:
    if view.retention_days is None:
        return "kept until deleted"
    return f"{view.retention_days} days after {view.retention_basis.value}"


def _show(view: CollectionView, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(_collection_document(view), indent=2))
        return
    click.echo(f"{view.name}  ({view.records} records)")
    click.echo(f"  purpose:   {view.purpose}")
    click.echo(f"  retention: {_retention(view)}")
    click.echo("  fields:")
    for f in view.fields:
        flags = [flag for flag in _FLAGS if getattr(f, flag)]
        extra = f" ({', '.join(flags)})" if flags else ""
        click.echo(f"    {f.name:24} {f.classification.value:16} {f.type.value}{extra}")
    reasons = ", ".join(r.label for r in view.reasons) or "none: nothing can be revealed"
    click.echo(f"  reveal reasons: {reasons}")


# wisp collections ------------------------------------------------------------------------


@click.group("collections")
def collections_group() -> None:
    """Define what PI the organization keeps, why, for how long, and why it may be revealed."""


@collections_group.command("create")
@click.argument("name")
@click.option("--purpose", required=True, help="Why the organization keeps these records.")
@click.option(
    "--field",
    "fields",
    multiple=True,
    required=True,
    help="name:classification[:indexed][:required][:text|number|date]; repeat per field.",
)
@click.option("--retention-days", type=click.IntRange(min=1), help="Shred records after N days.")
@click.option(
    "--retention-from",
    type=click.Choice([b.value for b in RetentionBasis]),
    default=RetentionBasis.CREATED.value,
    show_default=True,
    help="Count retention from a record's creation or its last update.",
)
@click.option("--reason", "reasons", multiple=True, help="A reveal reason; repeat for several.")
def create_collection(
    name: str,
    purpose: str,
    fields: tuple[str, ...],
    retention_days: int | None,
    retention_from: str,
    reasons: tuple[str, ...],
) -> None:
    """Create collection NAME with its fields, purpose and retention rule."""
    with open_runtime() as runtime:
        spec = CollectionSpec(
            name,
            purpose,
            tuple(parse_field(f) for f in fields),
            retention_days=retention_days,
            retention_basis=RetentionBasis(retention_from),
            reasons=reasons,
        )
        view = runtime.vault.create_collection(_CLI, spec)
    _show(view, "table")


@collections_group.command("list")
@format_option
def list_collections(fmt: str) -> None:
    """List every collection with its record count and retention."""
    with open_runtime() as runtime:
        views = runtime.vault.list_collections(_CLI)
    if fmt == "json":
        click.echo(json.dumps([_collection_document(v) for v in views], indent=2))
        return
    for view in views:
        click.echo(f"{view.name:24} {view.records:>8} records  {_retention(view)}")


@collections_group.command("show")
@click.argument("name")
@format_option
def show_collection(name: str, fmt: str) -> None:
    """Show collection NAME: purpose, fields, retention and reveal reasons."""
    with open_runtime() as runtime:
        view = runtime.vault.get_collection(_CLI, name)
    _show(view, fmt)


@collections_group.command("reasons")
@click.argument("name")
@click.option("--add", "added", multiple=True, help="List a reveal reason.")
@click.option("--remove", "removed", multiple=True, help="Retire a reveal reason.")
def collection_reasons(name: str, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
    """List or retire the reasons a reveal or export of NAME may give."""
    with open_runtime() as runtime:
        view = runtime.vault.get_collection(_CLI, name)
        for reason in added:
            view = runtime.vault.add_reason(_CLI, name, reason)
        for reason in removed:
            view = runtime.vault.remove_reason(_CLI, name, reason)
    for reason_view in view.reasons:
        click.echo(reason_view.label)


@collections_group.command("canaries")
@click.argument("name")
@click.option("--count", type=click.IntRange(min=1), required=True, help="How many to add.")
def collection_canaries(name: str, count: int) -> None:
    """Add COUNT decoy records to NAME; revealing one raises an alert."""
    with open_runtime() as runtime:
        added = runtime.vault.add_canaries(_CLI, name, count)
    click.echo(f"added {added} canary records to {name}")


# wisp records ----------------------------------------------------------------------------


@click.group("records")
def records_group() -> None:
    """Bring records in from files, take them out, and shred those past their retention."""


def _proposal_line(p: ProposedField) -> str:
    flags = "".join(
        [":indexed" if p.indexed else "", "" if p.type is FieldType.TEXT else f":{p.type.value}"]
    )
    evidence = f"{p.matches}/{p.sampled} values matched" if p.matches else "from the header"
    if p.classification is Classification.NOT_PI and not p.matches:
        evidence = "no PI found"
    return f"--field {p.name}:{p.classification.value}{flags}    # {p.column!r}: {evidence}"


def _mapping(pairs: tuple[str, ...]) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.rpartition("=")
        if not sep or not column or not field:
            raise InvalidInput(f"--map {pair!r}: give COLUMN=FIELD")
        mapping[column] = field
    return mapping


@records_group.command("import")
@click.argument("collection")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--map",
    "pairs",
    multiple=True,
    help="COLUMN=FIELD; repeat per column (default: columns named like fields).",
)
@click.option(
    "--propose",
    is_flag=True,
    help="Only print a --field option per column, classified from its header and values.",
)
def import_records(collection: str, file: Path, pairs: tuple[str, ...], propose: bool) -> None:
    """Seal each row of FILE (CSV or XLSX) as a record of COLLECTION; bad rows are listed."""
    with open_runtime() as runtime:
        if propose:
            for proposal in runtime.vault.propose_fields(file):
                click.echo(_proposal_line(proposal))
            return
        result = runtime.vault.import_rows(_CLI, collection, file, _mapping(pairs))
    for error in result.errors:
        where = f", field {error.field!r}" if error.field else ""
        click.echo(f"wisp: row {error.row}{where}: {error.reason}", err=True)
    skipped = f"; {len(result.errors)} rows skipped" if result.errors else ""
    click.echo(f"imported {result.imported} records into {collection}{skipped}")


@records_group.command("export")
@click.argument("collection")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the export here (created 0600, replaced atomically).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    default=ExportFormat.CSV.value,
    show_default=True,
    help="CSV, or one JSON object per line.",
)
@click.option("--reveal", is_flag=True, help="Unmasked values (needs --reason).")
@click.option("--reason", help="One of the collection's reveal reasons.")
def export_records(
    collection: str, output: Path, fmt: str, reveal: bool, reason: str | None
) -> None:
    """Write every record of COLLECTION to a file, masked unless --reveal."""
    if reason is not None and not reveal:
        fail("--reason goes with --reveal", EXIT_USAGE)
    counted: list[int] = []
    with open_runtime() as runtime:

        def write(out: Any) -> None:
            result = runtime.vault.export(
                _CLI, collection, out, fmt=fmt, reveal=reveal, reason=reason
            )
            counted.append(result.count)

        write_output(output, write)
    masked = "unmasked" if reveal else "masked"
    click.echo(f"exported {counted[0]} records of {collection}, {masked}, to {output}")


@records_group.command("retention")
def enforce_retention() -> None:
    """Shred every record past its collection's retention period (run it daily)."""
    with open_runtime() as runtime:
        result = runtime.vault.enforce_retention(actor=_CLI)
    for name, count in sorted(result.shredded.items()):
        click.echo(f"{name}: shredded {count} records")
    click.echo(f"shredded {result.total} records in all")


# wisp keys -------------------------------------------------------------------------------


@click.group("keys")
def keys_group() -> None:
    """Rotate the vault's keys and see which version wraps how many records."""


@keys_group.command("rotate")
@click.option("--reseal", is_flag=True, help="Also re-encrypt every field under a fresh data key.")
@click.option(
    "--no-new-key",
    is_flag=True,
    help="Re-wrap under the current version only (a provider that cannot create keys).",
)
def rotate_keys(reseal: bool, no_new_key: bool) -> None:
    """Create a new key version and re-wrap every record's data key under it, online."""
    with open_runtime() as runtime:
        result = runtime.vault.rotate_keys(_CLI, reseal=reseal, new_key=not no_new_key)
    moved = f"resealed {result.resealed}" if reseal else f"re-wrapped {result.rewrapped}"
    click.echo(f"key version {result.version} is current; {moved} records")


@keys_group.command("status")
@format_option
def key_status(fmt: str) -> None:
    """Show the key versions and how many records each one wraps."""
    with open_runtime() as runtime:
        status = runtime.vault.key_status(_CLI)
    if fmt == "json":
        document = {
            "provider": status.provider,
            "current": status.current,
            "versions": list(status.versions),
            "records": {str(v): n for v, n in sorted(status.records.items())},
        }
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(f"provider: {status.provider}")
    for version in status.versions:
        mark = "  (current)" if version == status.current else ""
        click.echo(f"  version {version}: {status.records.get(version, 0)} records{mark}")
    orphaned = sorted(set(status.records) - set(status.versions))
    for version in orphaned:
        click.echo(f"  version {version}: {status.records[version]} records (KEY MISSING)")
