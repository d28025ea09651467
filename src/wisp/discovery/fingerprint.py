"""Keyed fingerprints: the same value gives the same token across scans, and nothing else.

HMAC-SHA256 under a per-installation key that `wisp` creates on first use (mode 0600).
"""

from __future__ import annotations

import hmac
from hashlib import sha256
from pathlib import Path

from wisp.secretfile import load_or_create_secret

__all__ = ["KEY_FILE", "Fingerprinter", "load_or_create_key"]

KEY_FILE = "fingerprint.key"


def load_or_create_key(home: Path) -> bytes:
    """The installation's fingerprint key, created on first use; refuses an exposed key file."""
    return load_or_create_secret(home / KEY_FILE, "fingerprint key")


class Fingerprinter:
    """Turns (entity, normalized value) into a 32-hex-digit keyed token."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, entity: str, value: str) -> str:
        return hmac.new(self._key, f"{entity}:{value}".encode(), sha256).hexdigest()[:32]
