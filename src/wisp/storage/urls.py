"""Which database URLs wisp accepts: PostgreSQL through psycopg 3, or SQLite.

Validated once, when the settings are read, so that a bad URL stops wisp at start-up.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["PLACEHOLDER_PASSWORDS", "normalize_database_url"]

#: Passwords that are documentation, not secrets; a URL carrying one is refused.
PLACEHOLDER_PASSWORDS = frozenset({"changeme", "change-me", "changethis", "password", "secret"})


def _parse(text: str) -> URL:
    try:
        return make_url(text.strip())
    except (ArgumentError, ValueError) as exc:
        # Never repeat the text: it may hold a password.
        raise ValueError("is not a database URL") from exc


def normalize_database_url(text: str) -> str:
    """The URL with its driver made explicit; ValueError (never quoting the URL) if refused."""
    url = _parse(text)
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "postgresql":
        # `postgresql://` alone would pick psycopg2, which wisp does not install.
        if url.drivername not in ("postgresql", "postgresql+psycopg"):
            raise ValueError("PostgreSQL is reached through psycopg 3: postgresql+psycopg://")
        if not url.database:
            raise ValueError("names no database")
        if url.password is not None and str(url.password).lower() in PLACEHOLDER_PASSWORDS:
            raise ValueError("carries a placeholder password; set a real one")
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        if driver != "pysqlite":
            raise ValueError("SQLite is reached through the standard library: sqlite:///PATH")
    else:
        raise ValueError("wisp stores its data in PostgreSQL or SQLite only")
    return url.render_as_string(hide_password=False)
