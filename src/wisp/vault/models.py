"""17.04(5): the vault's tables: collections, fields, reasons, sealed records, blind indexes.

No column holds PI in the clear. A record row keeps its data key only wrapped under a KEK and
every field value only as AES-GCM ciphertext bound to its place (`wisp.vault.crypto`); search
goes through keyed blind indexes in their own table. Revision 0003 creates these tables.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from wisp.errors import DecryptionError
from wisp.storage.models import Base

__all__ = [
    "VaultCollection",
    "VaultField",
    "VaultIndex",
    "VaultReason",
    "VaultRecord",
    "pack_fields",
    "unpack_fields",
]

#: Who did something, as the audit log names actors: a user's UUID, or "cli" / "system".
_ACTOR = String(64)
_LENGTH = struct.Struct(">I")


class VaultCollection(Base):
    """A kind of record the organization keeps, and why (17.03(2) data minimization)."""

    __tablename__ = "vault_collection"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    retention_basis: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(_ACTOR)


class VaultField(Base):
    """A field of a collection. Fields never change once made: readers cache them."""

    __tablename__ = "vault_field"
    __table_args__ = (UniqueConstraint("collection_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    collection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vault_collection.id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    classification: Mapped[str] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(Boolean)
    indexed: Mapped[bool] = mapped_column(Boolean)
    max_length: Mapped[int] = mapped_column(Integer)


class VaultReason(Base):
    """A reason a reveal or export may state. Removing one retires it rather than deleting it,
    so that the audit log's reason ids keep a meaning."""

    __tablename__ = "vault_reason"
    __table_args__ = (UniqueConstraint("collection_id", "label"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    collection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vault_collection.id"), index=True
    )
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class VaultRecord(Base):
    """One sealed record: its wrapped data key and its packed field ciphertexts.

    `kek_version` repeats what the wrapped key's authenticated header says, so that rotation
    and `wisp keys status` can select by version without parsing; the header is what decryption
    trusts.
    """

    __tablename__ = "vault_record"
    __table_args__ = (
        # Listing pages walk a collection in creation order.
        Index("ix_vault_record_listing", "collection_id", "created_at", "id"),
        # SQLite: rows kept in the primary key's b-tree, so a write touches one page for the
        # row where a rowid table would touch two (the table and its key's index).
        {"sqlite_with_rowid": False},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    collection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("vault_collection.id"))
    # Not indexed: only rotation and `wisp keys status` select by it, rarely, while every write
    # would pay for the index.
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    canary: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(_ACTOR)


class VaultIndex(Base):
    """A blind index of one indexed field of one record, under the key version it was made with."""

    __tablename__ = "vault_index"
    # SQLite: as vault_record; a record's indexes are then neighbours in one page.
    __table_args__ = ({"sqlite_with_rowid": False},)

    record_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vault_record.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vault_field.id"), primary_key=True
    )
    key_version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(32), index=True)


def pack_fields(fields: Mapping[str, bytes]) -> bytes:
    """Field ciphertexts as one column: each name then ciphertext, each length-prefixed.

    One column rather than a row per field: a record is read, and written, in one statement.
    The names are the fields' (immutable) names, which each ciphertext's AAD binds too.
    """
    parts = []
    for name, ciphertext in fields.items():
        raw = name.encode("utf-8")
        parts += [_LENGTH.pack(len(raw)), raw, _LENGTH.pack(len(ciphertext)), ciphertext]
    return b"".join(parts)


def unpack_fields(blob: bytes) -> dict[str, bytes]:
    """The field ciphertexts of a packed column; DecryptionError if it is malformed."""
    fields: dict[str, bytes] = {}
    at, end = 0, len(blob)
    try:
        while at < end:
            (size,) = _LENGTH.unpack_from(blob, at)
            name = blob[at + 4 : at + 4 + size].decode("utf-8")
            at += 4 + size
            (size,) = _LENGTH.unpack_from(blob, at)
            if at + 4 + size > end:
                raise DecryptionError("a sealed record is truncated")
            fields[name] = blob[at + 4 : at + 4 + size]
            at += 4 + size
    except (struct.error, UnicodeDecodeError):
        raise DecryptionError("a sealed record is malformed") from None
    return fields
