"""Failed sign-ins: per-source throttling first, then account lockout that one source cannot trip.

17.04(1)(e): block access after multiple unsuccessful attempts; ASVS 5.0 6.3.1, 6.1.1.

The design, and why (plain account lockout lets anyone who knows user names lock everyone
out, the complaint most raised against Keycloak's brute-force detection):

1. **The source is judged first.** A source is an IPv4 address or an IPv6 /64 (one host's
   usual allocation). After `free_failures` failures its next attempt must wait, doubling
   each time up to `max_delay`. A throttled attempt is refused before any password is
   checked and changes nothing; quiet for `source_reset`, a source starts afresh.
2. **Only unthrottled failures count toward an account's lockout.** A failure counts if its
   source had fewer than `free_failures` failures. Since `free_failures < threshold`, one
   source alone can never lock an account: an attacker hammering alice from one address is
   throttled, and alice signs in from her own. Cycling user names from one address spends
   the same small allowance, so it locks no one. Locking needs `threshold` counted failures
   within `window` from several sources; then the account refuses every source for
   `duration` (or until an administrator unlocks it, if None).
3. **A ceiling, whatever the source.** `hard_limit` (100) consecutive failures, counted or
   not, lock the account until an administrator unlocks it: 800-63B's limit on failed
   attempts per account. One throttled source needs about a day of waiting to reach it, and
   any success on the account resets it.
4. **A success forgives only that account's failures at that source.** Behind one office
   address, a user's own typos stop counting once they sign in. A success does not clear
   the source: an insider signing into their own account between guesses at others would
   otherwise never be throttled, and could lock every account.

The caller shows **one generic message** (`GENERIC_FAILURE`) for a wrong password, an unknown
user, a locked account and a throttled source, and checks a password (a throw-away one for an
unknown user) even for a locked account, so that neither words nor timing tell them apart.
Only a THROTTLED decision's `retry_after` may be sent (as `Retry-After`): it depends on the
source alone and says nothing about the account. A wrong TOTP or recovery code is a failed
attempt like a wrong password.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Final

from wisp.config import Settings
from wisp.errors import ConfigError
from wisp.identity.clock import Clock, require_aware, utc_now

__all__ = [
    "GENERIC_FAILURE",
    "AccountState",
    "Attempt",
    "Decision",
    "LockoutPolicy",
    "LoginGuard",
    "Outcome",
    "SourceState",
    "Verdict",
    "backoff",
    "decide",
    "record_failure",
    "record_success",
    "source_key",
    "unlock",
]

#: The only words a refused sign-in shows, whatever the reason.
GENERIC_FAILURE: Final = (
    "Sign-in failed: the user name or password is wrong, or sign-in is not possible right now."
)
#: Accounts a source remembers failures against, for forgiving a user's own typos.
_TRACKED_ACCOUNTS: Final = 16
_MAX_DOUBLINGS: Final = 40
#: The in-memory guard forgets quiet sources once it holds this many.
_PRUNE_AT: Final = 10_000


@dataclass(frozen=True)
class LockoutPolicy:
    """Thresholds and durations; see the module docstring for how they fit together."""

    threshold: int = 5
    window: timedelta = timedelta(minutes=15)
    duration: timedelta | None = timedelta(minutes=30)
    free_failures: int = 3
    base_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    source_reset: timedelta = timedelta(hours=1)
    hard_limit: int = 100

    def __post_init__(self) -> None:
        rules = (
            (1 <= self.free_failures < self.threshold, "free_failures must be below threshold"),
            (self.threshold <= self.hard_limit, "threshold must not exceed hard_limit"),
            (self.window <= self.source_reset, "window must not exceed source_reset"),
            (self.max_delay < self.source_reset, "max_delay must be shorter than source_reset"),
            (timedelta(0) < self.base_delay <= self.max_delay, "need 0 < base_delay <= max_delay"),
            (self.duration is None or self.duration > timedelta(0), "duration must be positive"),
        )
        for holds, message in rules:
            if not holds:
                raise ConfigError(f"lockout policy: {message}")

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        """The policy an installation configured."""
        return cls(
            threshold=settings.lockout_threshold,
            window=timedelta(minutes=settings.lockout_window_minutes),
            duration=timedelta(minutes=settings.lockout_minutes) or None,
            free_failures=settings.throttle_free_failures,
            max_delay=timedelta(seconds=settings.throttle_max_delay_seconds),
            source_reset=timedelta(minutes=settings.throttle_reset_minutes),
        )


@dataclass(frozen=True)
class SourceState:
    """Failures from one source (address or /64), across all accounts."""

    failures: int = 0
    last_failure_at: datetime | None = None
    #: (account, failures) for the accounts most recently failed from here, oldest first.
    by_account: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class AccountState:
    """Failures against one account, and its lock."""

    #: When each counted failure (from an unthrottled source) happened, within the window.
    counted: tuple[datetime, ...] = ()
    #: Every failure since the last success, counted or not (for `hard_limit`).
    consecutive: int = 0
    locked_at: datetime | None = None
    #: None while `locked_at` is set: locked until an administrator unlocks.
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """Whether the account refuses every sign-in at `now`."""
        if self.locked_at is None:
            return False
        return self.locked_until is None or require_aware(now) < self.locked_until


class Verdict(Enum):
    """What may happen to a sign-in attempt before its password is checked."""

    ALLOW = "allow"
    THROTTLED = "throttled"
    LOCKED = "locked"


@dataclass(frozen=True)
class Decision:
    """A verdict; `retry_after` is set for THROTTLED only, and only it may be shown."""

    verdict: Verdict
    retry_after: timedelta | None = None


def source_key(address: str) -> str:
    """The key a client address is throttled under: IPv4 itself, IPv6 by its /64.

    One IPv6 host usually holds a whole /64; throttling single addresses would let it rotate.
    Anything that is not an IP address (a Unix socket) is its own key.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def backoff(policy: LockoutPolicy, failures: int) -> timedelta:
    """How long a source with `failures` must wait after its last failure: 0, then doubling."""
    if failures < policy.free_failures:
        return timedelta(0)
    doublings = min(failures - policy.free_failures, _MAX_DOUBLINGS)
    return min(policy.max_delay, policy.base_delay * (1 << doublings))


