"""WISP_DATABASE_URL: PostgreSQL through psycopg 3 or SQLite; refusals never repeat the URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wisp.config import Settings

ACCEPTED = [
    ("postgresql://u:pw-1@db/wisp", "postgresql+psycopg://u:pw-1@db/wisp"),
    ("postgresql+psycopg://u@db:5433/wisp", "postgresql+psycopg://u@db:5433/wisp"),
    ("sqlite:////var/lib/wisp/db.sqlite3", "sqlite:////var/lib/wisp/db.sqlite3"),
    ("sqlite+pysqlite:///rel.db", "sqlite+pysqlite:///rel.db"),
]
REFUSED = [
    ("mysql://u:hunter2-x@db/wisp", "PostgreSQL or SQLite only"),
    ("postgresql+psycopg2://u:hunter2-x@db/wisp", "psycopg 3"),
    ("postgresql://u:hunter2-x@db", "names no database"),
    ("postgresql://u:changeme@db/wisp", "placeholder password"),
    ("sqlite+aiosqlite:///x.db", "standard library"),
    ("not a url hunter2-x", "not a database URL"),
]


@pytest.mark.parametrize(("given", "normalized"), ACCEPTED)
def test_accepted_urls_are_normalized(tmp_path: Path, given: str, normalized: str) -> None:
    settings = Settings(home=tmp_path, database_url=given)

    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == normalized
    assert "pw-1" not in repr(settings)


@pytest.mark.parametrize(("given", "reason"), REFUSED)
def test_refused_urls_name_the_reason_never_the_password(
    tmp_path: Path, given: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(home=tmp_path, database_url=given)

    assert reason in str(exc.value)
    assert "hunter2-x" not in str(exc.value)
    assert "changeme" not in str(exc.value)


def test_blank_url_means_sqlite(tmp_path: Path) -> None:
    assert Settings(home=tmp_path, database_url=" ").database_url is None
