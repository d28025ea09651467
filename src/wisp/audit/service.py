"""17.04(4), 17.03(2)(h),(j): the audit log: record events, sign checkpoints, verify the chain.

Every write takes the head lock, so entries are numbered 1, 2, 3... with no gap, each chained to
the one before by an HMAC. Checkpoints sign the head into a file outside the database; `verify`
checks the chain, the head row and every checkpoint, and names what it finds by sequence number.
Listeners (the alert rules) hear of each entry once it has committed, never before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from wisp.audit import repository
from wisp.audit.chain import GENESIS, Checkpoint, StoredEntry, chain_mac, sign_checkpoint
from wisp.audit.checkpoints import CHECKPOINT_DIR, CheckpointFile
from wisp.audit.events import AuditEvent
from wisp.audit.keys import AuditKeys, load_or_create_audit_keys
from wisp.audit.repository import Carried
from wisp.audit.verify import (
    ChainWalk,
    VerifyReport,
    check_checkpoints,
    check_head,
    line_digest,
    parse_checkpoints,
    walk_chain,
)
from wisp.errors import AuditError, AuditTampered
from wisp.storage.engine import WRITE_LOCK, is_sqlite
from wisp.storage.session import SessionFactory, bound_engine, transaction, write_locked

if TYPE_CHECKING:
    from wisp.config import Settings

__all__ = ["AuditListener", "AuditLog", "AuditedWrite", "Carried"]

_log = logging.getLogger(__name__)
#: Told of each entry after it commits; see `AuditLog.add_listener`.
AuditListener = Callable[[StoredEntry], None]
_PENDING = "wisp.audit.pending"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _within(owner: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while owner is not None:
        if owner is ended:
            return True
        owner = owner.parent
    return False


class _Pending:
    """Entries recorded in a caller's session, held until it commits; dropped if rolled back."""

    def __init__(self, session: Session) -> None:
        self.items: list[tuple[SessionTransaction | None, StoredEntry, AuditListener]] = []
        event.listen(session, "after_commit", self._committed)
        event.listen(session, "after_soft_rollback", self._rolled_back)
        event.listen(session, "after_transaction_end", self._ended)

    def _committed(self, _session: Session) -> None:
        items, self.items = self.items, []
        for _owner, entry, notify in items:
            notify(entry)

    def _rolled_back(self, _session: Session, previous: SessionTransaction) -> None:
        # A savepoint rolled back takes the entries recorded within it along.
        self.items = [item for item in self.items if not _within(item[0], previous)]

    def _ended(self, _session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.items = []  # the outermost transaction ended without a commit: none happened


class AuditedWrite:
    """One write transaction of `AuditLog.writing`: the change's SQL goes to `connection`, its
    audit entries to `record`, and both commit together or not at all."""

    __slots__ = ("_append", "_entries", "connection")

    def __init__(
        self,
        connection: Connection,
        append: Callable[[Connection, AuditEvent, Carried | None], StoredEntry],
        entries: list[StoredEntry],
    ) -> None:
        self.connection = connection
        self._append = append
        self._entries = entries

    def record(self, event: AuditEvent, *, carrying: Carried | None = None) -> int:
        """Append `event` in this transaction; its sequence number. Announced once committed.

        `carrying`: the change itself, when it is one statement, sent with the entry (on
        PostgreSQL in the entry's own statement: one round trip for both; see `Carried`).
        """
        entry = self._append(self.connection, event, carrying)
        self._entries.append(entry)
        return entry.sequence


class AuditLog:
    """The audit log of one installation, over one database and one checkpoint directory."""

    def __init__(
        self,
        sessions: SessionFactory,
        keys: AuditKeys,
        checkpoint_dir: Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        checkpoint_every: int = 0,
    ) -> None:
        self._sessions = sessions
        # Its own entries, and `writing`'s, go through a plain connection: no ORM session,
        # whose set-up and unit of work cost as much as the entry's statements.
        self._writer = write_locked(bound_engine(sessions))
        self._keys = keys
        self._file = CheckpointFile(checkpoint_dir)
        self._clock = clock
        self._every = checkpoint_every
        self._listeners: list[AuditListener] = []

    @classmethod
    def open(
        cls, settings: Settings, sessions: SessionFactory, keys: AuditKeys | None = None
    ) -> AuditLog:
        """The log as `settings` configure it; keys from the state directory unless given."""
        return cls(
            sessions,
            keys or load_or_create_audit_keys(settings.home),
            settings.home / CHECKPOINT_DIR,
            checkpoint_every=settings.audit_checkpoint_every,
        )

    def add_listener(self, listener: AuditListener) -> None:
        """Call `listener` with each entry recorded from now on, once its transaction commits.

        An entry recorded inside a caller's session is announced after that session commits,
        and never if it rolls back. A listener that raises is logged (its class, one line) and
        ignored: the entry stays recorded and the caller never sees the error.
        """
        self._listeners.append(listener)

    def _notify(self, entry: StoredEntry) -> None:
        for listener in self._listeners:
            try:
                listener(entry)
            except Exception as exc:
                name = getattr(listener, "__qualname__", type(listener).__qualname__)
                _log.warning(
                    "audit listener %s failed on entry %d (%s)",
                    name,
                    entry.sequence,
                    type(exc).__name__,
                )

    def _after_commit(self, session: Session, entry: StoredEntry) -> None:
        if not self._listeners:
            return
        pending = session.info.get(_PENDING)
        if not isinstance(pending, _Pending):
            pending = session.info[_PENDING] = _Pending(session)
        owner = session.get_nested_transaction() or session.get_transaction()
        pending.items.append((owner, entry, self._notify))

    @property
    def checkpoint_path(self) -> Path:
        """The file the signed checkpoints are appended to."""
        return self._file.path

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise AuditError("the audit clock gave a time without a zone")
        return now.astimezone(UTC)

    def record(self, event: AuditEvent, *, session: Session | None = None) -> int:
        """Append `event`; its sequence number. Alone, or inside `session`'s transaction.

        Inside a caller's session the entry commits (or not) with the caller's change; on SQLite
        that session must have been opened with `transaction(..., write=True)`. Automatic
        checkpoints follow only entries recorded alone.
        """
        if session is not None:
            connection = session.connection()
            if is_sqlite(connection) and not connection.get_execution_options().get(WRITE_LOCK):
                # Reading the head in a deferred transaction, then writing, fails at random
                # under load on SQLite; refuse every time instead.
                raise AuditError("on SQLite, record in a session from transaction(..., write=True)")
            entry = self._append(connection, event, None)
            self._after_commit(session, entry)
            return entry.sequence
        try:
            with self._writer.begin() as connection:
                entry = self._append(connection, event, None)
        except SQLAlchemyError as exc:
            raise AuditError(f"cannot write the audit log ({type(exc).__name__})") from exc
        self._notify(entry)
        if self._every and entry.sequence % self._every == 0:
            self.checkpoint()
        return entry.sequence

    @contextmanager
    def writing(self) -> Iterator[AuditedWrite]:
        """A write transaction on a plain connection (no ORM session), its entries announced
        to listeners once it commits; committed when the block ends, rolled back if it raises.

        It holds SQLite's write lock from its first statement, as `transaction(..., write=True)`.
        Database errors reach the caller as SQLAlchemy raised them. No automatic checkpoint.
        """
        entries: list[StoredEntry] = []
        with self._writer.begin() as connection:
            yield AuditedWrite(connection, self._append, entries)
        for entry in entries:
            self._notify(entry)

    def _append(
        self, connection: Connection, event: AuditEvent, carrying: Carried | None
    ) -> StoredEntry:
        columns = event.columns()
        sequence, prev_mac = repository.lock_head(connection)
        draft = StoredEntry(
            sequence=sequence + 1,
            occurred_at=self._now(),
            prev_hash=prev_mac,
            mac="",
            **columns,
        )
        entry = replace(draft, mac=chain_mac(self._keys.hmac_key, prev_mac, draft))
        repository.append(connection, entry, carrying)
        return entry

    def checkpoint(self) -> Checkpoint:
        """Sign the chain's head into the checkpoint file, once the entries since the last verify.

        AuditTampered, and nothing signed, if the entries since the last checkpoint do not
        verify: a signature must never bless a tampered chain.
        """
        return self._file.append(self._next_checkpoint)

    def _next_checkpoint(self, lines: list[str]) -> Checkpoint:
        valid, findings = parse_checkpoints(lines, self._keys.public_key())
        if findings:
            raise AuditTampered(findings[0].describe())
        start = (valid[-1].sequence, valid[-1].head) if valid else (0, GENESIS)
        with transaction(self._sessions) as session:
            if start[0]:
                signed = repository.entry_at(session, start[0])
                if signed is None or signed.mac != start[1]:
                    raise AuditTampered(f"entry {start[0]} no longer matches its signed checkpoint")
            walk = walk_chain(
                repository.iter_entries(session, after=start[0]),
                self._keys.hmac_key,
                mac_exists=partial(repository.mac_exists, session),
                highest=repository.highest_sequence(session),
                start=start,
            )
        if walk.finding is not None:
            raise AuditTampered(walk.finding.describe())
        previous = line_digest(lines[-1]) if lines else ""
        return sign_checkpoint(
            self._keys.signing_key, walk.last_sequence, walk.last_mac, self._now(), previous
        )

    def verify(self) -> VerifyReport:
        """Check every entry, the head row and every checkpoint; the report names each problem."""
        # Checkpoints, then the head, then the entries: a writer running meanwhile only adds
        # entries after what was read before, so it can never look like a truncation.
        checkpoints, findings = parse_checkpoints(self._file.lines(), self._keys.public_key())
        with transaction(self._sessions) as session:
            head = repository.read_head(session)
            walk = self._walk(session, head, [c.sequence for c in checkpoints])
        chain = [walk.finding] if walk.finding is not None else []
        return VerifyReport(
            entries=walk.entries,
            last_sequence=walk.last_sequence,
            checkpoints=len(checkpoints),
            findings=(
                *chain,
                *check_head(head, walk),
                *check_checkpoints(checkpoints, walk),
                *findings,
            ),
        )

    def _walk(self, session: Session, head: tuple[int, str] | None, signed: list[int]) -> ChainWalk:
        head_sequence = head[0] if head is not None else None
        highest = max([repository.highest_sequence(session), head_sequence or 0, *signed])
        return walk_chain(
            repository.iter_entries(session),
            self._keys.hmac_key,
            mac_exists=partial(repository.mac_exists, session),
            highest=highest,
            head_sequence=head_sequence,
            watch={*signed, *([head_sequence] if head_sequence else [])},
        )
