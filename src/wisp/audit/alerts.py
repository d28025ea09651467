"""17.04(4), 17.03(2)(h): alert rules over the audit log, and the engine that runs them.

Each rule is a small declarative class: the actions it watches, a pure test of the entry and,
for a counting rule, a threshold over a window counted in the audit_entry table itself (never in
memory, so that several app servers agree). Defaults, for a business of 10 to 500 people:

- 5 failed sign-ins within 15 minutes, per account or per source: the lockout's own threshold,
  so the alert comes with the lockout; per source it also catches one address trying many names.
- more than 20 reveals by one user within 10 minutes: a person serving a customer reveals a
  handful; twenty in ten minutes is the pace of copying records out.
- an export of more than 100 records: more than a team's own list; any unmasked export is noted.
- sign-ins and reveals outside 07:00-19:00 Monday to Friday, America/New_York.
- immediately: a lockout, a deactivated account used, a canary revealed, a failed verification.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from wisp.audit import alert_repository
from wisp.audit.alert_models import Severity, Trigger
from wisp.audit.chain import StoredEntry
from wisp.audit.events import Action, Outcome
from wisp.storage.session import SessionFactory, transaction

if TYPE_CHECKING:
    from wisp.config import Settings

__all__ = [
    "AccountLocked",
    "AlertEngine",
    "AuditVerificationFailed",
    "BulkExport",
    "BulkReveal",
    "BusinessHours",
    "CanaryReveal",
    "CountingRule",
    "DeactivatedAccountUsed",
    "FailedSignInsForAccount",
    "FailedSignInsFromSource",
    "OffHoursReveal",
    "OffHoursSignIn",
    "Rule",
    "SessionCounter",
    "UnmaskedExport",
    "default_rules",
    "parse_days",
    "parse_hours",
    "parse_zone",
]

_log = logging.getLogger(__name__)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
_DAY_END = 24 * 60


def parse_hours(text: str) -> tuple[int, int]:
    """`HH:MM-HH:MM` as minutes after midnight; `22:00-06:00` spans midnight, `24:00` ends a day."""
    match = _HOURS.fullmatch(text.strip())
    if match is None:
        raise ValueError("must be HH:MM-HH:MM, such as 07:00-19:00")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start_m > 59 or end_m > 59 or start >= _DAY_END or end > _DAY_END or start == end:
        raise ValueError("must be two different times of day, such as 07:00-19:00")
    return start, end


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri` or `sun-thu` as weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if first not in _DAYS or (dash and last not in _DAYS):
            raise ValueError("must be days such as mon-fri or mon,tue,thu")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return frozenset(days)


def parse_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (such as America/New_York); ValueError if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not an IANA time zone, such as America/New_York") from None


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When people are expected at work, in the business's own time zone."""

    start: int  # minutes after local midnight
    end: int
    days: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, days: str, zone: str) -> BusinessHours:
        """From the texts of WISP_BUSINESS_HOURS, WISP_BUSINESS_DAYS and WISP_TIMEZONE."""
        start, end = parse_hours(hours)
        return cls(start, end, parse_days(days), parse_zone(zone))

    def contains(self, instant: datetime) -> bool:
        """Whether `instant` falls within business hours."""
        local = instant.astimezone(self.zone)
        minute, day = local.hour * 60 + local.minute, local.weekday()
        if self.start < self.end:
            return day in self.days and self.start <= minute < self.end
        # Overnight hours (22:00-06:00): the early morning belongs to the previous day's shift.
        if minute >= self.start:
            return day in self.days
        return minute < self.end and (day - 1) % 7 in self.days


class SessionCounter:
    """Window counts for counting rules, read in one transaction opened on first use."""

    def __init__(self, open_session: Callable[[], Session]) -> None:
        self._open = open_session
        self._session: Session | None = None

    def count(
        self,
        actions: frozenset[Action],
        since: datetime,
        until: datetime,
        *,
        actor: str | None = None,
        source: str | None = None,
    ) -> tuple[int, int | None]:
        """(entries of `actions` by `actor` / from `source` in (since, until], the first one)."""
        if self._session is None:
            self._session = self._open()
        return alert_repository.count_window(
            self._session, [a.value for a in actions], since, until, actor=actor, source=source
        )


