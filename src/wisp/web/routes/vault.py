"""17.04(5), 17.04(2): collections and their records over HTTP: masked by default.

Masked reads are `async` and hit the database once: they are the API's hot path, and a hop to
the thread pool would cost more than the query. Writes, reveals, imports and exports are plain
`def`: they may wait on a write lock, and must not hold up the event loop meanwhile.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from wisp.errors import InvalidInput
from wisp.vault.views import (
    Classification,
    CollectionSpec,
    CollectionView,
    ExportFormat,
    FieldSpec,
    FieldType,
    RecordView,
    RetentionBasis,
)
from wisp.web.deps import Caller, Rt, client_address

__all__ = [
    "CanariesIn",
    "CollectionIn",
    "CollectionOut",
    "ExportIn",
    "FieldIn",
    "ImportOut",
    "ProposalOut",
    "ReasonIn",
    "RecordIn",
    "RecordOut",
    "RecordPageOut",
    "RevealIn",
    "RevealOut",
    "RowErrorOut",
    "SearchIn",
    "router",
]

router = APIRouter(prefix="/collections", tags=["records"])
Value = str | int | Decimal | None
_UPLOAD_CHUNK = 1 << 20


class FieldIn(BaseModel):
    """One field of a new collection."""

    name: str = Field(min_length=1, max_length=63)
    classification: Classification
    type: FieldType = FieldType.TEXT
    required: bool = False
    indexed: bool = False
    max_length: int = Field(default=1000, ge=1, le=100_000)


class CollectionIn(BaseModel):
    """A new collection: what it holds, why it is kept (its purpose) and for how long."""

    name: str = Field(min_length=1, max_length=63)
    purpose: str = Field(min_length=1, max_length=2000)
    fields: list[FieldIn] = Field(min_length=1, max_length=100)
    retention_days: int | None = Field(default=None, ge=1, le=36_500)
    retention_basis: RetentionBasis = RetentionBasis.CREATED
    reasons: list[str] = Field(default_factory=list, max_length=100)


class CollectionOut(BaseModel):
    """A collection with its fields, reveal reasons, retention rule and record count."""

    id: uuid.UUID
    name: str
    purpose: str
    fields: list[FieldIn]
    reasons: list[str]
    retention_days: int | None
    retention_basis: RetentionBasis
    created_at: datetime
    records: int

    @classmethod
    def of(cls, view: CollectionView) -> CollectionOut:
        """The view as the API shows it."""
        fields = [
            FieldIn(
                name=f.name,
                classification=f.classification,
                type=f.type,
                required=f.required,
                indexed=f.indexed,
                max_length=f.max_length,
            )
            for f in view.fields
        ]
        return cls(
            id=view.id,
            name=view.name,
            purpose=view.purpose,
            fields=fields,
            reasons=[r.label for r in view.reasons],
            retention_days=view.retention_days,
            retention_basis=view.retention_basis,
            created_at=view.created_at,
            records=view.records,
        )


class ReasonIn(BaseModel):
    """A reveal reason the organization accepts."""

    reason: str = Field(min_length=1, max_length=120)


class CanariesIn(BaseModel):
    """How many decoy records to add."""

    count: int = Field(ge=1, le=100)


class RecordIn(BaseModel):
    """A record's values by field name."""

    values: dict[str, Value] = Field(max_length=100)


class RecordOut(BaseModel):
    """A record, its PI fields masked."""

    id: uuid.UUID
    collection: str
    values: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    created_by: str

    @classmethod
    def of(cls, view: RecordView) -> RecordOut:
        """The view as the API shows it."""
        return cls(
            id=view.id,
            collection=view.collection,
            values=dict(view.values),
            created_at=view.created_at,
            updated_at=view.updated_at,
            created_by=view.created_by,
        )


class RecordPageOut(BaseModel):
    """A page of records; pass `next_after` as `after` for the next page (null at the end)."""

    records: list[RecordOut]
    next_after: uuid.UUID | None


class SearchIn(BaseModel):
    """An exact-match search on an indexed field; in the body, never the URL (it is PI)."""

    field: str = Field(min_length=1, max_length=63)
    value: str = Field(min_length=1, max_length=200)


