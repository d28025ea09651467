"""Throttling and lockout: the attacks they must stop and the users they must not stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from wisp.config import Settings
from wisp.errors import ConfigError
from wisp.identity.lockout import (
    GENERIC_FAILURE,
    AccountState,
    Attempt,
    LockoutPolicy,
    LoginGuard,
    Outcome,
    SourceState,
    Verdict,
    backoff,
    decide,
    record_failure,
    record_success,
    source_key,
    unlock,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = LockoutPolicy()
ATTACKER = "203.0.113.7"
ALICE_HOME = "198.51.100.20"
PASSWORDS = {"alice": "alice's right password", "bob": "bob's", "mallory": "mallory's"}


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class World:
    """A guard over a fake clock, and the users that exist."""

    policy: LockoutPolicy = field(default_factory=LockoutPolicy)
    clock: FakeClock = field(default_factory=FakeClock)
    guard: LoginGuard = field(init=False)

    def __post_init__(self) -> None:
        self.guard = LoginGuard(self.policy, self.clock)

    def sign_in(self, address: str, name: str, password: str) -> Attempt:
        user_id = name if name in PASSWORDS else None  # unknown names reach the guard as None
        return self.guard.attempt(address, user_id, lambda: PASSWORDS.get(name) == password)

    def hammer(
        self, address: str, names: list[str], duration: timedelta, *, patient: bool = True
    ) -> list[Attempt]:
        """Wrong passwords cycling `names` for `duration`: each as soon as the guard allows
        (patient), or one a second whatever it says."""
        results = []
        end = self.clock.now + duration
        while self.clock.now < end:
            result = self.sign_in(address, names[len(results) % len(names)], "guess")
            results.append(result)
            wait = result.retry_after if patient else None
            self.clock.advance(wait or timedelta(seconds=1))
        return results


def _evaluated(results: list[Attempt]) -> int:
    return sum(r.outcome is not Outcome.THROTTLED for r in results)


@pytest.mark.parametrize("patient", [True, False], ids=["patient", "impatient"])
def test_cycling_user_names_from_one_source_locks_no_one(patient: bool) -> None:
    world = World()
    victims = [f"user{i}" for i in range(200)] + ["alice", "bob"]

    results = world.hammer(ATTACKER, victims, timedelta(hours=2), patient=patient)

    # 2 hours at one guess a second would be 7,200 guesses: the backoff let about 20 through
    # (3 free, 10 doubling delays to 15 minutes, then one each 15 minutes)
    assert 15 <= _evaluated(results) <= 22
    assert not world.guard.account("alice").is_locked(world.clock.now)
    assert not world.guard.account("bob").is_locked(world.clock.now)
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN
    assert world.sign_in("192.0.2.9", "bob", PASSWORDS["bob"]).outcome is Outcome.SIGNED_IN


def test_alice_signs_in_from_home_while_her_account_is_hammered_from_elsewhere() -> None:
    world = World()
    for _hour in range(6):
        results = world.hammer(ATTACKER, ["alice"], timedelta(hours=1))
        assert any(r.outcome is Outcome.FAILED for r in results)

        assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN
    assert not world.guard.account("alice").is_locked(world.clock.now)


def test_the_attacker_source_stays_throttled_while_alice_signs_in() -> None:
    world = World()
    world.hammer(ATTACKER, ["alice"], timedelta(minutes=10))
    assert world.sign_in(ATTACKER, "alice", "guess").outcome is Outcome.FAILED  # its turn came

    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN
    attempt = world.sign_in(ATTACKER, "alice", PASSWORDS["alice"])

    # even the right password is not checked from a source in backoff
    assert attempt.outcome is Outcome.THROTTLED
    assert attempt.retry_after is not None
    assert attempt.retry_after > timedelta(0)


def test_a_single_source_reaches_the_hard_limit_only_after_about_a_day() -> None:
    world = World()

    results = world.hammer(ATTACKER, ["alice"], timedelta(hours=30))

    state = world.guard.account("alice")
    assert state.is_locked(world.clock.now)
    assert state.locked_until is None  # until an administrator unlocks
    assert state.locked_at is not None
    assert state.locked_at - T0 > timedelta(hours=20)
    assert _evaluated(results) >= POLICY.hard_limit
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.LOCKED
    world.guard.unlock("alice")
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN


def test_failures_from_several_sources_lock_the_account_for_everyone() -> None:
    world = World()
    outcomes = []
    for address in ("192.0.2.1", "192.0.2.2"):
        for _ in range(3):
            outcomes.append(world.sign_in(address, "alice", "guess").outcome)
            world.clock.advance(timedelta(seconds=1))

    # 3 counted from the first source, 2 from the second: the fifth locks
    assert outcomes == [Outcome.FAILED] * 5 + [Outcome.LOCKED]
    state = world.guard.account("alice")
    assert state.is_locked(world.clock.now)
    assert state.locked_until == state.locked_at + timedelta(minutes=30)  # type: ignore[operator]
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.LOCKED


def test_a_lock_ends_after_its_duration_or_when_an_administrator_unlocks() -> None:
    world = World()
    _lock_alice(world)

    world.clock.advance(timedelta(minutes=29))
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.LOCKED
    world.clock.advance(timedelta(minutes=1))
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN

    _lock_alice(world)
    world.guard.unlock("alice")
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN


def test_a_lock_without_duration_waits_for_an_administrator() -> None:
    world = World(policy=LockoutPolicy(duration=None))
    _lock_alice(world)

    world.clock.advance(timedelta(days=3))
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.LOCKED
    world.guard.unlock("alice")
    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN


def _lock_alice(world: World) -> None:
    for i in range(POLICY.threshold):
        world.sign_in(f"192.0.2.{100 + i}", "alice", "guess")
    assert world.guard.account("alice").is_locked(world.clock.now)


def test_failures_outside_the_window_stop_counting() -> None:
    world = World()
    for i in range(4):
        world.sign_in(f"192.0.2.{i}", "alice", "guess")
    world.clock.advance(timedelta(minutes=15))
    for i in range(4):
        world.sign_in(f"192.0.2.{50 + i}", "alice", "guess")

    assert not world.guard.account("alice").is_locked(world.clock.now)
    assert len(world.guard.account("alice").counted) == 4


def test_own_typos_are_forgiven_at_sign_in() -> None:
    world = World()
    for _ in range(4):
        world.sign_in(ALICE_HOME, "alice", "typo")
        world.clock.advance(timedelta(seconds=5))

    assert world.sign_in(ALICE_HOME, "alice", PASSWORDS["alice"]).outcome is Outcome.SIGNED_IN
    assert world.guard.account("alice") == AccountState()
    # a colleague behind the same office address is not made to wait for alice's typos
    assert world.sign_in(ALICE_HOME, "bob", PASSWORDS["bob"]).outcome is Outcome.SIGNED_IN


def test_signing_into_ones_own_account_does_not_launder_guesses_at_others() -> None:
    world = World()
    for _ in range(3):
        world.sign_in(ATTACKER, "bob", "guess")
    world.clock.advance(timedelta(seconds=2))  # the 1 s backoff has passed

    assert world.sign_in(ATTACKER, "mallory", PASSWORDS["mallory"]).outcome is Outcome.SIGNED_IN
    assert world.sign_in(ATTACKER, "bob", "guess").outcome is Outcome.THROTTLED


def test_unknown_names_fail_like_known_ones_and_are_not_stored() -> None:
    world = World()
    outcomes = [world.sign_in(ATTACKER, name, "guess").outcome for name in ("ghost", "alice")]

    assert outcomes == [Outcome.FAILED, Outcome.FAILED]
    source, account = record_failure(POLICY, SourceState(), None, None, T0)
    assert account is None
    assert source == SourceState(1, T0, ())  # counted against the source, name not kept


def test_verify_runs_for_a_locked_account_but_not_for_a_throttled_source() -> None:
    world = World()
    _lock_alice(world)
    calls: list[str] = []

    def verify() -> bool:
        calls.append("checked")
        return True

    locked = world.guard.attempt(ALICE_HOME, "alice", verify)
    for _ in range(3):
        world.guard.attempt(ATTACKER, None, lambda: False)
    throttled = world.guard.attempt(ATTACKER, "alice", verify)

    assert locked == Attempt(Outcome.LOCKED)  # no retry_after: it would reveal the account
    assert throttled.outcome is Outcome.THROTTLED
    assert throttled.retry_after == timedelta(seconds=1)
    assert calls == ["checked"]


def test_an_attempt_that_dies_while_checking_still_counts() -> None:
    world = World()

    def crash() -> bool:
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        world.guard.attempt(ATTACKER, "alice", crash)

    assert world.guard.account("alice").consecutive == 1


def test_a_quiet_source_starts_afresh() -> None:
    world = World()
    world.hammer(ATTACKER, ["alice"], timedelta(minutes=30))
    assert world.sign_in(ATTACKER, "bob", "guess").outcome is Outcome.FAILED  # its turn came
    assert world.sign_in(ATTACKER, "bob", "guess").outcome is Outcome.THROTTLED

    world.clock.advance(timedelta(hours=1))
    assert world.sign_in(ATTACKER, "bob", PASSWORDS["bob"]).outcome is Outcome.SIGNED_IN


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(0, 0), (2, 0), (3, 1), (4, 2), (5, 4), (8, 32), (12, 512), (13, 900), (10_000, 900)],
)
def test_backoff_doubles_after_the_free_failures_up_to_the_cap(failures: int, delay: int) -> None:
    assert backoff(POLICY, failures) == timedelta(seconds=delay)


@pytest.mark.parametrize(
    ("source", "account", "expected"),
    [
        (SourceState(), None, Verdict.ALLOW),
        (SourceState(2, T0), AccountState(), Verdict.ALLOW),
        (SourceState(3, T0), AccountState(), Verdict.THROTTLED),
        (SourceState(3, T0 - timedelta(seconds=1)), AccountState(), Verdict.ALLOW),
        (SourceState(9, T0 - timedelta(hours=1)), None, Verdict.ALLOW),  # reset
        (SourceState(), AccountState(locked_at=T0), Verdict.LOCKED),
        (SourceState(3, T0), AccountState(locked_at=T0), Verdict.THROTTLED),  # source first
        (SourceState(), AccountState(locked_at=T0, locked_until=T0), Verdict.ALLOW),
    ],
)
def test_decide(source: SourceState, account: AccountState | None, expected: Verdict) -> None:
    assert decide(POLICY, source, account, T0).verdict is expected


def test_only_failures_from_unthrottled_sources_count() -> None:
    fresh, counted = record_failure(POLICY, SourceState(2, T0), AccountState(), "alice", T0)
    spent, uncounted = record_failure(POLICY, SourceState(3, T0), AccountState(), "alice", T0)

    assert counted == AccountState(counted=(T0,), consecutive=1)
    assert uncounted == AccountState(counted=(), consecutive=1)
    assert (fresh.failures, spent.failures) == (3, 4)


def test_success_forgives_only_that_accounts_failures_at_that_source() -> None:
    source = SourceState(5, T0, (("bob", 3), ("alice", 2)))

    after, account = record_success(POLICY, source, "alice", T0)

    assert after == SourceState(3, T0, (("bob", 3),))
    assert account == AccountState()
    assert record_success(POLICY, SourceState(2, T0, (("alice", 2),)), "alice", T0)[0] == (
        SourceState()
    )


def test_unlock_clears_everything() -> None:
    locked = AccountState((T0,), 7, T0, None)

    assert unlock(locked) == AccountState()


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unix:/run/wisp.sock", "unix:/run/wisp.sock"),
    ],
)
def test_source_key(address: str, key: str) -> None:
    assert source_key(address) == key


def test_one_ipv6_host_cannot_rotate_addresses_past_the_throttle() -> None:
    world = World()
    for i in range(3):
        world.sign_in(f"2001:db8:1:2::{i + 1}", "alice", "guess")

    assert world.sign_in("2001:db8:1:2::99", "alice", "guess").outcome is Outcome.THROTTLED


@pytest.mark.parametrize(
    "kwargs",
    [
        {"free_failures": 5},  # one source could lock an account alone
        {"free_failures": 0},
        {"threshold": 200},
        {"window": timedelta(hours=2)},
        {"max_delay": timedelta(hours=1)},
        {"base_delay": timedelta(0)},
        {"duration": timedelta(0)},
    ],
)
def test_policy_refuses_settings_that_break_its_guarantees(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="lockout policy"):
        LockoutPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_from_settings() -> None:
    settings = Settings(
        lockout_threshold=8,
        lockout_window_minutes=20,
        lockout_minutes=0,
        throttle_free_failures=4,
        throttle_max_delay_seconds=600,
        throttle_reset_minutes=30,
    )

    policy = LockoutPolicy.from_settings(settings)

    assert policy == LockoutPolicy(
        threshold=8,
        window=timedelta(minutes=20),
        duration=None,
        free_failures=4,
        max_delay=timedelta(minutes=10),
        source_reset=timedelta(minutes=30),
    )
    assert LockoutPolicy.from_settings(Settings()) == POLICY


def test_the_generic_message_tells_nothing() -> None:
    for word in ("locked", "exist", "unknown", "throttl", "attempts"):
        assert word not in GENERIC_FAILURE.lower()


def test_a_naive_clock_is_refused() -> None:
    naive: Callable[[], datetime] = lambda: datetime(2026, 3, 2)  # noqa: E731
    guard = LoginGuard(clock=naive)

    with pytest.raises(ValueError, match="timezone-aware"):
        guard.attempt(ATTACKER, "alice", lambda: False)