class Rule:
    """One alert rule. Subclasses declare NAME, TITLE, SEVERITY and ACTIONS, and test entries."""

    NAME: ClassVar[str]
    TITLE: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    ACTIONS: ClassVar[frozenset[Action]]

    def __init__(self, repeat: timedelta) -> None:
        #: An open alert absorbs repeats of this rule on one subject for this long.
        self.window = repeat

    def describe(self) -> str:
        """One sentence saying when the rule fires, with its thresholds."""
        return self.TITLE + "."

    def applies(self, entry: StoredEntry) -> bool:
        """Whether the entry (of one of ACTIONS) is one this rule fires on; pure and cheap."""
        return True

    def subject(self, entry: StoredEntry) -> str | None:
        """Who or what the alert is about: the actor's id, else the source address."""
        return entry.actor or entry.source or "unknown"

    def evaluate(self, entry: StoredEntry, counter: SessionCounter) -> Trigger | None:
        """The trigger this entry fires, if any; an immediate rule needs no counting."""
        subject = self.subject(entry) if self.applies(entry) else None
        if subject is None:
            return None
        return self.trigger(entry, subject, count=1, first=entry.sequence)

    def trigger(self, entry: StoredEntry, subject: str, *, count: int, first: int) -> Trigger:
        """The trigger for `entry` on `subject`, covering `count` entries from `first`."""
        return Trigger(
            rule=self.NAME,
            severity=self.SEVERITY,
            subject=subject,
            first_sequence=first,
            last_sequence=entry.sequence,
            count=count,
            occurred_at=entry.occurred_at,
            window=self.window,
        )


class CountingRule(Rule):
    """Fires when one subject's entries of ACTIONS within the window reach the threshold."""

    BY: ClassVar[Literal["actor", "source"]]
    #: True: more than the threshold fires; False: the threshold itself does.
    STRICT: ClassVar[bool] = False

    def __init__(self, threshold: int, minutes: int) -> None:
        super().__init__(timedelta(minutes=minutes))
        self.threshold = threshold

    def describe(self) -> str:
        """The rule with its threshold and window."""
        quantity = f"more than {self.threshold}" if self.STRICT else f"{self.threshold} or more"
        return f"{self.TITLE}: {quantity} within {int(self.window.total_seconds()) // 60} minutes."

    def subject(self, entry: StoredEntry) -> str | None:
        """The actor's id or the source address, as BY says; None (no alert) if absent."""
        return entry.actor if self.BY == "actor" else entry.source

    def evaluate(self, entry: StoredEntry, counter: SessionCounter) -> Trigger | None:
        """A trigger once the window's count crosses the threshold."""
        subject = self.subject(entry) if self.applies(entry) else None
        if subject is None:
            return None
        by = {self.BY: subject}
        count, first = counter.count(
            self.ACTIONS, entry.occurred_at - self.window, entry.occurred_at, **by
        )
        fired = count > self.threshold if self.STRICT else count >= self.threshold
        if not fired:
            return None
        return self.trigger(entry, subject, count=count, first=first or entry.sequence)


class FailedSignInsForAccount(CountingRule):
    NAME = "failed_sign_ins_account"
    TITLE = "Repeated failed sign-ins for one account"
    SEVERITY = Severity.MEDIUM
    ACTIONS = frozenset({Action.LOGIN_FAILED})
    BY = "actor"


class FailedSignInsFromSource(CountingRule):
    NAME = "failed_sign_ins_source"
    TITLE = "Repeated failed sign-ins from one address"
    SEVERITY = Severity.MEDIUM
    ACTIONS = frozenset({Action.LOGIN_FAILED})
    BY = "source"


class BulkReveal(CountingRule):
    NAME = "bulk_reveal"
    TITLE = "Many reveals of personal information by one user"
    SEVERITY = Severity.HIGH
    ACTIONS = frozenset({Action.REVEAL})
    BY = "actor"
    STRICT = True


class AccountLocked(Rule):
    NAME = "account_locked"
    TITLE = "An account was locked after failed sign-ins"
    SEVERITY = Severity.MEDIUM
    ACTIONS = frozenset({Action.LOCKOUT})


