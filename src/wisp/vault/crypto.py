"""Field-level authenticated encryption: AES-256-GCM under per-record, KEK-wrapped data keys.

17.04(5) and 17.02 "encrypted": PI at rest is meaningless without a confidential key.

Pure functions, no I/O. Every ciphertext is bound to its place, so a ciphertext copied to another
field, record or collection fails to authenticate instead of decrypting there.

Formats (all integers big-endian; `frame(a, b, ...)` is each part as a 4-byte length + bytes, so
no two different tuples encode alike):

    field ciphertext  = 0x01 | nonce (12) | AES-256-GCM(data key) ciphertext + tag (16)
        GCM AAD       = frame("wisp.field", 0x01, collection, record_id, field)

    wrapped data key  = 0x01 | KEK version (u32) | nonce (12) | AES-256-GCM(KEK) of the 32-byte
                        data key + tag (16)                                   = 65 bytes
        GCM AAD       = frame("wisp.data-key", 0x01 | KEK version, collection, record_id)

The leading byte is the format version: a reader refuses one it does not know, and because the
header is inside the AAD, changing it (or the KEK version) makes authentication fail. Nonces are
96 random bits; a data key seals only its own record's few fields, and a KEK wraps one data key per
record, far below the 2**32 random-nonce limit per key (and rotation starts a new KEK).

Keys are separated by purpose: a provider hands out one root key per version, and `derive_key`
turns it with HKDF-SHA256 into the KEK that wraps data keys and the key of the blind indexes, so
neither can stand in for the other.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import sha256

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wisp.errors import DecryptionError

__all__ = [
    "FORMAT_VERSION",
    "INDEX_BYTES",
    "KEY_BYTES",
    "WRAPPED_KEY_BYTES",
    "Aad",
    "DataKey",
    "Purpose",
    "RecordRef",
    "blind_index",
    "derive_key",
    "frame",
    "open_",
    "open_fields",
    "seal",
    "unwrap_key",
    "wrap_key",
    "wrapped_kek_version",
]

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
#: Blind indexes keep 128 of HMAC-SHA256's 256 bits: no false match at any table size.
INDEX_BYTES = 16
_KEY_HEADER = struct.Struct(">BI")
WRAPPED_KEY_BYTES = _KEY_HEADER.size + NONCE_BYTES + KEY_BYTES + TAG_BYTES
_MAX_KEK_VERSION = 2**32 - 1
_LENGTH = struct.Struct(">I")


def frame(*parts: bytes) -> bytes:
    """Each part as its 4-byte big-endian length then its bytes: an unambiguous concatenation."""
    return b"".join([_LENGTH.pack(len(part)) + part for part in parts])


def _text(name: str, value: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value.encode("utf-8")


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Which record a data key belongs to: its collection and id.

    The id must be opaque (a UUID, a row number), never personal information: it is bound into
    every ciphertext in the clear and named in error messages.
    """

    collection: str
    record_id: str
    # Framed once: every field of a record is bound to it, on the API's hot path.
    _encoded: bytes = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        encoded = frame(_text("collection", self.collection), _text("record_id", self.record_id))
        object.__setattr__(self, "_encoded", encoded)

    def encode(self) -> bytes:
        """The canonical bytes of this identity."""
        return self._encoded

    def aad(self, field_name: str) -> Aad:
        """The place of one of this record's fields."""
        return Aad.within(self, field_name)


@dataclass(frozen=True, slots=True)
class Aad:
    """Where a field ciphertext belongs: collection, record and field, bound in as GCM AAD."""

    collection: str
    record_id: str
    field: str
    # Computed once: a record read encodes one place per field, on the API's hot path.
    _encoded: bytes = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        encoded = frame(
            _text("collection", self.collection),
            _text("record_id", self.record_id),
            _text("field", self.field),
        )
        object.__setattr__(self, "_encoded", encoded)

    def encode(self) -> bytes:
        """The canonical, length-prefixed bytes of this place."""
        return self._encoded

    @classmethod
    def within(cls, record: RecordRef, field_name: str) -> Aad:
        """The place of `field_name` in `record`: the record's framing reused, not redone.

        frame(collection, record_id, field) is frame(collection, record_id) + frame(field).
        """
        aad = object.__new__(cls)
        object.__setattr__(aad, "collection", record.collection)
        object.__setattr__(aad, "record_id", record.record_id)
        object.__setattr__(aad, "field", field_name)
        object.__setattr__(aad, "_encoded", record.encode() + frame(_text("field", field_name)))
        return aad


@dataclass(frozen=True, slots=True, eq=False)
class DataKey:
    """A record's own 32-byte AES-256 key; never stored except wrapped under a KEK."""

    secret: bytes = field(repr=False)
    # One cipher per key: its set-up costs as much as sealing a short field.
    _aead: AESGCM = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(f"a data key is {KEY_BYTES} bytes")
        object.__setattr__(self, "_aead", AESGCM(self.secret))

    @property
    def aead(self) -> AESGCM:
        """AES-256-GCM under this key."""
        return self._aead

    @classmethod
    def generate(cls) -> DataKey:
        """A fresh key from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(KEY_BYTES))


class Purpose(enum.Enum):
    """What a derived key is for; the value is the HKDF `info`, so each purpose gets its own."""

    KEY_WRAP = "wisp/v1/key-wrap"
    BLIND_INDEX = "wisp/v1/blind-index"
    MFA_TOTP = "wisp/v1/mfa-totp"  # encrypts users' TOTP secrets (wisp.identity)
    RECOVERY_CODE = "wisp/v1/recovery-code"  # keys the hashes of MFA recovery codes


def derive_key(root: bytes, purpose: Purpose) -> bytes:
    """The 32-byte subkey of `root` for one purpose (HKDF-SHA256, RFC 5869)."""
    if len(root) != KEY_BYTES:
        raise ValueError(f"a root key is {KEY_BYTES} bytes")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.value.encode())
    return hkdf.derive(root)


_FIELD_AAD_PREFIX = frame(b"wisp.field", bytes([FORMAT_VERSION]))


def _field_aad(aad: Aad) -> bytes:
    # frame(b"wisp.field", version, place): the prefix's framing is the same for every field.
    return _FIELD_AAD_PREFIX + frame(aad.encode())


def seal(plaintext: bytes, data_key: DataKey, aad: Aad) -> bytes:
    """Encrypt one field's value for its place; the result is self-describing (see module doc)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = data_key.aead.encrypt(nonce, plaintext, _field_aad(aad))
    return bytes([FORMAT_VERSION]) + nonce + body


def open_(ciphertext: bytes, data_key: DataKey, aad: Aad) -> bytes:
    """Decrypt a field; a wrong key, a wrong place or any altered byte raises DecryptionError."""
    return _open_at(ciphertext, data_key, _field_aad(aad), aad.collection, aad.record_id, aad.field)


def open_fields(
    ciphertexts: Mapping[str, bytes], data_key: DataKey, record: RecordRef
) -> dict[str, bytes]:
    """Every field of one record, as `open_` would give each: the same places, the same checks.

    The place of each field is framed straight from the record's framing, without an `Aad`
    object per field: a masked read opens every field of a record, on the API's hot path.
    """
    base = record.encode()
    return {
        name: _open_at(
            ciphertext,
            data_key,
            _FIELD_AAD_PREFIX + frame(base + frame(_text("field", name))),
            record.collection,
            record.record_id,
            name,
        )
        for name, ciphertext in ciphertexts.items()
    }


def _open_at(
    ciphertext: bytes, data_key: DataKey, aad: bytes, collection: str, record_id: str, name: str
) -> bytes:
    _check_version(ciphertext, NONCE_BYTES + TAG_BYTES, "field ciphertext")
    nonce = ciphertext[1 : 1 + NONCE_BYTES]
    body = ciphertext[1 + NONCE_BYTES :]
    try:
        return data_key.aead.decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionError(
            f"field {name!r} of {collection}/{record_id} failed to authenticate: "
            "wrong key, wrong place, or altered"
        ) from None


def _check_version(blob: bytes, after_header: int, what: str) -> None:
    if not blob:
        raise DecryptionError(f"{what} is empty")
    if blob[0] != FORMAT_VERSION:
        raise DecryptionError(f"{what} has unknown format version {blob[0]}")
    if len(blob) < 1 + after_header:
        raise DecryptionError(f"{what} is truncated")


def _key_aad(header: bytes, record: RecordRef) -> bytes:
    return frame(b"wisp.data-key", header, record.encode())


def wrap_key(data_key: DataKey, kek: bytes, kek_version: int, record: RecordRef) -> bytes:
    """The data key encrypted under a KEK version, bound to its record (see module doc)."""
    if not 1 <= kek_version <= _MAX_KEK_VERSION:
        raise ValueError("a KEK version is between 1 and 2**32 - 1")
    header = _KEY_HEADER.pack(FORMAT_VERSION, kek_version)
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(kek).encrypt(nonce, data_key.secret, _key_aad(header, record))
    return header + nonce + body


def wrapped_kek_version(wrapped: bytes) -> int:
    """Which KEK version wrapped this data key (read from its authenticated header)."""
    _check_version(wrapped, WRAPPED_KEY_BYTES - 1, "wrapped data key")
    if len(wrapped) != WRAPPED_KEY_BYTES:
        raise DecryptionError("wrapped data key has the wrong length")
    version: int = _KEY_HEADER.unpack_from(wrapped)[1]
    return version


def unwrap_key(wrapped: bytes, kek: bytes, record: RecordRef) -> DataKey:
    """The data key back; a wrong KEK, another record's key or altered bytes raise."""
    wrapped_kek_version(wrapped)
    header = wrapped[: _KEY_HEADER.size]
    nonce = wrapped[_KEY_HEADER.size : _KEY_HEADER.size + NONCE_BYTES]
    body = wrapped[_KEY_HEADER.size + NONCE_BYTES :]
    try:
        return DataKey(AESGCM(kek).decrypt(nonce, body, _key_aad(header, record)))
    except InvalidTag:
        raise DecryptionError(
            f"data key of {record.collection}/{record.record_id} failed to authenticate: "
            "wrong key-encryption key, wrong record, or altered"
        ) from None


def blind_index(value: str, index_key: bytes, field_name: str) -> str:
    """A keyed, field-separated token of a value for exact-match search (32 hex digits).

    HMAC-SHA256 over frame("wisp.blind-index", field, value), truncated to INDEX_BYTES. Without
    the key the token says nothing of the value; with it, equal values still give equal tokens.

    Normalization is the caller's job, because only the caller knows the format: pass the one
    canonical form (an SSN as its nine digits, an account number without spaces or dashes), or
    "123-45-6788" and "123456788" will not find each other.
    """
    if len(index_key) != KEY_BYTES:
        raise ValueError(f"a blind-index key is {KEY_BYTES} bytes")
    message = frame(b"wisp.blind-index", _text("field", field_name), value.encode("utf-8"))
    return hmac.new(index_key, message, sha256).digest()[:INDEX_BYTES].hex()
