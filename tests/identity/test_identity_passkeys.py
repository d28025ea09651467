"""Security keys (WebAuthn) as a second kind of second factor, on SQLite and PostgreSQL.

The authenticator is `soft_authenticator`'s: a software one, since no security key or browser
page can answer here; what wisp checks (challenge, origin, RP id, signature, counter) is real.
"""

from __future__ import annotations

import pytest
from identity_world import HOME_IP, PASSWORD, World
from soft_authenticator import SoftAuthenticator

from wisp.audit.events import SystemActor
from wisp.errors import ConfigError, Conflict, InvalidInput, NotFound, SessionInvalid, SignInFailed
from wisp.identity.service import IdentityService
from wisp.identity.views import SessionState

ORIGIN = "https://wisp.example.com:8443"
WEBAUTHN = {"webauthn_origin": ORIGIN, "webauthn_rp_id": "wisp.example.com"}


@pytest.fixture
def service(world: World) -> IdentityService:
    world.service = world.make_service(**WEBAUTHN)
    return world.service


def _full_with_app(world: World, username: str = "olive") -> str:
    """An officer who enrolled an authenticator app: the secret of a FULL session."""
    world.add(username, "officer")
    pending = world.service.sign_in(username, PASSWORD, HOME_IP)
    setup = world.service.begin_mfa_enrollment(pending.secret)
    done = world.service.confirm_mfa_enrollment(pending.secret, world.code(setup.secret))
    world.clock.advance(seconds=30)
    return done.sign_in.secret


def _registered(world: World, service: IdentityService) -> SoftAuthenticator:
    key = SoftAuthenticator(ORIGIN)
    full = _full_with_app(world)
    options = service.begin_passkey_registration(full)
    service.finish_passkey_registration(full, key.create(options), "blue key", source_ip=HOME_IP)
    return key


def test_a_registered_key_completes_a_sign_in(world: World, service: IdentityService) -> None:
    key = _registered(world, service)
    pending = service.sign_in("olive", PASSWORD, HOME_IP)
    assert pending.state is SessionState.PENDING_MFA

    options = service.begin_passkey_sign_in(pending.secret)
    signed = service.finish_passkey_sign_in(pending.secret, key.get(options), HOME_IP)

    assert signed.state is SessionState.FULL
    service.authenticate_session(signed.secret, HOME_IP)
    with pytest.raises(SessionInvalid):  # the pending session was replaced
        service.authenticate_session(pending.secret, HOME_IP)
    (listed,) = service.list_passkeys(signed.secret)
    assert (listed.name, listed.last_used_at) == ("blue key", world.clock.now)
    enrolled = world.actions("auth.mfa_enrolled")[-1]
    assert enrolled.details == {"factor": "webauthn"}
    assert world.actions("auth.login")[-1].details["factor"] == "webauthn"


@pytest.mark.parametrize(
    "tamper",
    ["other origin", "replayed challenge", "stale counter", "someone else's key"],
)
def test_a_response_that_does_not_verify_is_a_wrong_code(
    world: World, service: IdentityService, tamper: str
) -> None:
    key = _registered(world, service)
    pending = service.sign_in("olive", PASSWORD, HOME_IP)
    options = service.begin_passkey_sign_in(pending.secret)
    if tamper == "other origin":
        response = key.get(options, origin="https://wisp.example.com.evil.test")
    elif tamper == "replayed challenge":
        first = service.finish_passkey_sign_in(pending.secret, key.get(options), HOME_IP)
        assert first.state is SessionState.FULL
        pending = service.sign_in("olive", PASSWORD, HOME_IP)
        response = key.get(options)  # answers the spent challenge, not a new one
    elif tamper == "stale counter":
        service.finish_passkey_sign_in(pending.secret, key.get(options), HOME_IP)
        pending = service.sign_in("olive", PASSWORD, HOME_IP)
        options = service.begin_passkey_sign_in(pending.secret)
        response = key.get(options, count=1)  # a clone still at the first use's count
    else:
        response = SoftAuthenticator(ORIGIN).get(options)

    with pytest.raises(SignInFailed):
        service.finish_passkey_sign_in(pending.secret, response, HOME_IP)
    failed = world.actions("auth.login_failed")[-1]
    assert failed.details["reason"] == "wrong_code"


def test_registration_needs_an_app_a_fresh_challenge_and_a_valid_response(
    world: World, service: IdentityService
) -> None:
    world.add("clara", "clerk")
    clerk = world.sign_in_full("clara")
    with pytest.raises(Conflict, match="authenticator app"):
        service.begin_passkey_registration(clerk.secret)

    full = _full_with_app(world)
    key = SoftAuthenticator(ORIGIN)
    with pytest.raises(InvalidInput, match="no security-key challenge"):
        service.finish_passkey_registration(
            full, key.create('{"rp": {"id": "x"}, "challenge": "AA"}'), "k"
        )
    options = service.begin_passkey_registration(full)
    with pytest.raises(InvalidInput, match="did not verify"):
        service.finish_passkey_registration(full, key.create(options, origin="https://evil"), "k")
    with pytest.raises(InvalidInput, match="no security-key challenge"):  # spent by the failure
        service.finish_passkey_registration(full, key.create(options), "k")
    with pytest.raises(InvalidInput, match="name"):
        service.finish_passkey_registration(full, key.create(options), " ")
    assert service.list_passkeys(full) == ()


def test_without_a_key_or_without_the_setting_there_is_no_ceremony(
    world: World, service: IdentityService
) -> None:
    _full_with_app(world)
    pending = service.sign_in("olive", PASSWORD, HOME_IP)
    with pytest.raises(NotFound, match="no security key"):
        service.begin_passkey_sign_in(pending.secret)
    plain = world.make_service()
    with pytest.raises(ConfigError, match="WISP_WEBAUTHN_ORIGIN"):
        plain.begin_passkey_sign_in(pending.secret)


def test_an_mfa_reset_removes_the_keys(world: World, service: IdentityService) -> None:
    key = _registered(world, service)
    user = world.users["olive"]

    service.reset_mfa(SystemActor.CLI, user.id)

    pending = service.sign_in("olive", PASSWORD, HOME_IP)
    assert pending.state is SessionState.PENDING_ENROLLMENT  # must enrol again
    assert world.actions("auth.mfa_reset")[-1].details["security_keys"] == 1
    assert key.sign_count == 0