class DeactivatedAccountUsed(Rule):
    NAME = "deactivated_account_used"
    TITLE = "A deactivated account tried to sign in or use an old session or token"
    SEVERITY = Severity.HIGH
    ACTIONS = frozenset({Action.ACCESS_DENIED, Action.LOGIN_FAILED})

    def applies(self, entry: StoredEntry) -> bool:
        """Only refusals whose reason is a disabled account."""
        return _detail(entry, "reason") == "disabled"


class CanaryReveal(Rule):
    NAME = "canary_reveal"
    TITLE = "A canary record was revealed or exported unmasked (insider tripwire)"
    SEVERITY = Severity.CRITICAL
    ACTIONS = frozenset({Action.REVEAL, Action.EXPORT})

    def applies(self, entry: StoredEntry) -> bool:
        """A canary revealed or exported, allowed or not: nobody has a reason to open one."""
        return _detail(entry, "canary") is True


#: An export that failed midway (ERROR) may still have let part of its records out.
_EXPORTED = frozenset({Outcome.SUCCESS.value, Outcome.ERROR.value})


class _ExportRule(Rule):
    ACTIONS = frozenset({Action.EXPORT})

    def __init__(self, limit: int, repeat: timedelta) -> None:
        super().__init__(repeat)
        self.limit = limit

    def _count(self, entry: StoredEntry) -> int:
        count = _detail(entry, "count")
        # A count that is missing or not a number is treated as large: fail closed.
        return count if isinstance(count, int) and not isinstance(count, bool) else self.limit + 1


class BulkExport(_ExportRule):
    NAME = "bulk_export"
    TITLE = "A bulk export of records"
    SEVERITY = Severity.HIGH

    def describe(self) -> str:
        """The rule with its size limit."""
        return f"{self.TITLE}: more than {self.limit} records in one export."

    def applies(self, entry: StoredEntry) -> bool:
        """Exports larger than the limit, masked or not."""
        return entry.outcome in _EXPORTED and self._count(entry) > self.limit


class UnmaskedExport(_ExportRule):
    NAME = "unmasked_export"
    TITLE = "An export of records with personal information unmasked"
    SEVERITY = Severity.LOW

    def applies(self, entry: StoredEntry) -> bool:
        """Unmasked exports the bulk rule leaves alone."""
        small = self._count(entry) <= self.limit
        return entry.outcome in _EXPORTED and small and _unmasked(entry)


class _OffHoursRule(Rule):
    def __init__(self, hours: BusinessHours, repeat: timedelta) -> None:
        super().__init__(repeat)
        self.hours = hours

    def describe(self) -> str:
        """The rule with the business hours it compares against."""
        start, end = (f"{m // 60:02d}:{m % 60:02d}" for m in (self.hours.start, self.hours.end))
        days = ",".join(_DAYS[d] for d in sorted(self.hours.days))
        return f"{self.TITLE}: outside {start}-{end} on {days}, {self.hours.zone.key}."

    def applies(self, entry: StoredEntry) -> bool:
        """Successful ones outside business hours."""
        return entry.outcome == Outcome.SUCCESS and not self.hours.contains(entry.occurred_at)


class OffHoursSignIn(_OffHoursRule):
    NAME = "off_hours_sign_in"
    TITLE = "A sign-in outside business hours"
    SEVERITY = Severity.LOW
    ACTIONS = frozenset({Action.LOGIN})


class OffHoursReveal(_OffHoursRule):
    NAME = "off_hours_reveal"
    TITLE = "Personal information revealed outside business hours"
    SEVERITY = Severity.MEDIUM
    ACTIONS = frozenset({Action.REVEAL})


class AuditVerificationFailed(Rule):
    NAME = "audit_verification_failed"
    TITLE = "The audit log failed verification: entries were altered or removed"
    SEVERITY = Severity.CRITICAL
    ACTIONS = frozenset({Action.AUDIT_VERIFIED})

    def applies(self, entry: StoredEntry) -> bool:
        """A verification that found problems."""
        return entry.outcome != Outcome.SUCCESS

    def subject(self, entry: StoredEntry) -> str | None:
        """The log itself."""
        return "audit_log"


