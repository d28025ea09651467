"""17.04(4), 17.03(2)(j): the audit log's keys: the chain's HMAC key, the checkpoint signing key.

For now kept as files (0600) in the state directory, created on first use; the vault's key
providers will supply them later. Both are needed to write, the HMAC key and the public key
to verify. Keep a copy of `audit-signing.pub` (and of the checkpoints) away from this host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wisp.errors import KeyMaterialError
from wisp.secretfile import load_or_create_secret

__all__ = [
    "HMAC_KEY_FILE",
    "MIN_HMAC_KEY_BYTES",
    "PUBLIC_KEY_FILE",
    "SIGNING_KEY_FILE",
    "AuditKeys",
    "load_or_create_audit_keys",
]

HMAC_KEY_FILE = "audit-hmac.key"
SIGNING_KEY_FILE = "audit-signing.key"
PUBLIC_KEY_FILE = "audit-signing.pub"
MIN_HMAC_KEY_BYTES = 32


@dataclass(frozen=True, slots=True, eq=False)
class AuditKeys:
    """The HMAC key of the chain and the Ed25519 key that signs its checkpoints."""

    hmac_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.hmac_key) < MIN_HMAC_KEY_BYTES:
            raise KeyMaterialError(
                f"the audit HMAC key must be at least {MIN_HMAC_KEY_BYTES} bytes"
            )

    def public_key(self) -> Ed25519PublicKey:
        """The key that verifies checkpoints."""
        return self.signing_key.public_key()


def _create(path: Path, text: str, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return  # made by an earlier run, or by a concurrent one: read what is there
    except OSError as exc:
        raise KeyMaterialError(f"cannot create audit key {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def load_or_create_audit_keys(home: Path) -> AuditKeys:
    """The installation's audit keys under `home`, created (0600) on first use."""
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise KeyMaterialError(f"cannot create {home}: {exc.strerror}") from exc
    signing = load_or_create_secret(home / SIGNING_KEY_FILE, "audit key")
    keys = AuditKeys(
        hmac_key=load_or_create_secret(home / HMAC_KEY_FILE, "audit key"),
        signing_key=Ed25519PrivateKey.from_private_bytes(signing),
    )
    public = keys.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    _create(home / PUBLIC_KEY_FILE, public, 0o644)
    return keys
