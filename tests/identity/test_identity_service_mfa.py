"""The second factor: enrolment when roles need it, codes usable once, encrypted secrets, reset."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlparse

import pytest
from identity_world import ATTACKER_IP, HOME_IP, OFFICE_IP, PASSWORD, World

from wisp.audit.events import SystemActor
from wisp.errors import Conflict, InvalidInput, SessionInvalid, SignInFailed, Throttled
from wisp.identity.views import MfaEnrolled, SessionState


def _enrolled(world: World, username: str = "olive", *roles: str) -> tuple[str, MfaEnrolled]:
    """A user of `roles` (officer by default) who enrolled TOTP: their secret and enrolment."""
    world.add(username, *(roles or ("officer",)))
    pending = world.service.sign_in(username, PASSWORD, HOME_IP)
    setup = world.service.begin_mfa_enrollment(pending.secret, source_ip=HOME_IP)
    done = world.service.confirm_mfa_enrollment(
        pending.secret, world.code(setup.secret), source_ip=HOME_IP
    )
    world.clock.advance(seconds=30)  # the next code is a new one
    return setup.secret, done


def test_roles_that_need_mfa_get_a_session_that_may_only_enrol(world: World) -> None:
    world.add("olive", "officer")

    pending = world.service.sign_in("olive", PASSWORD, HOME_IP)

    assert pending.state is SessionState.PENDING_ENROLLMENT
    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(pending.secret, HOME_IP)
    setup = world.service.begin_mfa_enrollment(pending.secret)
    uri = urlparse(setup.uri)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [setup.secret]
    assert setup.secret not in repr(setup)


def test_enrolment_gives_recovery_codes_and_a_new_full_session(world: World) -> None:
    world.add("olive", "officer")
    pending = world.service.sign_in("olive", PASSWORD, HOME_IP)
    setup = world.service.begin_mfa_enrollment(pending.secret)

    with pytest.raises(InvalidInput, match="does not match"):
        world.service.confirm_mfa_enrollment(pending.secret, world.code(setup.secret, 5))
    done = world.service.confirm_mfa_enrollment(pending.secret, world.code(setup.secret))

    assert len(done.recovery_codes) == 10
    assert done.sign_in.state is SessionState.FULL
    assert done.sign_in.secret != pending.secret  # a new id at the change of privilege
    principal = world.service.authenticate_session(done.sign_in.secret, HOME_IP)
    assert principal.requires_mfa
    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(pending.secret, HOME_IP)
    assert [row.details for row in world.actions("auth.mfa_failed")] == [{"reason": "wrong_code"}]
    assert world.actions("auth.mfa_enrolled")[0].details == {"recovery_codes": 10}
    with pytest.raises(Conflict):  # one enrolled factor; replacing it takes an admin's reset
        world.service.begin_mfa_enrollment(done.sign_in.secret)


def test_the_totp_secret_is_stored_encrypted(world: World) -> None:
    secret, _ = _enrolled(world)

    (ciphertext, version), *_ = world.database.execute(
        "SELECT secret_ciphertext, key_version FROM identity_mfa"
    )
    stored = bytes(ciphertext)
    assert secret.encode() not in stored
    assert version == 1
    assert len(stored) == 1 + 12 + len(secret) + 16  # format byte, nonce, AES-GCM, tag


def test_an_enrolled_user_signs_in_in_two_steps(world: World) -> None:
    secret, _ = _enrolled(world)

    pending = world.service.sign_in("olive", PASSWORD, OFFICE_IP)
    assert pending.state is SessionState.PENDING_MFA
    with pytest.raises(SessionInvalid):  # a pending session is not a full one
        world.service.authenticate_session(pending.secret, OFFICE_IP)
    with pytest.raises(SessionInvalid):  # nor may it enrol another factor
        world.service.begin_mfa_enrollment(pending.secret)
    full = world.service.complete_mfa(pending.secret, world.code(secret), OFFICE_IP)

    assert full.state is SessionState.FULL
    world.service.authenticate_session(full.secret, OFFICE_IP)
    with pytest.raises(SessionInvalid):
        world.service.complete_mfa(pending.secret, world.code(secret, 1), OFFICE_IP)
    assert world.actions("auth.login")[-1].details == {"state": "full", "factor": "totp"}


def test_a_totp_code_works_once(world: World) -> None:
    secret, _ = _enrolled(world)
    code = world.code(secret)
    first = world.service.sign_in("olive", PASSWORD, HOME_IP)
    world.service.complete_mfa(first.secret, code, HOME_IP)

    again = world.service.sign_in("olive", PASSWORD, HOME_IP)
    with pytest.raises(SignInFailed):
        world.service.complete_mfa(again.secret, code, HOME_IP)
    # Nor does an older code of the window, once a newer one was used.
    with pytest.raises(SignInFailed):
        world.service.complete_mfa(again.secret, world.code(secret, -1), HOME_IP)

    assert [row.details["reason"] for row in world.actions("auth.login_failed")] == [
        "wrong_code",
        "wrong_code",
    ]
    world.clock.advance(seconds=30)
    world.service.complete_mfa(again.secret, world.code(secret), HOME_IP)


def test_the_code_confirming_enrolment_cannot_be_replayed_at_sign_in(world: World) -> None:
    world.add("olive", "officer")
    pending = world.service.sign_in("olive", PASSWORD, HOME_IP)
    setup = world.service.begin_mfa_enrollment(pending.secret)
    code = world.code(setup.secret)
    world.service.confirm_mfa_enrollment(pending.secret, code)

    second = world.service.sign_in("olive", PASSWORD, HOME_IP)
    with pytest.raises(SignInFailed):
        world.service.complete_mfa(second.secret, code, HOME_IP)


def test_a_recovery_code_works_once_and_forgives_its_spelling(world: World) -> None:
    _, done = _enrolled(world)
    code = done.recovery_codes[0]
    typed = code.replace("-", " ").lower()

    first = world.service.sign_in("olive", PASSWORD, HOME_IP)
    full = world.service.complete_mfa(first.secret, typed, HOME_IP)
    again = world.service.sign_in("olive", PASSWORD, HOME_IP)

    assert full.state is SessionState.FULL
    with pytest.raises(SignInFailed):
        world.service.complete_mfa(again.secret, code, HOME_IP)
    login = world.actions("auth.login")[-2]
    assert login.details == {"state": "full", "factor": "recovery_code", "recovery_codes_left": 9}
    assert code.casefold() not in world.audit_text()


def test_two_requests_spending_one_recovery_code_succeed_once(world: World) -> None:
    _, done = _enrolled(world)
    pendings = [world.service.sign_in("olive", PASSWORD, HOME_IP) for _ in range(2)]
    results: list[str] = []

    def spend(secret: str) -> None:
        try:
            world.service.complete_mfa(secret, done.recovery_codes[3], HOME_IP)
            results.append("ok")
        except SignInFailed:
            results.append("refused")

    threads = [threading.Thread(target=spend, args=(p.secret,)) for p in pendings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok", "refused"]


def test_wrong_codes_count_toward_throttle_and_lockout(world: World) -> None:
    secret, _ = _enrolled(world)
    pending = world.service.sign_in("olive", PASSWORD, ATTACKER_IP)

    for guess in ("000000", "111111", "222222"):
        with pytest.raises(SignInFailed):
            world.service.complete_mfa(pending.secret, guess, ATTACKER_IP)
    with pytest.raises(Throttled):
        world.service.complete_mfa(pending.secret, world.code(secret), ATTACKER_IP)

    reasons = [row.details["reason"] for row in world.actions("auth.login_failed")]
    assert reasons == ["wrong_code"] * 3 + ["throttled"]


def test_a_locked_account_ends_its_pending_session(world: World) -> None:
    secret, _ = _enrolled(world)
    pending = world.service.sign_in("olive", PASSWORD, HOME_IP)
    for n in range(5):
        with pytest.raises(SignInFailed):
            world.service.sign_in("olive", "wrong wrong wrong", f"192.0.2.{n + 1}")

    with pytest.raises(SignInFailed):
        world.service.complete_mfa(pending.secret, world.code(secret), HOME_IP)
    with pytest.raises(SessionInvalid):
        world.service.complete_mfa(pending.secret, world.code(secret), HOME_IP)


def test_totp_still_works_after_the_vault_key_rotates(world: World) -> None:
    secret, done = _enrolled(world)
    world.keys.rotate()

    first = world.service.sign_in("olive", PASSWORD, HOME_IP)
    world.service.complete_mfa(first.secret, world.code(secret), HOME_IP)
    second = world.service.sign_in("olive", PASSWORD, HOME_IP)
    world.service.complete_mfa(second.secret, done.recovery_codes[1], HOME_IP)


def test_an_admin_reset_removes_the_factor_and_ends_sessions(world: World) -> None:
    _, done = _enrolled(world)
    user = world.users["olive"]

    world.service.reset_mfa(world.admin(), user.id, source=OFFICE_IP)

    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(done.sign_in.secret, HOME_IP)
    assert not world.service.get_user(SystemActor.CLI, user.id).mfa_enrolled
    again = world.service.sign_in("olive", PASSWORD, HOME_IP)
    assert again.state is SessionState.PENDING_ENROLLMENT
    reset = world.actions("auth.mfa_reset")[0]
    assert reset.details == {"enrolled": True, "security_keys": 0, "sessions_ended": 1}
    assert world.database.execute("SELECT count(*) FROM identity_recovery_code") == [(0,)]


def test_a_user_without_mfa_roles_may_enrol_from_a_full_session(world: World) -> None:
    world.add("clara", "clerk")
    full = world.sign_in_full("clara")
    setup = world.service.begin_mfa_enrollment(full.secret)

    done = world.service.confirm_mfa_enrollment(full.secret, world.code(setup.secret))

    assert done.sign_in.state is SessionState.FULL
    assert world.service.sign_in("clara", PASSWORD, HOME_IP).state is SessionState.PENDING_MFA
    assert [row.details["state"] for row in world.actions("auth.login")] == ["full", "pending_mfa"]