class RevealIn(BaseModel):
    """Which fields to see unmasked, and why (one of the collection's reasons)."""

    fields: list[str] = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=120)


class RevealOut(BaseModel):
    """The unmasked values; the reveal is in the audit log with its reason."""

    id: uuid.UUID
    collection: str
    values: dict[str, str | None]


class ExportIn(BaseModel):
    """An export: masked unless `reveal` (needs `records:export` and a reason)."""

    format: ExportFormat = ExportFormat.CSV
    reveal: bool = False
    reason: str | None = Field(default=None, max_length=120)


class ProposalOut(BaseModel):
    """A column of an import file and the field the detectors propose for it."""

    column: str
    name: str
    classification: Classification
    type: FieldType
    indexed: bool
    matches: int
    sampled: int


class RowErrorOut(BaseModel):
    """A skipped row: its number, the field and why (never the value)."""

    row: int
    field: str | None
    reason: str


class ImportOut(BaseModel):
    """Records imported and rows skipped."""

    imported: int
    errors: list[RowErrorOut]


# First: routes are tried in the order they are defined, and a masked read is the API's
# busiest request. No other route here has its path.
@router.get("/{collection}/records/{record_id}")
async def get_record(collection: str, record_id: uuid.UUID, principal: Caller, rt: Rt) -> RecordOut:
    """One record, masked (not audited: masked values are not PI)."""
    return RecordOut.of(rt.vault.get_record(principal, collection, record_id))


@router.get("")
def list_collections(principal: Caller, rt: Rt) -> list[CollectionOut]:
    """The collections the caller may read or manage."""
    return [CollectionOut.of(view) for view in rt.vault.list_collections(principal)]


@router.post("", status_code=201)
def create_collection(
    body: CollectionIn, request: Request, principal: Caller, rt: Rt
) -> CollectionOut:
    """Define a collection (`collections:manage`)."""
    spec = CollectionSpec(
        body.name,
        body.purpose,
        tuple(
            FieldSpec(f.name, f.classification, f.type, f.required, f.indexed, f.max_length)
            for f in body.fields
        ),
        body.retention_days,
        body.retention_basis,
        tuple(body.reasons),
    )
    view = rt.vault.create_collection(principal, spec, source=client_address(request))
    return CollectionOut.of(view)


@router.get("/{collection}")
def get_collection(collection: str, principal: Caller, rt: Rt) -> CollectionOut:
    """One collection."""
    return CollectionOut.of(rt.vault.get_collection(principal, collection))


@router.post("/{collection}/reasons")
def add_reason(
    collection: str, body: ReasonIn, request: Request, principal: Caller, rt: Rt
) -> CollectionOut:
    """Accept a new reveal reason."""
    view = rt.vault.add_reason(principal, collection, body.reason, source=client_address(request))
    return CollectionOut.of(view)


@router.post("/{collection}/reasons/retire")
def remove_reason(
    collection: str, body: ReasonIn, request: Request, principal: Caller, rt: Rt
) -> CollectionOut:
    """Stop accepting a reveal reason (past reveals keep it)."""
    view = rt.vault.remove_reason(
        principal, collection, body.reason, source=client_address(request)
    )
    return CollectionOut.of(view)


@router.post("/{collection}/canaries", status_code=201)
def add_canaries(
    collection: str, body: CanariesIn, request: Request, principal: Caller, rt: Rt
) -> dict[str, int]:
    """Add decoy records; revealing one raises a critical alert."""
    added = rt.vault.add_canaries(principal, collection, body.count, source=client_address(request))
    return {"added": added}


@router.get("/{collection}/records")
async def list_records(
    collection: str,
    principal: Caller,
    rt: Rt,
    after: uuid.UUID | None = None,
    limit: int = Query(default=50, ge=1, le=500),
) -> RecordPageOut:
    """A page of records, masked."""
    page = rt.vault.list_records(principal, collection, after=after, limit=limit)
    return RecordPageOut(
        records=[RecordOut.of(view) for view in page.records], next_after=page.next_after
    )


