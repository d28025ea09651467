"""17.04(4), 17.03(2)(h): the alert service: list and acknowledge alerts, deliver their e-mail.

Alerts are raised by `AlertEngine`, which listens to the audit log; each new one is e-mailed
right after, outside the transaction of whatever was audited, best-effort. `deliver_pending`
retries what could not be sent. Callers get frozen `AlertView`s, never ORM rows.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from wisp.audit import alert_repository
from wisp.audit.alert_models import Alert, AlertView, DeliveryStatus, Severity
from wisp.audit.alerts import AlertEngine, Rule, default_rules, parse_zone
from wisp.audit.events import Action, AuditEvent, DetailValue, Outcome, SystemActor, Target
from wisp.audit.mailer import Mailer, SmtpConfig, compose_alert
from wisp.errors import ConfigError, Conflict, MailError, NotFound, PermissionDenied
from wisp.identity.clock import Clock, utc_now
from wisp.identity.roles import Permission, Principal
from wisp.storage.session import SessionFactory, transaction

if TYPE_CHECKING:
    from wisp.audit.service import AuditLog
    from wisp.config import Settings

__all__ = ["AlertService", "DeliveryReport", "Reader", "authorize"]

_log = logging.getLogger(__name__)
#: Who may read alerts or the log: a signed-in principal, or someone at the host's command line.
Reader = Principal | SystemActor
_LIST_LIMIT = 500


def authorize(reader: Reader, permission: Permission) -> str:
    """The id to record for `reader` (a user's UUID, or `cli`); PermissionDenied otherwise."""
    if reader is SystemActor.CLI:
        return SystemActor.CLI.value
    if isinstance(reader, Principal):
        reader.require(permission)
        return reader.user_id
    raise PermissionDenied(f"permission denied: {permission}")


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one round of delivery did: e-mails sent, failed, and the failures' error classes."""

    sent: int
    failed: int
    errors: tuple[str, ...]


def _error_class(exc: MailError) -> str:
    cause = exc.__cause__
    return type(cause).__name__ if cause is not None else type(exc).__name__


class AlertService:
    """The alerts of one installation: its rules' engine, its table, and its e-mail."""

    def __init__(
        self,
        sessions: SessionFactory,
        rules: Sequence[Rule],
        *,
        mailer: Mailer | None = None,
        zone: tzinfo = UTC,
        clock: Clock = utc_now,
        audit: AuditLog | None = None,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._mailer = mailer
        self._zone = zone
        self._clock = clock
        self._rules = {rule.NAME: rule for rule in rules}
        timeout = mailer.config.timeout if mailer is not None else 0.0
        # A claim older than this was lost (its sender crashed): another may take it over.
        self._lease = max(timedelta(minutes=5), timedelta(seconds=6 * timeout))
        self.engine = AlertEngine(sessions, rules, on_raised=self._deliver_new)

    @classmethod
    def open(
        cls,
        settings: Settings,
        sessions: SessionFactory,
        *,
        clock: Clock = utc_now,
        ssl_context: ssl.SSLContext | None = None,
        audit: AuditLog | None = None,
    ) -> AlertService:
        """The service `settings` describe; without WISP_SMTP_HOST, alerts are kept, not mailed."""
        config = SmtpConfig.from_settings(settings)
        mailer = Mailer(config, ssl_context=ssl_context) if config is not None else None
        return cls(
            sessions,
            default_rules(settings),
            mailer=mailer,
            zone=parse_zone(settings.timezone),
            clock=clock,
            audit=audit,
        )

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules the engine runs."""
        return self.engine.rules

    def _view(self, row: Alert) -> AlertView:
        rule = self._rules.get(row.rule)
        return AlertView(
            id=row.id,
            rule=row.rule,
            title=rule.TITLE if rule is not None else row.rule,
            severity=Severity(row.severity),
            subject=row.subject,
            first_sequence=row.first_sequence,
            last_sequence=row.last_sequence,
            count=row.count,
            raised_at=row.raised_at,
            last_seen_at=row.last_seen_at,
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
            delivery_status=DeliveryStatus(row.delivery_status),
            delivery_attempts=row.delivery_attempts,
            delivery_error=row.delivery_error,
        )

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def list_alerts(
        self, principal: Reader, open_only: bool = True, limit: int = _LIST_LIMIT
    ) -> list[AlertView]:
        """Alerts, newest first: unacknowledged only unless `open_only` is False."""
        authorize(principal, Permission.ALERTS_READ)
        with transaction(self._sessions) as session:
            rows = alert_repository.list_alerts(session, open_only=open_only, limit=limit)
            return [self._view(row) for row in rows]

    def get_alert(self, principal: Reader, alert_id: int) -> AlertView:
        """One alert; NotFound if there is none with this id."""
        authorize(principal, Permission.ALERTS_READ)
        with transaction(self._sessions) as session:
            row = alert_repository.get_alert(session, alert_id)
            if row is None:
                raise NotFound(f"no alert {alert_id}")
            return self._view(row)

    def acknowledge(self, principal: Reader, alert_id: int) -> AlertView:
        """Mark an alert reviewed; NotFound if absent, Conflict if acknowledged already.

        With an audit log, the acknowledgement is audited (ALERT_ACKNOWLEDGED) in the same
        transaction: who decided that an alarm needed nothing more is part of the record.
        """
        by = authorize(principal, Permission.ALERTS_READ)
        with transaction(self._sessions, write=True) as session:
            row = alert_repository.get_alert(session, alert_id)
            if row is None:
                raise NotFound(f"no alert {alert_id}")
            if row.acknowledged_at is not None:
                raise Conflict(f"alert {alert_id} was acknowledged already")
            alert_repository.acknowledge(session, row, by, self._now())
            if self._audit is not None:
                actor = SystemActor.CLI if by == SystemActor.CLI.value else uuid.UUID(by)
                details: dict[str, DetailValue] = {"severity": Severity(row.severity)}
                event = AuditEvent(
                    Action.ALERT_ACKNOWLEDGED,
                    Outcome.SUCCESS,
                    actor,
                    Target("alert", alert_id),
                    None,
                    details,
                )
                self._audit.record(event, session=session)
            return self._view(row)

    def describe(self, rule_name: str) -> str:
        """The rule's sentence with its thresholds, for messages; its name if no longer known."""
        rule = self._rules.get(rule_name)
        return rule.describe() if rule is not None else rule_name

    def deliver_pending(self, limit: int = 100) -> DeliveryReport:
        """E-mail every open alert still waiting or failed; ConfigError if e-mail is not set up."""
        if self._mailer is None:
            raise ConfigError("alert e-mail is not configured: set WISP_SMTP_HOST")
        stale_before = self._now() - self._lease
        with transaction(self._sessions) as session:
            waiting = alert_repository.deliverable_ids(session, stale_before, limit)
        outcomes = [self._deliver(alert_id) for alert_id in waiting]
        sent = [o for o in outcomes if o is not None and o[0] is DeliveryStatus.SENT]
        failed = [o for o in outcomes if o is not None and o[0] is DeliveryStatus.FAILED]
        return DeliveryReport(len(sent), len(failed), tuple(o[1] for o in failed if o[1]))

    def _deliver_new(self, alert_id: int) -> None:
        if self._mailer is not None:
            self._deliver(alert_id)

    def _deliver(self, alert_id: int) -> tuple[DeliveryStatus, str | None] | None:
        mailer = self._mailer
        if mailer is None:
            return None
        now = self._now()
        with transaction(self._sessions, write=True) as session:
            row = alert_repository.claim_delivery(session, alert_id, now, now - self._lease)
            view = self._view(row) if row is not None else None
        if view is None:
            return None  # sent meanwhile, or another server is sending it
        status, error = DeliveryStatus.SENT, None
        message = compose_alert(
            view,
            self.describe(view.rule),
            sender=mailer.config.sender,
            recipients=mailer.config.recipients,
            zone=self._zone,
            sent_at=now,
        )
        try:
            mailer.send(message)
        except MailError as exc:
            status, error = DeliveryStatus.FAILED, _error_class(exc)
            _log.warning("alert %d: e-mail not delivered (%s); kept for a retry", alert_id, error)
        with transaction(self._sessions, write=True) as session:
            alert_repository.finish_delivery(session, alert_id, status, error, self._now())
        return status, error
