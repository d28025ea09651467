"""Each request: sessions expire, tokens are scoped, and a disabled user is cut off at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from identity_world import HOME_IP, OFFICE_IP, PASSWORD, World
from sqlalchemy import event

from wisp.audit.events import SystemActor
from wisp.errors import InvalidInput, NotFound, PermissionDenied, SessionInvalid, UnknownPermission
from wisp.identity.roles import Permission
from wisp.storage.engine import reader
from wisp.storage.prepared import Prepared


@contextmanager
def _statements(world: World) -> Iterator[list[str]]:
    """Every statement sent: through SQLAlchemy (the engine and its read pool) and through
    `Prepared`, which runs on the driver's cursor without SQLAlchemy's execution events."""
    seen: list[str] = []
    engines = {world.database.engine, reader(world.database.engine)}

    def record(*args: Any) -> None:
        seen.append(args[2])

    real_run = Prepared._run

    def run_recorded(conn: Any, form: Any, call: Any) -> None:
        seen.append(form.sql)
        real_run(conn, form, call)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    Prepared._run = staticmethod(run_recorded)  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Prepared._run = staticmethod(real_run)  # type: ignore[method-assign]
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def _last_seen(world: World) -> Any:
    return world.database.execute("SELECT last_seen_at FROM identity_session")[0][0]


def test_a_request_costs_one_query_and_writes_at_most_once_a_minute(world: World) -> None:
    world.add("clara", "clerk")
    signed = world.sign_in_full("clara")

    world.clock.advance(seconds=30)
    with _statements(world) as seen:
        world.service.authenticate_session(signed.secret, HOME_IP)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    writes = [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    assert (len(selects), writes) == (1, [])
    before = _last_seen(world)

    world.clock.advance(seconds=31)
    with _statements(world) as seen:
        world.service.authenticate_session(signed.secret, HOME_IP)
    assert len([s for s in seen if s.lstrip().upper().startswith("UPDATE")]) == 1
    assert _last_seen(world) > before


def test_an_idle_session_ends_and_is_audited_once(world: World) -> None:
    user = world.add("clara", "clerk")
    signed = world.sign_in_full("clara")

    world.clock.advance(minutes=14)
    world.service.authenticate_session(signed.secret, HOME_IP)
    world.clock.advance(minutes=14)  # 28 minutes in, but used 14 minutes ago
    world.service.authenticate_session(signed.secret, HOME_IP)
    world.clock.advance(minutes=15)

    for _ in range(2):
        with pytest.raises(SessionInvalid):
            world.service.authenticate_session(signed.secret, HOME_IP)
    expired = world.actions("auth.session_expired")
    assert [(row.actor, row.details) for row in expired] == [(str(user.id), {"reason": "idle"})]


def test_a_busy_session_still_ends_at_the_absolute_timeout(world: World) -> None:
    world.add("clara", "clerk")
    signed = world.sign_in_full("clara")

    for _ in range(71):  # every 10 minutes for 11 h 50 min
        world.clock.advance(minutes=10)
        world.service.authenticate_session(signed.secret, HOME_IP)
    world.clock.advance(minutes=10)

    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(signed.secret, HOME_IP)
    assert world.actions("auth.session_expired")[0].details == {"reason": "expired"}


def test_sign_out_ends_the_session(world: World) -> None:
    user = world.add("clara", "clerk")
    signed = world.sign_in_full("clara")

    world.service.sign_out(signed.secret, source_ip=HOME_IP)
    world.service.sign_out(signed.secret, source_ip=HOME_IP)  # again: nothing more

    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(signed.secret, HOME_IP)
    assert [row.actor for row in world.actions("auth.logout")] == [str(user.id)]


@pytest.mark.parametrize(
    "secret",
    ["", "wisp_ss_short", "wisp_at_" + "A" * 43, "wisp_ss_" + "A" * 43, "x" * 5000],
)
def test_malformed_or_unknown_session_ids_are_refused(world: World, secret: str) -> None:
    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(secret, HOME_IP)


def test_disabling_a_user_cuts_off_sessions_and_tokens_at_once(world: World) -> None:
    user = world.add("clara", "clerk")
    signed = world.sign_in_full("clara")
    token, _ = world.service.issue_token(SystemActor.CLI, user.id, "sync", ["records:read"], 30)
    world.service.authenticate_session(signed.secret, HOME_IP)

    view = world.service.disable_user(world.admin(), user.id, source=OFFICE_IP)

    assert view.status.value == "disabled"
    assert view.disabled_at == world.clock.now
    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(signed.secret, HOME_IP)
    with pytest.raises(SessionInvalid):
        world.service.authenticate_token(token, HOME_IP)
    denied = world.actions("access.denied")
    assert [(row.actor, row.source, row.details) for row in denied] == [
        (str(user.id), HOME_IP, {"reason": "disabled", "credential": "session"}),
        (str(user.id), HOME_IP, {"reason": "disabled", "credential": "api_token"}),
    ]
    assert world.actions("user.disabled")[0].details == {"sessions_ended": 1, "tokens_revoked": 1}
    assert world.database.execute(
        "SELECT count(*) FROM identity_session WHERE revoked_at IS NULL"
    ) == [(0,)]
    assert world.database.execute(
        "SELECT count(*) FROM identity_api_token WHERE revoked_at IS NULL"
    ) == [(0,)]

    world.service.enable_user(SystemActor.CLI, user.id)
    with pytest.raises(SessionInvalid):  # enabling again revives nothing
        world.service.authenticate_session(signed.secret, HOME_IP)
    with pytest.raises(SessionInvalid):
        world.service.authenticate_token(token, HOME_IP)
    assert world.sign_in_full("clara").user_id == user.id


def test_nobody_disables_or_demotes_themselves(world: World) -> None:
    admin = world.admin()
    me = world.users["root-admin"].id

    with pytest.raises(PermissionDenied):
        world.service.disable_user(admin, me)
    with pytest.raises(PermissionDenied):
        world.service.set_roles(admin, me, ["admin", "officer"])
    with pytest.raises(PermissionDenied):
        world.service.reset_password(admin, me, "new and different pass 99")


def test_token_scopes_narrow_the_user_s_roles(world: World) -> None:
    user = world.add("olive", "officer")  # roles that need MFA: tokens still work

    secret, view = world.service.issue_token(
        SystemActor.CLI, user.id, "nightly export", ["records:read"], 30
    )
    principal = world.service.authenticate_token(secret, OFFICE_IP)

    assert principal.can(Permission.RECORDS_READ)
    assert not principal.can(Permission.RECORDS_REVEAL)  # the role grants it, the scope not
    assert view.scopes == {Permission.RECORDS_READ}
    assert view.expires_at == world.clock.now.replace(day=1, month=4)
    assert secret.startswith("wisp_at_")
    stored = world.database.execute("SELECT token_hash FROM identity_api_token")[0][0]
    assert secret not in stored
    created = world.actions("auth.token_created")[0]
    assert created.details == {"user": str(user.id), "scopes": ["records:read"], "days": 30}
    assert "nightly" not in world.audit_text()


def test_taking_a_role_away_takes_it_from_the_token_too(world: World) -> None:
    user = world.add("olive", "officer")
    secret, _ = world.service.issue_token(SystemActor.CLI, user.id, "t", ["records:read"], 1)

    world.service.set_roles(SystemActor.CLI, user.id, ["auditor"])

    assert not world.service.authenticate_token(secret, HOME_IP).can(Permission.RECORDS_READ)


def test_a_token_may_not_exceed_its_user_s_roles_or_the_longest_lifetime(world: World) -> None:
    user = world.add("clara", "clerk")

    with pytest.raises(PermissionDenied, match="records:reveal"):
        world.service.issue_token(SystemActor.CLI, user.id, "t", ["records:reveal"], 30)
    with pytest.raises(InvalidInput, match="1 to 90 days"):
        world.service.issue_token(SystemActor.CLI, user.id, "t", ["records:read"], 91)
    with pytest.raises(InvalidInput, match="scope"):
        world.service.issue_token(SystemActor.CLI, user.id, "t", [], 30)
    with pytest.raises(UnknownPermission):
        world.service.issue_token(SystemActor.CLI, user.id, "t", ["records:everything"], 30)


def test_expired_and_revoked_tokens_are_refused(world: World) -> None:
    user = world.add("clara", "clerk")
    short, _ = world.service.issue_token(SystemActor.CLI, user.id, "a", ["records:read"], 1)
    revoked, view = world.service.issue_token(SystemActor.CLI, user.id, "b", ["records:read"], 9)
    world.service.authenticate_token(revoked, HOME_IP)

    world.service.revoke_token(SystemActor.CLI, view.id)
    world.clock.advance(days=1)

    for secret in (short, revoked):
        with pytest.raises(SessionInvalid):
            world.service.authenticate_token(secret, HOME_IP)
    tokens = world.service.list_tokens(SystemActor.CLI, user.id)
    assert [(t.name, t.revoked_at is not None) for t in tokens] == [("a", False), ("b", True)]
    assert tokens[1].last_used_at is not None
    assert [row.target_id for row in world.actions("auth.token_revoked")] == [str(view.id)]


def test_users_issue_tokens_for_themselves_from_a_full_session_only(world: World) -> None:
    user = world.add("clara", "clerk")
    other = world.add("dora", "clerk")
    principal = world.service.authenticate_session(world.sign_in_full("clara").secret, HOME_IP)

    secret, _ = world.service.issue_token(principal, user.id, "mine", ["records:read"], 7)
    by_token = world.service.authenticate_token(secret, HOME_IP)

    with pytest.raises(PermissionDenied):  # not even an administrator, for someone else
        world.service.issue_token(world.admin(), other.id, "theirs", ["records:read"], 7)
    with pytest.raises(PermissionDenied):
        world.service.issue_token(by_token, user.id, "from a token", ["records:read"], 7)
    with pytest.raises(PermissionDenied):
        world.service.list_tokens(principal, other.id)
    assert len(world.service.list_tokens(world.admin(), user.id)) == 1


def test_a_role_now_needing_mfa_ends_a_session_without_it(world: World) -> None:
    user = world.add("clara", "clerk")
    signed = world.sign_in_full("clara")

    world.service.set_roles(SystemActor.CLI, user.id, ["officer"])

    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(signed.secret, HOME_IP)
    again = world.service.sign_in("clara", PASSWORD, HOME_IP)
    assert again.state.value == "pending_enrollment"


def test_revoking_an_unknown_token_is_not_found(world: World) -> None:
    import uuid

    with pytest.raises(NotFound):
        world.service.revoke_token(SystemActor.CLI, uuid.uuid4())


def _count(world: World, table: str) -> int:
    return int(world.database.execute(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608


def test_purge_deletes_only_sessions_and_tokens_over_for_longer_than_kept(world: World) -> None:
    keep = timedelta(days=30)
    clara = world.add("clara", "clerk")
    signed_out = world.sign_in_full("clara")
    world.service.sign_out(signed_out.secret, source_ip=HOME_IP)
    abandoned = world.sign_in_full("clara")  # never signed out: ends by its idle timeout
    _, revoked = world.service.issue_token(SystemActor.CLI, clara.id, "old", ["records:read"], 1)
    world.service.revoke_token(SystemActor.CLI, revoked.id)
    world.service.issue_token(SystemActor.CLI, clara.id, "expiring", ["records:read"], 1)

    world.clock.advance(days=29)  # all over, but not yet for 30 days
    assert world.service.purge_ended(SystemActor.CLI, keep) == (0, 0)
    world.clock.advance(days=3)
    current = world.sign_in_full("clara")
    live, _ = world.service.issue_token(SystemActor.CLI, clara.id, "live", ["records:read"], 30)

    assert world.service.purge_ended(SystemActor.CLI, keep) == (2, 2)
    assert (_count(world, "identity_session"), _count(world, "identity_api_token")) == (1, 1)
    world.service.authenticate_session(current.secret, HOME_IP)  # what is in use stays
    world.service.authenticate_token(live, HOME_IP)
    with pytest.raises(SessionInvalid):
        world.service.authenticate_session(abandoned.secret, HOME_IP)
    purged = world.actions("auth.credentials_purged")
    assert [row.details for row in purged] == [
        {"sessions": 0, "tokens": 0, "keep_days": 30},
        {"sessions": 2, "tokens": 2, "keep_days": 30},
    ]


def test_purge_is_for_administrators(world: World) -> None:
    world.add("clara", "clerk")
    signed = world.sign_in_full("clara")
    clerk = world.service.authenticate_session(signed.secret, HOME_IP)

    with pytest.raises(PermissionDenied):
        world.service.purge_ended(clerk, timedelta(days=30))
    with pytest.raises(InvalidInput):
        world.service.purge_ended(SystemActor.CLI, timedelta(days=-1))
