"""17.04(4), 17.03(2)(h),(j): reviewing the audit log: verify it, list entries, export it whole.

A verification and an export are themselves recorded (AUDIT_VERIFIED, AUDIT_EXPORTED), so that
the log shows when it was reviewed and by whom; a failed verification raises an alert through
the rules. Entries carry ids, enums and counts only, so a listing or an export holds no PI.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from wisp.audit import alert_repository, repository
from wisp.audit.alert_service import Reader, authorize
from wisp.audit.chain import StoredEntry, utc_text
from wisp.audit.events import Action, AuditEvent, Outcome, SystemActor
from wisp.audit.service import AuditLog
from wisp.audit.verify import VerifyReport
from wisp.errors import AuditError
from wisp.identity.roles import Permission
from wisp.storage.session import SessionFactory, transaction

__all__ = ["EXPORT_FORMAT", "AuditReview", "Sink", "entry_document"]

_log = logging.getLogger(__name__)
#: The `format` of each exported line.
EXPORT_FORMAT = "wisp.audit.entry/v1"
#: Runs a writer on an output (a file written atomically, standard output) and keeps it.
Sink = Callable[[Callable[[TextIO], None]], None]


def entry_document(entry: StoredEntry) -> dict[str, Any]:
    """An entry as JSON: its fields and its chain links (`prev_hash`, `mac`), times in UTC."""
    return {
        "format": EXPORT_FORMAT,
        "sequence": entry.sequence,
        "occurred_at": utc_text(entry.occurred_at),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "source": entry.source,
        "outcome": entry.outcome,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "mac": entry.mac,
    }


def _actor(recorded_as: str) -> uuid.UUID | SystemActor:
    return SystemActor(recorded_as) if recorded_as == SystemActor.CLI else uuid.UUID(recorded_as)


class AuditReview:
    """What a reviewer does with the audit log; needs Permission.AUDIT_READ, or the CLI."""

    def __init__(self, log: AuditLog, sessions: SessionFactory) -> None:
        self._log = log
        self._sessions = sessions

    def verify(self, reader: Reader) -> VerifyReport:
        """Verify the chain and its checkpoints, and record that it was done and how it ended.

        The record is best-effort: a log too damaged to append to still gets its report.
        """
        actor = _actor(authorize(reader, Permission.AUDIT_READ))
        report = self._log.verify()
        outcome = Outcome.SUCCESS if report.ok else Outcome.FAILURE
        details = {
            "entries": report.entries,
            "last_sequence": report.last_sequence,
            "checkpoints": report.checkpoints,
            "findings": len(report.findings),
        }
        try:
            self._log.record(AuditEvent(Action.AUDIT_VERIFIED, outcome, actor, details=details))
        except AuditError as exc:
            _log.warning("the verification could not be recorded (%s)", type(exc).__name__)
        return report

    def entries(
        self,
        reader: Reader,
        *,
        since: datetime | None = None,
        action: Action | None = None,
        limit: int = 100,
    ) -> list[StoredEntry]:
        """Up to `limit` entries, oldest first: from `since` if given, else the newest ones."""
        authorize(reader, Permission.AUDIT_READ)
        with transaction(self._sessions) as session:
            return alert_repository.select_entries(
                session, since=since, action=action.value if action else None, limit=limit
            )

    def export(self, reader: Reader, sink: Sink) -> int:
        """Write every entry as JSON lines through `sink`, then record the export; the count."""
        actor = _actor(authorize(reader, Permission.AUDIT_READ))
        written = {"count": 0, "last": 0}

        def write(out: TextIO) -> None:
            with transaction(self._sessions) as session:
                # Up to the entry last written when the export began: a writer meanwhile only
                # adds entries after it, and the export stays one consistent prefix.
                last = repository.highest_sequence(session)
                for entry in repository.iter_entries(session):
                    if entry.sequence > last:
                        break
                    out.write(json.dumps(entry_document(entry), sort_keys=True) + "\n")
                    written["count"] += 1
            written["last"] = last

        sink(write)
        details = {"count": written["count"], "last_sequence": written["last"]}
        self._log.record(AuditEvent(Action.AUDIT_EXPORTED, Outcome.SUCCESS, actor, details=details))
        return written["count"]
