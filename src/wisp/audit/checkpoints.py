"""17.04(4), 17.03(2)(j): the file of signed checkpoints, kept outside the database on purpose.

Append-only JSON lines (0600, in a 0700 directory); each line names the SHA-256 of the one before
it. A database administrator who rewrites or truncates the whole chain cannot change this file;
copy it off the host as well, since whoever holds this host holds the signing key too.
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Callable
from pathlib import Path

from wisp.audit.chain import Checkpoint
from wisp.errors import AuditError

__all__ = ["CHECKPOINT_DIR", "CHECKPOINT_FILE", "CheckpointFile"]

CHECKPOINT_DIR = "audit-checkpoints"
CHECKPOINT_FILE = "checkpoints.jsonl"


def _split(content: bytes) -> list[str]:
    return content.decode("utf-8", errors="replace").splitlines()


class CheckpointFile:
    """`<directory>/checkpoints.jsonl`: read whole, appended one locked line at a time."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CHECKPOINT_FILE

    def _check_mode(self, fd: int) -> None:
        if os.fstat(fd).st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise AuditError(f"checkpoint file {self.path} is writable by others; chmod 600 it")

    def lines(self) -> list[str]:
        """Every line, oldest first; none if the file does not exist yet."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AuditError(f"cannot read checkpoint file {self.path}: {exc.strerror}") from exc
        with os.fdopen(fd, "rb") as handle:
            self._check_mode(handle.fileno())
            return _split(handle.read())

    def append(self, make: Callable[[list[str]], Checkpoint]) -> Checkpoint:
        """Write `make(lines)` as the next line, `lines` being those already there."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise AuditError(f"cannot open checkpoint file {self.path}: {exc.strerror}") from exc
        with os.fdopen(fd, "r+b") as handle:
            self._check_mode(fd)
            # One writer at a time on this host, so that each line names the one written before.
            fcntl.flock(fd, fcntl.LOCK_EX)
            checkpoint = make(_split(handle.read()))
            os.write(fd, (checkpoint.to_line() + "\n").encode("ascii"))
            os.fsync(fd)
        return checkpoint
