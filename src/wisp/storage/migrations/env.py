"""Alembic's environment for wisp: runs the migrations on the connection `upgrade()` hands it.

Never run through the `alembic` command: `wisp.storage.migrate.upgrade` is the one way in.
"""

from wisp.storage.migrate import run_environment

__all__: list[str] = []

run_environment()