def _current_source(policy: LockoutPolicy, source: SourceState, now: datetime) -> SourceState:
    last = source.last_failure_at
    if last is not None and now - last >= policy.source_reset:
        return SourceState()
    return source


def decide(
    policy: LockoutPolicy, source: SourceState, account: AccountState | None, now: datetime
) -> Decision:
    """Whether an attempt from `source` on `account` (None: no such user) may go ahead."""
    at = require_aware(now)
    current = _current_source(policy, source, at)
    if current.last_failure_at is not None:
        wait_until = current.last_failure_at + backoff(policy, current.failures)
        if at < wait_until:
            return Decision(Verdict.THROTTLED, wait_until - at)
    if account is not None and account.is_locked(at):
        return Decision(Verdict.LOCKED)
    return Decision(Verdict.ALLOW)


def record_failure(
    policy: LockoutPolicy,
    source: SourceState,
    account: AccountState | None,
    account_key: str | None,
    now: datetime,
) -> tuple[SourceState, AccountState | None]:
    """The states after a failed attempt that `decide` did not throttle.

    `account_key` is the user's id, or None for a name that matches no user: a typed name
    is never stored, since people sometimes type their password into the name field.
    """
    at = require_aware(now)
    current = _current_source(policy, source, at)
    counts = current.failures < policy.free_failures
    after = SourceState(current.failures + 1, at, _bump(current.by_account, account_key))
    if account is None or account.is_locked(at):
        return after, account
    if account.locked_at is not None:  # an expired lock: start over, keeping the ceiling
        account = AccountState(consecutive=account.consecutive)
    counted = tuple(t for t in account.counted if at - t < policy.window)
    counted += (at,) if counts else ()
    consecutive = account.consecutive + 1
    if consecutive >= policy.hard_limit:
        return after, AccountState((), consecutive, at, None)
    if len(counted) >= policy.threshold:
        until = None if policy.duration is None else at + policy.duration
        return after, AccountState((), consecutive, at, until)
    return after, AccountState(counted, consecutive)


