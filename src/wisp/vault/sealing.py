"""Between a record's values and its row: check, seal, index; and open, mask.

17.04(5): every field is sealed under the record's own data key, bound to its place.

Every field is sealed, `not_pi` ones included, rather than kept in a plain column: the
classification is the operator's guess and a "notes" field is where PI ends up; sealing costs a
microsecond a field; and one format keeps rotation and shredding whole (a shredded record
leaves nothing readable, not even its harmless half). An empty field is sealed too (as no
bytes), so that the stored row does not tell which fields are filled in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from wisp.errors import DecryptionError, InvalidInput
from wisp.vault.context import Layout, shown_name
from wisp.vault.crypto import RecordRef
from wisp.vault.envelope import SealedRecord, open_record, seal_record
from wisp.vault.keys import KeyProvider
from wisp.vault.masking import mask
from wisp.vault.models import pack_fields, unpack_fields
from wisp.vault.repository import StoredRow
from wisp.vault.values import clean_value, index_form
from wisp.vault.views import FieldValue, RecordView

__all__ = [
    "check_values",
    "index_rows",
    "indexed_values",
    "masked_view",
    "open_values",
    "record_row",
    "seal_values",
    "sealed_of",
]

Values = Mapping[str, str | None]


def check_values(
    layout: Layout,
    values: Mapping[str, FieldValue],
    *,
    base: Values | None = None,
    partial: bool = False,
) -> dict[str, str | None]:
    """Every field's clean value: `values` over `base` (an update) or alone (a new record).

    InvalidInput, naming the field but never the value, for an unknown field, a malformed
    value or (unless `partial`: only the values given are checked) a required field left empty.
    """
    if not isinstance(values, Mapping):
        raise InvalidInput("a record's values are a mapping of field names to values")
    for name in values:
        if name not in layout.by_name:
            raise InvalidInput(f"collection {layout.name!r} has no {shown_name(name)}")
    clean = dict(base or {})
    for name, value in values.items():
        clean[name] = clean_value(layout.by_name[name], value)
    for spec in layout.fields:
        clean.setdefault(spec.name, None)
        if spec.required and clean[spec.name] is None and not partial:
            raise InvalidInput(f"field {spec.name!r} is required")
    return clean


def indexed_values(layout: Layout, values: Values) -> dict[str, str]:
    """The normalized value of each indexed field that has one."""
    return {
        f.name: index_form(f.classification, value)
        for f in layout.fields
        if f.indexed and (value := values.get(f.name)) is not None
    }


def seal_values(
    layout: Layout, record_id: uuid.UUID, values: Values, keys: KeyProvider
) -> SealedRecord:
    """The record sealed under a fresh data key, with blind indexes of its indexed fields."""
    plain = {f.name: (values.get(f.name) or "").encode("utf-8") for f in layout.fields}
    ref = RecordRef(layout.key, str(record_id))
    return seal_record(ref, plain, keys, indexed_values(layout, values))


def record_row(
    layout: Layout, sealed: SealedRecord, *, canary: bool, at: datetime, by: str
) -> dict[str, Any]:
    """A new record's row."""
    assert sealed.wrapped_key is not None  # a freshly sealed record has its key
    return {
        "id": uuid.UUID(sealed.ref.record_id),
        "collection_id": layout.id,
        "kek_version": sealed.kek_version,
        "wrapped_key": sealed.wrapped_key,
        "sealed": pack_fields(sealed.fields),
        "canary": canary,
        "created_at": at,
        "updated_at": at,
        "created_by": by,
    }


def index_rows(layout: Layout, sealed: SealedRecord) -> list[dict[str, Any]]:
    """The blind index rows of a sealed record."""
    record_id = uuid.UUID(sealed.ref.record_id)
    return [
        {
            "record_id": record_id,
            "field_id": layout.by_name[name].id,
            "key_version": index.key_version,
            "digest": index.digest,
        }
        for name, index in sealed.indexes.items()
    ]


def sealed_of(
    layout: Layout, record_id: uuid.UUID, wrapped_key: bytes, blob: bytes
) -> SealedRecord:
    """A stored record back as a SealedRecord (its indexes left out: opening needs none)."""
    return SealedRecord(RecordRef(layout.key, str(record_id)), wrapped_key, unpack_fields(blob))


def open_values(layout: Layout, row: StoredRow, keys: KeyProvider) -> dict[str, str | None]:
    """Every field's plaintext; DecryptionError, Shredded or UnknownKeyVersion if it cannot be.

    A field of the layout missing from the row is an error too: ciphertexts were removed.
    """
    plain = open_record(sealed_of(layout, row.id, row.wrapped_key, row.sealed), keys)
    values: dict[str, str | None] = {}
    for spec in layout.fields:
        raw = plain.get(spec.name)
        if raw is None:
            raise DecryptionError(f"record {layout.key}/{row.id} lacks field {spec.name!r}")
        values[spec.name] = raw.decode("utf-8") if raw else None
    return values


def masked_view(layout: Layout, row: StoredRow, keys: KeyProvider) -> RecordView:
    """A stored record as its masked view."""
    values = open_values(layout, row, keys)
    return RecordView(
        id=row.id,
        collection=layout.name,
        values={f.name: mask(f.classification, values[f.name]) for f in layout.fields},
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )
