"""17.04(4), 17.03(2)(j): the audit chain's arithmetic: canonical entries, HMACs, checkpoints.

Pure functions. mac = HMAC-SHA256(key, prev_mac || canonical(entry)), the sequence number being
part of the entry; a checkpoint is an Ed25519 signature over (sequence, head mac, time, previous).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "GENESIS",
    "Checkpoint",
    "StoredEntry",
    "canonical",
    "chain_mac",
    "key_id",
    "mac_matches",
    "sign_checkpoint",
    "utc_text",
    "verify_checkpoint",
]

#: The `prev_hash` of the first entry: 32 zero bytes.
GENESIS = "0" * 64
_ENTRY_FORMAT = "wisp.audit.entry/v1"
_CHECKPOINT_FORMAT = "wisp.audit.checkpoint/v1"


def utc_text(instant: datetime) -> str:
    """`2025-01-02T03:04:05.000006Z`: one text per instant, whatever its zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return instant.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _json(document: object) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as stored: the fields the MAC covers, then the chain's two links."""

    sequence: int
    occurred_at: datetime
    actor: str | None
    action: str
    target_type: str | None
    target_id: str | None
    source: str | None
    outcome: str
    details: Any
    prev_hash: str
    mac: str


def canonical(entry: StoredEntry, sequence: int | None = None) -> bytes:
    """The bytes an entry's MAC covers; `sequence` overrides the entry's (to find a moved one)."""
    return _json(
        {
            "format": _ENTRY_FORMAT,
            "sequence": entry.sequence if sequence is None else sequence,
            "occurred_at": utc_text(entry.occurred_at),
            "actor": entry.actor,
            "action": entry.action,
            "target": [entry.target_type, entry.target_id],
            "source": entry.source,
            "outcome": entry.outcome,
            "details": entry.details,
        }
    )


def chain_mac(key: bytes, prev_mac: str, entry: StoredEntry, sequence: int | None = None) -> str:
    """HMAC-SHA256(key, prev_mac || canonical(entry)) in hex; ValueError if prev_mac is not hex."""
    return hmac.new(key, bytes.fromhex(prev_mac) + canonical(entry, sequence), "sha256").hexdigest()


def mac_matches(key: bytes, entry: StoredEntry, sequence: int | None = None) -> bool:
    """Whether the entry's own `mac` covers its fields and its `prev_hash` (at `sequence`)."""
    try:
        expected = chain_mac(key, entry.prev_hash, entry, sequence)
    except (ValueError, TypeError):
        return False  # a prev_hash or field that is not what wisp writes: altered
    return hmac.compare_digest(expected, entry.mac)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a signing key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement: at `signed_at`, entry `sequence` of the chain had mac `head`.

    `previous` is the SHA-256 of the checkpoint line before it ("" for the first), so that the
    checkpoint file is itself a chain and a line removed from its middle shows.
    """

    sequence: int
    head: str
    signed_at: datetime
    previous: str
    key_id: str
    signature: str = ""

    def payload(self) -> bytes:
        """The bytes the signature covers."""
        return _json(
            {
                "format": _CHECKPOINT_FORMAT,
                "sequence": self.sequence,
                "head": self.head,
                "signed_at": utc_text(self.signed_at),
                "previous": self.previous,
                "key_id": self.key_id,
            }
        )

    def to_line(self) -> str:
        """One JSON line, as kept in the checkpoint file."""
        document = json.loads(self.payload())
        document["signature"] = self.signature
        return _json(document).decode("ascii")

    @classmethod
    def from_line(cls, line: str) -> Checkpoint:
        """Parse a line; ValueError if it is not a checkpoint."""
        try:
            document = json.loads(line)
            if document.get("format") != _CHECKPOINT_FORMAT:
                raise ValueError("not a wisp checkpoint")
            return cls(
                sequence=int(document["sequence"]),
                head=str(document["head"]),
                signed_at=datetime.fromisoformat(document["signed_at"]),
                previous=str(document["previous"]),
                key_id=str(document["key_id"]),
                signature=str(document["signature"]),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError("not a wisp checkpoint") from exc


def sign_checkpoint(
    private_key: Ed25519PrivateKey, sequence: int, head: str, signed_at: datetime, previous: str
) -> Checkpoint:
    """A checkpoint of (sequence, head) signed with `private_key`."""
    unsigned = Checkpoint(sequence, head, signed_at, previous, key_id(private_key.public_key()))
    signature = base64.b64encode(private_key.sign(unsigned.payload())).decode("ascii")
    return Checkpoint(sequence, head, signed_at, previous, unsigned.key_id, signature)


def verify_checkpoint(public_key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    """Whether `checkpoint` was signed by the holder of `public_key`, unaltered."""
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        public_key.verify(signature, checkpoint.payload())
    except (InvalidSignature, ValueError):
        return False
    return True
