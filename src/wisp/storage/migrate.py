"""Schema migrations: bring any wisp database to the schema this version of wisp expects.

Alembic's scripts ship inside the package (`wisp/storage/migrations/`) and are found through
importlib.resources, so an installed wisp migrates without a checkout or an alembic.ini.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from wisp.errors import StorageError
from wisp.storage.engine import WRITE_LOCK, describe
from wisp.storage.models import Base

__all__ = [
    "MIGRATION_LOCK_KEY",
    "MODEL_MODULES",
    "current_revision",
    "head_revision",
    "load_models",
    "require_current",
    "run_environment",
    "target_metadata",
    "upgrade",
]

#: Every module that defines tables on `Base`. A domain that adds tables adds its module here
#: and a revision under migrations/versions/; a test checks both.
MODEL_MODULES = (
    "wisp.audit.models",
    "wisp.identity.models",
    "wisp.vault.models",
    "wisp.audit.alert_models",
)
#: PostgreSQL advisory lock held while migrating, so that app servers starting together take turns.
MIGRATION_LOCK_KEY = 0x77697370_6D696772  # "wispmigr"


def load_models() -> None:
    """Import every table module, so that `Base.metadata` is complete."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def target_metadata() -> MetaData:
    """The tables of every domain: what the migrations' head must equal."""
    load_models()
    return Base.metadata


@contextmanager
def _config() -> Iterator[Config]:
    with as_file(files("wisp.storage") / "migrations") as location:
        config = Config()
        config.set_main_option("script_location", str(Path(location)))
        yield config


def head_revision() -> str:
    """The newest revision this wisp ships."""
    with _config() as config:
        head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise StorageError("wisp ships no migration")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database wisp has never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine) -> None:
    """StorageError unless the database is at this wisp's head revision (fail closed)."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise StorageError(
            f"the database {describe(engine)} is at schema {current or 'none'}, this wisp needs"
            f" {head}: upgrade it first"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` in one transaction, one migrator at a time."""
    load_models()
    try:
        with _config() as config, engine.connect() as plain:
            connection = plain.execution_options(**{WRITE_LOCK: True})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise StorageError(f"migrating {describe(engine)} failed ({type(exc).__name__})") from exc


def run_environment() -> None:
    """Alembic's env.py: run the migrations on the connection that `upgrade` handed over."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise StorageError("wisp migrates through wisp.storage.migrate.upgrade, not `alembic`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        compare_type=True,
        # SQLite alters a table by copying it; batch mode writes those migrations for us.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
