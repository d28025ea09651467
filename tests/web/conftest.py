"""Web tests run the real app over a real runtime, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))  # soft_authenticator

from webworld import Site, make_site
from wisp_testdb import Database, database

__all__ = ["database", "site"]


@pytest.fixture
def site(database: Database) -> Iterator[Site]:
    """The app over a fresh installation of each database kind, with an `employees` collection."""
    with make_site(database) as made:
        yield made
