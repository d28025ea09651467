"""Vault overhead bench: the vault service against plain SQLAlchemy on the same rows, same run.

    python bench/vault_overhead.py [--records 2000] [--rounds 3] [--chunk 100]
                                   [--only sqlite|postgresql]

Through `VaultService`, N records (first, last, ssn, account, note; ssn and account indexed) are
created, then each read back by id, masked. The same rows go unencrypted into a comparable
plain table (the same columns as text, ssn and account indexed) with plain SQLAlchemy Core, its
statements built once as the vault's are (built per call, SQLAlchemy would generate their cache
keys every time: ~65 us a read), in comparable transactions: writes one transaction per record
on a pooled connection, begun with
the write lock as the service's are (`write_locked(engine).begin()`: `BEGIN IMMEDIATE` on SQLite),
reads one query per record on a pooled connection. The service's writes also append an audit
entry each, as they must; a third write figure, the plain insert plus that audit entry in its
transaction (`AuditLog.writing`, as the service), shows how much of the overhead is the audit
log's.

Each round runs the phases in turns of --chunk records (plain, audited, vault; then plain and
vault reads), so that a slower stretch of a shared machine hits every phase alike; a phase's
time in a round is the sum over its turns, and the best of --rounds rounds counts. SQLite is a
file in a temporary directory;
PostgreSQL is WISP_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
in a throwaway schema. The floor is overhead (vault time / plain time) <= 2.0 for both.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import names
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr
from sqlalchemy import (
    Column,
    Engine,
    Index,
    MetaData,
    Table,
    Text,
    Uuid,
    bindparam,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from wisp.audit.events import Action, AuditEvent, DetailValue, Outcome, SystemActor, Target
from wisp.audit.keys import AuditKeys
from wisp.audit.service import AuditLog
from wisp.config import Settings
from wisp.storage.engine import make_engine
from wisp.storage.ids import new_id
from wisp.storage.migrate import upgrade
from wisp.storage.models import UTCDateTime
from wisp.storage.session import make_session_factory, write_locked
from wisp.vault.canaries import fake_ssn
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.service import VaultService
from wisp.vault.views import Classification, CollectionSpec, FieldSpec

__all__ = ["main"]

POSTGRES_URL = os.environ.get(
    "WISP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FLOOR = 2.0
CLI = SystemActor.CLI
SPEC = CollectionSpec(
    "bench",
    "Benchmark rows.",
    (
        FieldSpec("first", Classification.NAME),
        FieldSpec("last", Classification.NAME),
        FieldSpec("ssn", Classification.SSN, indexed=True),
        FieldSpec("account", Classification.ACCOUNT, indexed=True),
        FieldSpec("note", Classification.NOT_PI),
    ),
)
_PLAIN = MetaData()
PLAIN = Table(
    "bench_plain",
    _PLAIN,
    Column("id", Uuid, primary_key=True),
    Column("first", Text),
    Column("last", Text),
    Column("ssn", Text),
    Column("account", Text),
    Column("note", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("created_by", Text, nullable=False),
    Index("ix_bench_plain_ssn", "ssn"),
    Index("ix_bench_plain_account", "account"),
)

# Built once, as the vault's statements are.
_INSERT = insert(PLAIN)
_SELECT = select(PLAIN).where(PLAIN.c.id == bindparam("id"))


def _rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "first": names.get_first_name(),
            "last": names.get_last_name(),
            "ssn": fake_ssn(),
            "account": str(secrets.randbelow(10**11) + 10**10),
            "note": "direct deposit",
        }
        for _ in range(count)
    ]


@dataclass
class Result:
    """Best records/s of each phase."""

    database: str
    plain_write: float = 0.0
    audited_write: float = 0.0
    vault_write: float = 0.0
    plain_read: float = 0.0
    vault_read: float = 0.0


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _timed(spent: dict[str, float], phase: str, run: Callable[..., Any], *args: Any) -> Any:
    """Run `run(*args)`, adding its time to `spent[phase]`; what it returned."""
    start = time.perf_counter()
    returned = run(*args)
    spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - start
    return returned


def _plain_writes(engine: Engine, rows: list[dict[str, str]]) -> list[uuid.UUID]:
    ids, writer = [], write_locked(engine)
    for row in rows:
        rid, now = new_id(), datetime.now(UTC)
        values = {**row, "id": rid, "created_at": now, "updated_at": now, "created_by": "cli"}
        with writer.begin() as conn:
            conn.execute(_INSERT, values)
        ids.append(rid)
    return ids


def _audited_writes(audit: AuditLog, rows: list[dict[str, str]]) -> list[uuid.UUID]:
    """The plain insert plus the audit entry every vault write must append, in one transaction:
    what an audited write costs before any encryption."""
    ids = []
    for row in rows:
        rid, now = new_id(), datetime.now(UTC)
        values = {**row, "id": rid, "created_at": now, "updated_at": now, "created_by": "cli"}
        details: dict[str, DetailValue] = {"collection": rid, "fields": len(row)}
        target = Target("vault_record", rid)
        event = AuditEvent(Action.RECORD_CREATED, Outcome.SUCCESS, CLI, target, None, details)
        with audit.writing() as write:
            write.connection.execute(_INSERT, values)
            write.record(event)
        ids.append(rid)
    return ids


def _plain_reads(engine: Engine, ids: list[uuid.UUID]) -> None:
    for rid in ids:
        with engine.connect() as conn:
            row = conn.execute(_SELECT, {"id": rid}).first()
            assert row is not None
            dict(row._mapping)


def _vault_writes(vault: VaultService, rows: list[dict[str, str]]) -> list[uuid.UUID]:
    return [vault.create_record(CLI, "bench", row).id for row in rows]


def _vault_reads(vault: VaultService, ids: list[uuid.UUID]) -> None:
    for rid in ids:
        vault.get_record(CLI, "bench", rid)


def _measure(
    label: str, engine: Engine, home: Path, count: int, rounds: int, chunk_size: int
) -> Result:
    upgrade(engine)
    _PLAIN.create_all(engine)
    sessions = make_session_factory(engine)
    audit = AuditLog(
        sessions, AuditKeys(secrets.token_bytes(32), Ed25519PrivateKey.generate()), home / "cp"
    )
    keys_dir = home / "keys"
    keys_dir.mkdir(mode=0o700)
    vault = VaultService(sessions, audit, FileKeyProvider.create(keys_dir))
    vault.create_collection(CLI, SPEC)
    rows = _rows(count)
    result = Result(label)
    for _ in range(rounds):
        spent: dict[str, float] = {}
        plain_ids: list[uuid.UUID] = []
        vault_ids: list[uuid.UUID] = []
        for chunk in _chunks(rows, chunk_size):
            plain_ids += _timed(spent, "plain_write", _plain_writes, engine, chunk)
            _timed(spent, "audited_write", _audited_writes, audit, chunk)
            vault_ids += _timed(spent, "vault_write", _vault_writes, vault, chunk)
        for plain, vault_chunk in zip(
            _chunks(plain_ids, chunk_size), _chunks(vault_ids, chunk_size), strict=True
        ):
            _timed(spent, "plain_read", _plain_reads, engine, plain)
            _timed(spent, "vault_read", _vault_reads, vault, vault_chunk)
        for phase, seconds in spent.items():
            setattr(result, phase, max(getattr(result, phase), count / seconds))
    return result


@contextmanager
def _sqlite() -> Iterator[tuple[Engine, Path]]:
    with tempfile.TemporaryDirectory(prefix="wisp-vault-bench-") as tmp:
        home = Path(tmp) / "home"
        engine = make_engine(Settings(home=home))
        try:
            yield engine, home
        finally:
            engine.dispose()


@contextmanager
def _postgres() -> Iterator[tuple[Engine, Path]]:
    schema = f"wisp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with tempfile.TemporaryDirectory(prefix="wisp-vault-bench-") as tmp:
            home = Path(tmp) / "home"
            home.mkdir(mode=0o700)
            settings = Settings(
                home=home, database_url=SecretStr(url.render_as_string(hide_password=False))
            )
            engine = make_engine(settings)
            try:
                yield engine, home
            finally:
                engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _report(result: Result) -> None:
    writes = result.plain_write / result.vault_write
    reads = result.plain_read / result.vault_read
    print(f"\n{result.database}")
    print(f"  {'':8} {'plain rec/s':>12} {'vault rec/s':>12} {'overhead':>9}  floor {FLOOR:.1f}x")
    for phase, plain, vault, ratio in (
        ("writes", result.plain_write, result.vault_write, writes),
        ("reads", result.plain_read, result.vault_read, reads),
    ):
        verdict = "ok" if ratio <= FLOOR else "MISSED"
        print(f"  {phase:8} {plain:12,.0f} {vault:12,.0f} {ratio:8.2f}x  {verdict}")
    audited = result.audited_write / result.vault_write
    print(
        f"  plain write + its audit entry: {result.audited_write:,.0f} rec/s;"
        f" the vault's write is {audited:.2f}x that"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=100, help="records per turn of a phase")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    print(
        f"vault overhead: {args.records} records, best of {args.rounds} rounds,"
        f" phases taking turns of {args.chunk}"
    )
    kinds: dict[str, Callable[[], Any]] = {"sqlite": _sqlite, "postgresql": _postgres}
    for kind, opener in kinds.items():
        if args.only not in (None, kind):
            continue
        with opener() as (engine, home):
            _report(_measure(kind, engine, home, args.records, args.rounds, args.chunk))


if __name__ == "__main__":
    main()
