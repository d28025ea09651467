"""Fixtures of the vault tests: a real keyring in a private temporary home; for the service, a
fresh database (SQLite and PostgreSQL), an audit log and a clock the test moves."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wisp.vault.keyfile import FileKeyProvider


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty wisp state directory, private to its owner as wisp creates it."""
    path = tmp_path / "home"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def keyring(home: Path) -> FileKeyProvider:
    """A new keyring without a passphrase, holding key version 1."""
    return FileKeyProvider.create(home)


# The vault service's tests run on SQLite and on PostgreSQL (see tests/storage/wisp_testdb.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))

from servicedata import Clock  # noqa: E402
from wisp_testdb import Database, database  # noqa: E402

from wisp.audit.keys import AuditKeys  # noqa: E402
from wisp.audit.service import AuditLog  # noqa: E402
from wisp.vault.service import VaultService  # noqa: E402

__all__ = ["database"]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def vault_keys(tmp_path: Path) -> FileKeyProvider:
    """The vault's keyring, in a directory of its own (the database has the home)."""
    path = tmp_path / "keys"
    path.mkdir(mode=0o700)
    return FileKeyProvider.create(path)


@pytest.fixture
def audit_log(database: Database, clock: Clock, tmp_path: Path) -> AuditLog:
    keys = AuditKeys(secrets.token_bytes(32), Ed25519PrivateKey.generate())
    return AuditLog(database.sessions, keys, tmp_path / "checkpoints", clock=clock)


@pytest.fixture
def vault(
    database: Database, audit_log: AuditLog, vault_keys: FileKeyProvider, clock: Clock
) -> VaultService:
    """A vault over a fresh database, with small batches so that batching is exercised."""
    return VaultService(database.sessions, audit_log, vault_keys, clock=clock, batch_size=7)