def _detail(entry: StoredEntry, name: str) -> object:
    details = entry.details
    return details.get(name) if isinstance(details, dict) else None


def _unmasked(entry: StoredEntry) -> bool:
    # The vault lists the fields it exported unmasked (`fields`, empty for a masked export);
    # `masked` says it outright. An export that says neither counts as unmasked: fail closed.
    masked = _detail(entry, "masked")
    if isinstance(masked, bool):
        return not masked
    fields = _detail(entry, "fields")
    return bool(fields) if isinstance(fields, list) else True


def default_rules(settings: Settings) -> tuple[Rule, ...]:
    """Every built-in rule, with the thresholds `settings` give."""
    repeat = timedelta(minutes=settings.alert_repeat_minutes)
    hours = BusinessHours.parse(settings.business_hours, settings.business_days, settings.timezone)
    failures = (settings.alert_failed_sign_ins, settings.alert_failed_sign_ins_minutes)
    return (
        FailedSignInsForAccount(*failures),
        FailedSignInsFromSource(*failures),
        AccountLocked(repeat),
        DeactivatedAccountUsed(repeat),
        BulkReveal(settings.alert_reveals, settings.alert_reveals_minutes),
        BulkExport(settings.alert_export_records, repeat),
        UnmaskedExport(settings.alert_export_records, repeat),
        OffHoursSignIn(hours, repeat),
        OffHoursReveal(hours, repeat),
        CanaryReveal(repeat),
        AuditVerificationFailed(repeat),
    )


@contextmanager
def _warn_on_failure(what: str, name: str, sequence: int) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        # One rule's trouble must not silence the others; the class only, never a message.
        reason = type(exc).__name__
        _log.warning("%s %s failed on audit entry %d (%s)", what, name, sequence, reason)


class AlertEngine:
    """The audit log's listener: runs the rules watching an entry's action, raises what fires."""

    def __init__(
        self,
        sessions: SessionFactory,
        rules: Sequence[Rule],
        *,
        on_raised: Callable[[int], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self.rules = tuple(rules)
        self._by_action: dict[str, tuple[Rule, ...]] = {}
        for rule in self.rules:
            for action in rule.ACTIONS:
                self._by_action[action.value] = (*self._by_action.get(action.value, ()), rule)
        self._on_raised = on_raised
        self._local = threading.local()

    def watches(self, action: str) -> bool:
        """Whether some rule looks at entries of `action`."""
        return action in self._by_action

    def __call__(self, entry: StoredEntry) -> None:
        """Run the rules on a committed entry; raise alerts, then hand new ones to `on_raised`."""
        rules = self._by_action.get(entry.action)
        # A dict lookup and out for the many entries no rule watches. The guard stops any
        # entry recorded while raising (should raising ever be audited) from raising again.
        if rules is None or getattr(self._local, "busy", False):
            return
        self._local.busy = True
        try:
            raised = [self._raise(trigger, entry) for trigger in self.evaluate(entry, rules)]
            for alert_id in raised:
                if alert_id is not None and self._on_raised is not None:
                    with _warn_on_failure("delivery of alert", str(alert_id), entry.sequence):
                        self._on_raised(alert_id)
        finally:
            self._local.busy = False

    def evaluate(self, entry: StoredEntry, rules: Sequence[Rule] | None = None) -> list[Trigger]:
        """What the rules (all that watch the entry's action, by default) fire on `entry`."""
        if rules is None:
            rules = self._by_action.get(entry.action, ())
        triggers = []
        with ExitStack() as stack:
            counter = SessionCounter(lambda: stack.enter_context(transaction(self._sessions)))
            for rule in rules:
                with _warn_on_failure("alert rule", rule.NAME, entry.sequence):
                    trigger = rule.evaluate(entry, counter)
                    if trigger is not None:
                        triggers.append(trigger)
        return triggers

    def _raise(self, trigger: Trigger, entry: StoredEntry) -> int | None:
        with _warn_on_failure("raising alert", trigger.rule, entry.sequence):
            with transaction(self._sessions, write=True) as session:
                alert_id, new = alert_repository.raise_alert(session, trigger)
            return alert_id if new else None
        return None
