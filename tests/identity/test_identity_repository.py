"""The identity SQL on both databases: round trips, compare-and-swap, single use, pruning."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from wisp_testdb import Database

from wisp.identity import repository as repo
from wisp.identity.lockout import AccountState, SourceState
from wisp.identity.roles import ANY, Grant, Permission, Role
from wisp.identity.views import SessionState, UserStatus
from wisp.storage.session import transaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _user(database: Database, name: str = "alice") -> uuid.UUID:
    user_id = uuid.uuid4()
    record = repo.UserRecord(user_id, name, None, UserStatus.ACTIVE, "$argon2id$x", T0, T0, None)
    with transaction(database.sessions, write=True) as session:
        repo.insert_user(session, record, name.casefold())
    return user_id


def test_a_user_round_trips_and_gets_an_empty_lockout_row(database: Database) -> None:
    user_id = _user(database, "Alice")

    with transaction(database.sessions) as session:
        found = repo.user_by_key(session, "alice")
        account = repo.read_account(session, user_id)

    assert found is not None
    assert (found.id, found.username, found.status) == (user_id, "Alice", UserStatus.ACTIVE)
    assert found.created_at == T0
    assert account == AccountState()


def test_lockout_states_round_trip_with_their_instants(database: Database) -> None:
    user_id = _user(database)
    account = AccountState((T0, T0 + timedelta(seconds=5)), 7, T0, T0 + timedelta(minutes=30))
    source = SourceState(4, T0, ((str(user_id), 3), ("other", 1)))

    with transaction(database.sessions, write=True) as session:
        assert repo.lock_account(session, user_id) == AccountState()
        repo.store_account(session, user_id, account)
        assert repo.lock_source(session, "203.0.113.7") == SourceState()
        repo.store_source(session, "203.0.113.7", source)
    with transaction(database.sessions) as session:
        assert repo.read_account(session, user_id) == account
        assert repo.read_source(session, "203.0.113.7") == source


def test_a_source_with_nothing_against_it_loses_its_row(database: Database) -> None:
    with transaction(database.sessions, write=True) as session:
        repo.lock_source(session, "192.0.2.1")
        repo.lock_source(session, "192.0.2.1")  # the row exists: insert-if-absent is quiet
        repo.store_source(session, "192.0.2.1", SourceState())

    assert database.execute("SELECT count(*) FROM identity_source_throttle") == [(0,)]


def test_prune_forgets_quiet_sources_only(database: Database) -> None:
    with transaction(database.sessions, write=True) as session:
        for n, minutes in enumerate((5, 90, 120)):
            key = f"192.0.2.{n}"
            repo.lock_source(session, key)
            repo.store_source(session, key, SourceState(1, T0 - timedelta(minutes=minutes)))
    with transaction(database.sessions, write=True) as session:
        pruned = repo.prune_sources(session, T0 - timedelta(hours=1), limit=100)

    assert pruned == 2
    assert database.execute("SELECT source_key FROM identity_source_throttle") == [("192.0.2.0",)]


def test_a_totp_step_is_used_once(database: Database) -> None:
    user_id = _user(database)
    with transaction(database.sessions, write=True) as session:
        repo.put_pending_mfa(session, user_id, b"\x01sealed", 1, T0)
        repo.confirm_mfa(session, user_id, 100, T0)

        assert not repo.set_last_step(session, user_id, 100)
        assert not repo.set_last_step(session, user_id, 99)
        assert repo.set_last_step(session, user_id, 101)
        found = repo.get_mfa(session, user_id)

    assert found is not None
    assert (found.last_step, found.key_version, found.enrolled_at) == (101, 1, T0)


def test_a_recovery_code_is_spent_once(database: Database) -> None:
    user_id = _user(database)
    with transaction(database.sessions, write=True) as session:
        repo.put_pending_mfa(session, user_id, b"\x01sealed", 1, T0)
        repo.replace_recovery_codes(session, user_id, ["a" * 64, "b" * 64])

        assert repo.use_recovery_code(session, user_id, "a" * 64) == 1
        assert repo.use_recovery_code(session, user_id, "a" * 64) is None
        assert repo.delete_mfa(session, user_id) is False  # never confirmed

    assert database.execute("SELECT count(*) FROM identity_recovery_code") == [(0,)]


def test_a_session_s_request_context_has_roles_and_custom_grants(database: Database) -> None:
    user_id = _user(database)
    grants = (Grant(Permission.RECORDS_READ, frozenset({"hr"}), frozenset({"name"})),)
    with transaction(database.sessions, write=True) as session:
        repo.insert_role(session, Role("hr-reader", grants), uuid.uuid4(), T0)
        repo.replace_user_roles(session, user_id, ["clerk", "hr-reader"])
        repo.insert_session(session, "f" * 64, user_id, SessionState.PENDING_MFA, T0)

    with transaction(database.sessions) as session:
        found = repo.session_context(session.connection(), "f" * 64)
        missing = repo.session_context(session.connection(), "e" * 64)

    assert missing is None
    assert found is not None
    assert (found.user_id, found.state, found.mfa_enrolled) == (
        user_id,
        SessionState.PENDING_MFA,
        False,
    )
    assert dict(found.roles) == {"clerk": None, "hr-reader": repo.encode_grants(grants)}
    assert repo.decode_grants(dict(found.roles)["hr-reader"]) == grants


def test_a_user_without_roles_still_has_a_context(database: Database) -> None:
    user_id = _user(database)
    with transaction(database.sessions, write=True) as session:
        repo.insert_session(session, "f" * 64, user_id, SessionState.FULL, T0)
    with transaction(database.sessions) as session:
        found = repo.session_context(session.connection(), "f" * 64)

    assert found is not None
    assert found.roles == ()


def test_revoking_every_session_but_one(database: Database) -> None:
    user_id = _user(database)
    with transaction(database.sessions, write=True) as session:
        for digest in ("a" * 64, "b" * 64, "c" * 64):
            repo.insert_session(session, digest, user_id, SessionState.FULL, T0)
        assert repo.revoke_sessions(session, user_id, T0, keep="b" * 64) == 2
        assert repo.revoke_sessions(session, user_id, T0) == 1
        assert not repo.revoke_session(session, "a" * 64, T0)


def test_grants_encode_names_sorted() -> None:
    grant = Grant(Permission.RECORDS_READ, frozenset({"b", "a"}))

    assert repo.encode_grants([grant]) == [
        {"permission": "records:read", "collections": ["a", "b"], "fields": [ANY]}
    ]


def test_a_stored_unknown_permission_fails_closed() -> None:
    from wisp.errors import UnknownPermission

    with pytest.raises(UnknownPermission):
        repo.decode_grants([{"permission": "records:all", "collections": ["*"], "fields": ["*"]}])
