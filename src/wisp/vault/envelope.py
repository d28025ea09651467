"""Envelope encryption of records: seal, open, re-wrap on rotation, search, crypto-shred.

17.04(5) encryption at rest; the draft's 17.03(3)7 retention, kept by destroying a record's key.

Each record gets a fresh data key; every field is sealed under it for its
place (collection, record, field); the data key is stored only wrapped under the provider's
current KEK version. From there:

- rotation (`rewrap`) unwraps the data key with its old KEK version and wraps it under the newest,
  leaving every field ciphertext as it was; old records stay readable meanwhile, because the
  wrapped key names its KEK version. `reseal` re-encrypts a record's fields under a fresh data
  key, the bulk step done only when asked.
- retention (`shred`) destroys the wrapped data key (and the blind indexes): the field
  ciphertexts left behind, in backups too, can no longer be decrypted with any key that exists.
- search: `search_terms` gives the blind index of a normalized value under every key version,
  matched against `SealedRecord.indexes` without decrypting anything. An index stays under the
  version it was made with until the record is resealed with its normalized values; a key version
  is retired only once no index or wrapped key names it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from wisp.errors import Shredded
from wisp.vault.crypto import (
    DataKey,
    RecordRef,
    blind_index,
    open_,
    open_fields,
    seal,
    unwrap_key,
    wrap_key,
    wrapped_kek_version,
)
from wisp.vault.keys import KeyProvider, RootKey

__all__ = [
    "BlindIndex",
    "SealedRecord",
    "index_of",
    "open_field",
    "open_record",
    "reseal",
    "rewrap",
    "seal_record",
    "search_terms",
    "shred",
]


@dataclass(frozen=True, slots=True)
class BlindIndex:
    """A field's keyed search token and the key version it was made under."""

    key_version: int
    digest: str

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BlindIndex):
            return NotImplemented
        same = hmac.compare_digest(self.digest.encode(), other.digest.encode())
        return same and self.key_version == other.key_version

    def __hash__(self) -> int:
        return hash((self.key_version, self.digest))


@dataclass(frozen=True, slots=True)
class SealedRecord:
    """What the vault stores for a record: nothing in it is readable without the provider.

    `wrapped_key` is None once the record is shredded.
    """

    ref: RecordRef
    wrapped_key: bytes | None = field(repr=False)
    fields: Mapping[str, bytes] = field(repr=False)
    indexes: Mapping[str, BlindIndex] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "indexes", MappingProxyType(dict(self.indexes)))

    @property
    def kek_version(self) -> int | None:
        """The KEK version that wraps the data key; None once shredded."""
        return None if self.wrapped_key is None else wrapped_kek_version(self.wrapped_key)

    @property
    def shredded(self) -> bool:
        """Whether the data key has been destroyed."""
        return self.wrapped_key is None


def index_of(field_name: str, normalized: str, key: RootKey) -> BlindIndex:
    """The blind index of one normalized value under one key version."""
    return BlindIndex(key.version, blind_index(normalized, key.index_key(), field_name))


def search_terms(field_name: str, normalized: str, provider: KeyProvider) -> tuple[BlindIndex, ...]:
    """The value's blind index under every key version: a record matches if it holds any."""
    return tuple(index_of(field_name, normalized, provider.get(v)) for v in provider.versions())


def _seal_with(
    ref: RecordRef, data_key: DataKey, values: Mapping[str, bytes], root: RootKey
) -> tuple[bytes, dict[str, bytes]]:
    wrapped = wrap_key(data_key, root.kek(), root.version, ref)
    return wrapped, {name: seal(value, data_key, ref.aad(name)) for name, value in values.items()}


def seal_record(
    ref: RecordRef,
    values: Mapping[str, bytes],
    provider: KeyProvider,
    indexed: Mapping[str, str] | None = None,
) -> SealedRecord:
    """Seal a record's fields under a new data key wrapped by the current KEK version.

    `indexed` maps a field to its normalized value (see `wisp.vault.crypto.blind_index`) for the
    fields that must be found by exact match.
    """
    root = provider.current()
    wrapped, fields = _seal_with(ref, DataKey.generate(), values, root)
    indexes = {name: index_of(name, value, root) for name, value in (indexed or {}).items()}
    return SealedRecord(ref, wrapped, fields, indexes)


def _data_key(record: SealedRecord, provider: KeyProvider) -> DataKey:
    if record.wrapped_key is None:
        raise Shredded(
            f"{record.ref.collection}/{record.ref.record_id} was shredded; "
            "its fields cannot be recovered"
        )
    root = provider.get(wrapped_kek_version(record.wrapped_key))
    return unwrap_key(record.wrapped_key, root.kek(), record.ref)


def open_field(record: SealedRecord, field_name: str, provider: KeyProvider) -> bytes:
    """One field's plaintext; Shredded, UnknownKeyVersion or DecryptionError when it cannot be."""
    ciphertext = record.fields[field_name]
    return open_(ciphertext, _data_key(record, provider), record.ref.aad(field_name))


def open_record(record: SealedRecord, provider: KeyProvider) -> dict[str, bytes]:
    """Every field's plaintext, unwrapping the data key once."""
    data_key = _data_key(record, provider)
    return open_fields(record.fields, data_key, record.ref)


def rewrap(record: SealedRecord, provider: KeyProvider) -> SealedRecord:
    """The record with its data key wrapped under the newest KEK version; fields untouched.

    A record already under the newest version, or shredded, comes back as it is.
    """
    current = provider.current()
    if record.wrapped_key is None or record.kek_version == current.version:
        return record
    data_key = _data_key(record, provider)
    return replace(
        record, wrapped_key=wrap_key(data_key, current.kek(), current.version, record.ref)
    )


def reseal(
    record: SealedRecord, provider: KeyProvider, indexed: Mapping[str, str] | None = None
) -> SealedRecord:
    """Re-encrypt every field under a fresh data key and the newest KEK version (bulk, on demand).

    With `indexed` (field -> normalized value) the blind indexes are remade under the newest
    version too; without it they are kept as they are.
    """
    values = open_record(record, provider)
    root = provider.current()
    wrapped, fields = _seal_with(record.ref, DataKey.generate(), values, root)
    if indexed is None:
        indexes = dict(record.indexes)
    else:
        indexes = {name: index_of(name, value, root) for name, value in indexed.items()}
    return SealedRecord(record.ref, wrapped, fields, indexes)


def shred(record: SealedRecord) -> SealedRecord:
    """The record with its data key and blind indexes destroyed (crypto-shredding).

    The field ciphertexts are kept here to show what survives in backups: nothing can open them.
    A repository deletes them too; the guarantee does not depend on it.
    """
    return SealedRecord(record.ref, None, record.fields, {})