@router.post("/{collection}/records", status_code=201)
def create_record(
    collection: str, body: RecordIn, request: Request, principal: Caller, rt: Rt
) -> RecordOut:
    """A new record; the answer shows it masked."""
    view = rt.vault.create_record(
        principal, collection, body.values, source=client_address(request)
    )
    return RecordOut.of(view)


@router.patch("/{collection}/records/{record_id}")
def update_record(
    collection: str,
    record_id: uuid.UUID,
    body: RecordIn,
    request: Request,
    principal: Caller,
    rt: Rt,
) -> RecordOut:
    """Change some fields of a record."""
    view = rt.vault.update_record(
        principal, collection, record_id, body.values, source=client_address(request)
    )
    return RecordOut.of(view)


@router.delete("/{collection}/records/{record_id}", status_code=204)
def delete_record(
    collection: str, record_id: uuid.UUID, request: Request, principal: Caller, rt: Rt
) -> None:
    """Delete a record by destroying its data key (crypto-shredding)."""
    rt.vault.delete_record(principal, collection, record_id, source=client_address(request))


@router.post("/{collection}/records/{record_id}/reveal")
def reveal(
    collection: str,
    record_id: uuid.UUID,
    body: RevealIn,
    request: Request,
    principal: Caller,
    rt: Rt,
) -> RevealOut:
    """Unmasked values of some fields, for a listed reason; audited."""
    view = rt.vault.reveal(
        principal, collection, record_id, body.fields, body.reason, client_address(request)
    )
    return RevealOut(id=view.id, collection=view.collection, values=dict(view.values))


@router.post("/{collection}/search")
async def search(collection: str, body: SearchIn, principal: Caller, rt: Rt) -> list[RecordOut]:
    """Records whose indexed field equals the value (blind index; nothing decrypted to look)."""
    views = rt.vault.search(principal, collection, body.field, body.value)
    return [RecordOut.of(view) for view in views]


@router.post("/{collection}/export")
def export(
    collection: str, body: ExportIn, request: Request, principal: Caller, rt: Rt
) -> Response:
    """Every record as CSV or JSON lines: masked, or unmasked where the caller may export."""
    out = io.StringIO()
    result = rt.vault.export(
        principal,
        collection,
        out,
        fmt=body.format,
        reveal=body.reveal,
        reason=body.reason,
        source=client_address(request),
    )
    media = "text/csv" if body.format is ExportFormat.CSV else "application/x-ndjson"
    headers = {
        "Content-Disposition": f'attachment; filename="{collection}.{body.format.value}"',
        "X-Wisp-Records": str(result.count),
    }
    return Response(out.getvalue(), media_type=media, headers=headers)


@contextmanager
def _uploaded(upload: UploadFile) -> Iterator[Path]:
    suffix = Path(upload.filename or "upload").suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm", ".xls", ".ods", ".tsv"):
        raise InvalidInput("upload a .csv or .xlsx file")
    fd, name = tempfile.mkstemp(suffix=suffix)  # mkstemp: mode 0600, owner only
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.file.read(_UPLOAD_CHUNK):
                out.write(chunk)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


@router.post("/proposals")
def propose(file: UploadFile, principal: Caller, rt: Rt) -> list[ProposalOut]:
    """The fields the discovery detectors propose for a CSV or XLSX file's columns."""
    principal.require("collections:manage")
    with _uploaded(file) as path:
        proposals = rt.vault.propose_fields(path)
    return [
        ProposalOut(
            column=p.column,
            name=p.name,
            classification=p.classification,
            type=p.type,
            indexed=p.indexed,
            matches=p.matches,
            sampled=p.sampled,
        )
        for p in proposals
    ]


@router.post("/{collection}/import")
def import_file(
    collection: str, file: UploadFile, request: Request, principal: Caller, rt: Rt
) -> ImportOut:
    """Create records from a CSV or XLSX file whose headers name the fields."""
    with _uploaded(file) as path:
        result = rt.vault.import_rows(principal, collection, path, source=client_address(request))
    return ImportOut(
        imported=result.imported,
        errors=[RowErrorOut(row=e.row, field=e.field, reason=e.reason) for e in result.errors],
    )
