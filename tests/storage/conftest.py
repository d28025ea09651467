"""Storage tests run on SQLite and on PostgreSQL: the `database` fixtures of wisp_testdb."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wisp_testdb import database, empty_database

__all__ = ["database", "empty_database"]