def record_success(
    policy: LockoutPolicy, source: SourceState, account_key: str, now: datetime
) -> tuple[SourceState, AccountState]:
    """The states after a correct sign-in: the account's failures are forgotten, and the
    source's failures against this account (the user's own typos) are forgiven."""
    at = require_aware(now)
    current = _current_source(policy, source, at)
    forgiven = dict(current.by_account).get(account_key, 0)
    failures = max(0, current.failures - forgiven)
    kept = tuple(pair for pair in current.by_account if pair[0] != account_key)
    after = SourceState(failures, current.last_failure_at if failures else None, kept)
    return after, AccountState()


def unlock(account: AccountState) -> AccountState:
    """`account` after an administrator's unlock: the lock and every count are cleared."""
    return replace(account, counted=(), consecutive=0, locked_at=None, locked_until=None)


def _bump(
    by_account: tuple[tuple[str, int], ...], account_key: str | None
) -> tuple[tuple[str, int], ...]:
    if account_key is None:
        return by_account
    counts = dict(by_account)
    previous = counts.pop(account_key, 0)
    pairs = [*counts.items(), (account_key, previous + 1)]
    return tuple(pairs[-_TRACKED_ACCOUNTS:])


class Outcome(Enum):
    """How a sign-in attempt ended; every outcome but SIGNED_IN shows `GENERIC_FAILURE`."""

    SIGNED_IN = "signed_in"
    FAILED = "failed"
    THROTTLED = "throttled"
    LOCKED = "locked"


@dataclass(frozen=True)
class Attempt:
    """An attempt's outcome; `retry_after` for THROTTLED only."""

    outcome: Outcome
    retry_after: timedelta | None = None


@dataclass
class LoginGuard:
    """The rules above over in-memory state, for one process; a repository-backed service
    will keep the same states in the database."""

    policy: LockoutPolicy = field(default_factory=LockoutPolicy)
    clock: Clock = utc_now
    _sources: dict[str, SourceState] = field(default_factory=dict, repr=False)
    _accounts: dict[str, AccountState] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attempt(self, address: str, user_id: str | None, verify: Callable[[], bool]) -> Attempt:
        """One sign-in attempt from `address` as `user_id` (None: unknown name).

        `verify` checks the credential (for an unknown user, against a throw-away hash). It
        runs unless the source is throttled, even for a locked account, so that timing does
        not tell a locked account from a wrong password. The attempt is counted as a failure
        before `verify` runs and forgiven if it succeeds, so concurrent requests cannot slip
        past the throttle together.
        """
        key = source_key(address)
        with self._lock:
            now = require_aware(self.clock())
            source = self._sources.get(key, SourceState())
            account = None if user_id is None else self._accounts.get(user_id, AccountState())
            decision = decide(self.policy, source, account, now)
            if decision.verdict is Verdict.THROTTLED:
                return Attempt(Outcome.THROTTLED, decision.retry_after)
            if len(self._sources) >= _PRUNE_AT:
                self._prune(now)
            self._store(key, user_id, *record_failure(self.policy, source, account, user_id, now))
        verified = verify()
        if decision.verdict is Verdict.LOCKED:
            return Attempt(Outcome.LOCKED)
        if not verified or user_id is None:
            return Attempt(Outcome.FAILED)
        with self._lock:
            source = self._sources.get(key, SourceState())
            self._store(key, user_id, *record_success(self.policy, source, user_id, self.clock()))
        return Attempt(Outcome.SIGNED_IN)

    def unlock(self, user_id: str) -> None:
        """An administrator unlocks `user_id`."""
        with self._lock:
            self._accounts[user_id] = unlock(self._accounts.get(user_id, AccountState()))

    def account(self, user_id: str) -> AccountState:
        """The failure state of `user_id` (for an administrator's view)."""
        with self._lock:
            return self._accounts.get(user_id, AccountState())

    def _prune(self, now: datetime) -> None:
        reset = self.policy.source_reset
        self._sources = {
            key: state
            for key, state in self._sources.items()
            if state.last_failure_at is not None and now - state.last_failure_at < reset
        }

    def _store(
        self, key: str, user_id: str | None, source: SourceState, account: AccountState | None
    ) -> None:
        self._sources[key] = source
        if user_id is not None and account is not None:
            self._accounts[user_id] = account
