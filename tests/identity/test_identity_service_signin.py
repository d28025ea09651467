"""Sign-in: one message for every failure, per-source throttling first, then account lockout."""

from __future__ import annotations

import threading

import pytest
from identity_world import ATTACKER_IP, HOME_IP, OFFICE_IP, OTHER_PASSWORD, PASSWORD, World

from wisp.audit.events import SystemActor
from wisp.errors import PasswordRejected, PermissionDenied, SessionInvalid, SignInFailed, Throttled
from wisp.identity.lockout import GENERIC_FAILURE
from wisp.identity.roles import Principal
from wisp.identity.service import SignInFailure
from wisp.identity.views import SessionState

#: A user name that is really someone's password, typed into the wrong field.
TYPED_PASSWORD = "Hunter2-secret-Pa55"


def _fails(world: World, username: str, password: str, source: str) -> str:
    with pytest.raises(SignInFailed) as caught:
        world.service.sign_in(username, password, source)
    return str(caught.value)


def test_right_password_gives_a_full_session(world: World) -> None:
    user = world.add("Alice", "clerk")

    signed = world.service.sign_in("alice", PASSWORD, HOME_IP)  # names match in any case

    assert signed.state is SessionState.FULL
    assert signed.user_id == user.id
    principal = world.service.authenticate_session(signed.secret, HOME_IP)
    assert principal.user_id == str(user.id)
    assert [role.name for role in principal.roles] == ["clerk"]
    assert "secret" not in repr(signed).replace("secret=", "")
    login = world.actions("auth.login")[-1]
    assert (login.actor, login.source, login.details) == (str(user.id), HOME_IP, {"state": "full"})


def test_unknown_user_and_wrong_password_look_the_same_and_cost_the_same(world: World) -> None:
    user = world.add("alice", "clerk")
    stored = {world.database.execute("SELECT password_hash FROM identity_user")[0][0]}

    world.hasher.verified.clear()
    wrong = _fails(world, "alice", OTHER_PASSWORD, HOME_IP)
    wrong_hashes = list(world.hasher.verified)
    world.hasher.verified.clear()
    unknown = _fails(world, TYPED_PASSWORD, OTHER_PASSWORD, OFFICE_IP)
    unknown_hashes = list(world.hasher.verified)

    assert wrong == unknown == GENERIC_FAILURE
    # Both checked one argon2 hash: the user's, and for the unknown name a throw-away one.
    assert len(wrong_hashes) == len(unknown_hashes) == 1
    assert set(wrong_hashes) == stored
    assert unknown_hashes[0] not in stored
    assert unknown_hashes[0].startswith("$argon2id$")
    failed = world.actions("auth.login_failed")
    assert [(row.actor, row.details["reason"]) for row in failed] == [
        (str(user.id), SignInFailure.WRONG_PASSWORD.value),
        (None, SignInFailure.UNKNOWN_USER.value),
    ]
    assert failed[1].target_id is None
    assert TYPED_PASSWORD.casefold() not in world.audit_text()


def test_failure_reasons_are_exactly_the_agreed_strings() -> None:
    assert {reason.value for reason in SignInFailure} == {
        "unknown_user",
        "wrong_password",
        "wrong_code",
        "locked",
        "disabled",
        "throttled",
    }


def test_a_disabled_user_with_the_right_password_fails_like_anyone(world: World) -> None:
    user = world.add("alice", "clerk")
    world.service.disable_user(SystemActor.CLI, user.id)

    assert _fails(world, "alice", PASSWORD, HOME_IP) == GENERIC_FAILURE

    failed = world.actions("auth.login_failed")[-1]
    assert failed.details == {"reason": "disabled", "secret_matched": True}


