"""Audit tests run on SQLite and on PostgreSQL, each with fresh keys and a moving fake clock."""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))

from wisp_testdb import Database, database, empty_database

from wisp.audit.keys import AuditKeys
from wisp.audit.service import AuditLog

__all__ = ["audit_log", "clock", "database", "empty_database", "keys"]


def make_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that moves on by 1.000001 s each time it is read (thread-safe)."""
    lock, state = threading.Lock(), {"now": start}

    def now() -> datetime:
        with lock:
            state["now"] += timedelta(seconds=1, microseconds=1)
            return state["now"]

    return now


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return make_clock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def keys() -> AuditKeys:
    return AuditKeys(secrets.token_bytes(32), Ed25519PrivateKey.generate())


@pytest.fixture
def audit_log(
    database: Database, keys: AuditKeys, clock: Callable[[], datetime], tmp_path: Path
) -> AuditLog:
    return AuditLog(database.sessions, keys, tmp_path / "checkpoints", clock=clock)
