"""Local secret files: 32 random bytes as hex, created 0600 on first use, refused when exposed.

The fingerprint key and the audit keys are kept this way until a key provider holds them.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from wisp.errors import KeyMaterialError

__all__ = ["load_or_create_secret"]


def load_or_create_secret(path: Path, what: str) -> bytes:
    """The 32-byte secret in `path` (named `what` in errors), created there if absent.

    Creation is exclusive, so two processes starting at once end up reading the same secret;
    a file open to the group or others, or not 64 hex digits, is refused.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise KeyMaterialError(f"cannot create {what} {path}: {exc.strerror}") from exc
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMaterialError(f"cannot read {what} {path}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyMaterialError(f"{what} {path} is open to others; chmod 600 it")
    try:
        secret = bytes.fromhex(text)
    except ValueError as exc:
        raise KeyMaterialError(f"{what} {path} is not 64 hex digits") from exc
    if len(secret) != 32:
        raise KeyMaterialError(f"{what} {path} is not 64 hex digits")
    return secret
