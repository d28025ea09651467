"""Identity service tests run on SQLite and on PostgreSQL (the `database` fixture), each with a
settable clock, a cheap argon2 and a real keyring; the helpers are in `identity_world`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_world import World, make_world
from wisp_testdb import Database, database

__all__ = ["database", "world"]


@pytest.fixture
def world(database: Database, tmp_path: Path) -> World:
    """An identity service over a fresh database of each kind."""
    return make_world(database, tmp_path)
