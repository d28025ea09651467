"""Keyed fingerprints: the same value gives the same token across scans, and nothing else.

HMAC-SHA256 under a per-installation key that `wisp` creates on first use (mode 0600).
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from hashlib import sha256
from pathlib import Path

from wisp.errors import KeyMaterialError

__all__ = ["KEY_FILE", "Fingerprinter", "load_or_create_key"]

KEY_FILE = "fingerprint.key"


def load_or_create_key(home: Path) -> bytes:
    """The installation's fingerprint key, created on first use; refuses an exposed key file."""
    path = home / KEY_FILE
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise KeyMaterialError(f"cannot create fingerprint key {path}: {exc.strerror}") from exc
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMaterialError(f"cannot read fingerprint key {path}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyMaterialError(f"fingerprint key {path} is readable by others; chmod 600 it")
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise KeyMaterialError(f"fingerprint key {path} is not 64 hex digits") from exc
    if len(key) != 32:
        raise KeyMaterialError(f"fingerprint key {path} is not 64 hex digits")
    return key


class Fingerprinter:
    """Turns (entity, normalized value) into a 32-hex-digit keyed token."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, entity: str, value: str) -> str:
        return hmac.new(self._key, f"{entity}:{value}".encode(), sha256).hexdigest()[:32]