def test_five_failures_from_several_sources_lock_until_an_admin_unlocks(world: World) -> None:
    world.service = world.make_service(lockout_minutes=0)  # 0: until an administrator unlocks
    user = world.add("alice", "clerk")
    sources = [f"192.0.2.{n}" for n in range(1, 6)]

    for source in sources:
        _fails(world, "alice", OTHER_PASSWORD, source)
    world.clock.advance(hours=2)

    # The right password from a fresh source is refused too, with the same words.
    assert _fails(world, "alice", PASSWORD, HOME_IP) == GENERIC_FAILURE
    assert world.service.get_user(SystemActor.CLI, user.id).locked
    lockouts = world.actions("auth.lockout")
    assert len(lockouts) == 1
    assert lockouts[0].details["until_unlocked"] is True
    assert world.actions("auth.login_failed")[-1].details == {
        "reason": "locked",
        "secret_matched": True,
    }

    view = world.service.unlock_user(world.admin(), user.id, source=OFFICE_IP)

    assert not view.locked
    assert world.service.sign_in("alice", PASSWORD, HOME_IP).state is SessionState.FULL
    unlock = world.actions("auth.unlock")[-1]
    assert unlock.target_id == str(user.id)
    assert unlock.details == {"was_locked": True}


def test_a_timed_lockout_ends_by_itself(world: World) -> None:
    world.add("alice", "clerk")
    for n in range(5):
        _fails(world, "alice", OTHER_PASSWORD, f"192.0.2.{n + 1}")

    _fails(world, "alice", PASSWORD, HOME_IP)
    world.clock.advance(minutes=31)

    assert world.service.sign_in("alice", PASSWORD, HOME_IP).state is SessionState.FULL


def test_a_throttled_attacker_cannot_lock_out_the_owner(world: World) -> None:
    user = world.add("alice", "clerk")

    for _ in range(3):  # throttle_free_failures
        _fails(world, "alice", OTHER_PASSWORD, ATTACKER_IP)
    world.hasher.verified.clear()
    with pytest.raises(Throttled) as caught:
        world.service.sign_in("alice", PASSWORD, ATTACKER_IP)  # even the right password

    # Stopped before any password was checked, and told only when to come back.
    assert world.hasher.verified == []
    assert caught.value.retry_after >= 1
    # The attacker keeps trying as the backoff allows: each try is throttled or uncounted.
    for _ in range(10):
        world.clock.advance(seconds=caught.value.retry_after)
        try:
            world.service.sign_in("alice", OTHER_PASSWORD, ATTACKER_IP)
        except Throttled as exc:
            caught.value.retry_after = exc.retry_after
        except SignInFailed:
            pass
    assert not world.service.get_user(SystemActor.CLI, user.id).locked
    assert world.service.sign_in("alice", PASSWORD, HOME_IP).state is SessionState.FULL
    reasons = [row.details["reason"] for row in world.actions("auth.login_failed")]
    assert reasons[:4] == ["wrong_password"] * 3 + ["throttled"]
    assert world.actions("auth.lockout") == []


def test_cycling_user_names_from_one_source_spends_one_allowance(world: World) -> None:
    for name in ("alice", "bob", "carol"):
        world.add(name, "clerk")

    for name in ("alice", "bob", "carol"):
        _fails(world, name, OTHER_PASSWORD, ATTACKER_IP)

    with pytest.raises(Throttled):
        world.service.sign_in("dave", OTHER_PASSWORD, ATTACKER_IP)
    throttled = world.actions("auth.login_failed")[-1]
    assert throttled.details == {"reason": "throttled"}
    assert throttled.actor is None


def test_the_owner_s_success_forgives_their_own_typos(world: World) -> None:
    world.add("alice", "clerk")
    for _ in range(2):
        _fails(world, "alice", OTHER_PASSWORD, OFFICE_IP)

    world.service.sign_in("alice", PASSWORD, OFFICE_IP)

    for _ in range(3):  # a fresh allowance: no throttle yet
        _fails(world, "alice", OTHER_PASSWORD, OFFICE_IP)
    with pytest.raises(Throttled):
        world.service.sign_in("alice", OTHER_PASSWORD, OFFICE_IP)


def test_a_password_reset_meanwhile_wins_over_the_old_password(world: World) -> None:
    user = world.add("alice", "clerk")
    world.service.reset_password(SystemActor.CLI, user.id, OTHER_PASSWORD)

    _fails(world, "alice", PASSWORD, HOME_IP)

    assert world.service.sign_in("alice", OTHER_PASSWORD, HOME_IP).state is SessionState.FULL


def test_change_password_checks_the_old_one_and_ends_other_sessions(world: World) -> None:
    user = world.add("alice", "clerk")
    here = world.sign_in_full("alice")
    elsewhere = world.sign_in_full("alice", OFFICE_IP)
    principal = world.service.authenticate_session(here.secret, HOME_IP)

    with pytest.raises(SignInFailed, match="current password"):
        world.service.change_password(
            principal, OTHER_PASSWORD, OTHER_PASSWORD, session_secret=here.secret, source=HOME_IP
        )
    with pytest.raises(PasswordRejected):
        world.service.change_password(principal, PASSWORD, "alice12345678", source=HOME_IP)
    world.service.change_password(
        principal, PASSWORD, OTHER_PASSWORD, session_secret=here.secret, source=HOME_IP
    )

    world.service.authenticate_session(here.secret, HOME_IP)
    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(elsewhere.secret, OFFICE_IP)
    assert world.service.sign_in("alice", OTHER_PASSWORD, HOME_IP).user_id == user.id
    changes = world.actions("auth.password_changed")
    assert [(row.outcome, row.details) for row in changes] == [
        ("failure", {"reason": "wrong_password"}),
        ("success", {"sessions_ended": 1}),
    ]


def test_an_api_token_cannot_change_a_password(world: World) -> None:
    user = world.add("alice", "clerk")
    principal = Principal(str(user.id), (), scopes=frozenset())

    with pytest.raises(PermissionDenied):
        world.service.change_password(principal, PASSWORD, OTHER_PASSWORD)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pw 1", "fewer than 12"),
        ("password1234", "common"),
        ("alice-is-my-name-77", "your name"),
        ("abcdefghijklmnop", "repeated or sequential"),
    ],
)
def test_the_password_policy_refuses_weak_passwords(
    world: World, password: str, reason: str
) -> None:
    with pytest.raises(PasswordRejected, match=reason) as caught:
        world.service.create_user(SystemActor.CLI, "alice", password, ["clerk"])

    assert password not in str(caught.value)
    assert world.database.execute("SELECT count(*) FROM identity_user") == [(0,)]


@pytest.mark.parametrize(
    "sources",
    [
        [f"2001:db8:1:2::{n}" for n in range(1, 5)],  # one IPv6 /64 is one source
        ["/run/wisp/" + "socket/" * 20] * 4,  # a Unix socket peer, longer than the key column
    ],
)
def test_a_source_is_throttled_as_one_whatever_its_form(world: World, sources: list[str]) -> None:
    world.add("alice", "clerk")

    for source in sources[:3]:
        _fails(world, "alice", OTHER_PASSWORD, source)
    with pytest.raises(Throttled):
        world.service.sign_in("alice", PASSWORD, sources[3])

    assert all(row.source is None or ":" in row.source for row in world.audit())


def test_guesses_racing_past_the_first_check_are_throttled_when_they_settle(world: World) -> None:
    world.add("alice", "clerk")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            world.service.sign_in("alice", OTHER_PASSWORD, ATTACKER_IP)
        except Throttled:
            outcomes.append("throttled")
        except SignInFailed:
            outcomes.append("failed")

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Only the source's free allowance was ever answered; the rest learned nothing.
    assert sorted(outcomes) == ["failed"] * 3 + ["throttled"] * 5
    assert world.service.sign_in("alice", PASSWORD, HOME_IP).state is SessionState.FULL
