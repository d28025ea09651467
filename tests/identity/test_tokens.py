"""API tokens and sessions: random, stored hashed, expiring, scoped; idle and absolute timeouts."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from wisp.config import Settings
from wisp.errors import UnknownPermission
from wisp.identity.roles import BUILTIN_ROLES, Permission
from wisp.identity.tokens import (
    API_TOKEN_PREFIX,
    SESSION_PREFIX,
    ApiToken,
    Session,
    SessionPolicy,
    SessionStatus,
    TokenStatus,
    hash_secret,
    issue_api_token,
    start_session,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
READ = Permission.RECORDS_READ


def _token(**kwargs: object) -> tuple[str, ApiToken]:
    options: dict[str, object] = {"now": T0, "lifetime": 30 * DAY} | kwargs
    scopes = options.pop("scopes", [READ])
    return issue_api_token("u-1", "nightly export", scopes, **options)  # type: ignore[arg-type]


def test_a_token_is_a_prefix_and_256_random_bits() -> None:
    secret, record = _token(token_bytes=lambda n: b"\xff" * n)

    assert secret == API_TOKEN_PREFIX + "_" * 42 + "8"  # urlsafe ("_", not "/"), unpadded
    assert re.fullmatch(r"wisp_at_[A-Za-z0-9_-]{43}", _token()[0])
    assert _token()[0] != _token()[0]
    assert record.token_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_only_the_hash_is_stored() -> None:
    secret, record = _token()

    assert secret not in repr(record)
    assert secret.removeprefix(API_TOKEN_PREFIX) not in repr(record)


@pytest.mark.parametrize(
    ("presented", "at", "revoked", "expected"),
    [
        ("right", T0, None, TokenStatus.VALID),
        ("right", T0 + 30 * DAY - timedelta(seconds=1), None, TokenStatus.VALID),
        ("right", T0 + 30 * DAY, None, TokenStatus.EXPIRED),
        ("right", T0 + DAY, T0 + DAY, TokenStatus.REVOKED),
        ("right", T0, T0 + DAY, TokenStatus.VALID),  # revoked later, not yet
        ("other", T0, None, TokenStatus.WRONG),
        ("session", T0, None, TokenStatus.WRONG),  # a session id is never a token
        ("garbage", T0, None, TokenStatus.WRONG),
        ("", T0, None, TokenStatus.WRONG),
    ],
)
def test_token_check(
    presented: str, at: datetime, revoked: datetime | None, expected: TokenStatus
) -> None:
    secret, record = _token()
    if revoked is not None:
        record = record.revoke(revoked)
    body = secret.removeprefix(API_TOKEN_PREFIX)
    presented_as = {
        "right": secret,
        "other": _token()[0],
        "session": SESSION_PREFIX + body,
        "garbage": secret + "x",
        "": "",
    }[presented]

    assert record.check(presented_as, at) is expected


@pytest.mark.parametrize(
    "scopes", [[READ], ["records:read", "audit:read"], {Permission.RECORDS_REVEAL}]
)
def test_scopes_are_parsed_and_kept(scopes: object) -> None:
    _, record = _token(scopes=scopes)

    assert record.scopes <= set(Permission)
    assert len(record.scopes) == len(scopes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"scopes": []}, ValueError),
        ({"scopes": ["records:delete"]}, UnknownPermission),
        ({"lifetime": timedelta(0)}, ValueError),
        ({"lifetime": 91 * DAY}, ValueError),  # longer than the 90-day default maximum
        ({"lifetime": 400 * DAY, "max_lifetime": 366 * DAY}, ValueError),
    ],
)
def test_tokens_without_scope_or_expiry_are_refused(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        _token(**kwargs)


def test_token_scope_narrows_the_owners_roles() -> None:
    _, record = _token(scopes=[READ, Permission.RECORDS_REVEAL])
    officer = record.principal((BUILTIN_ROLES["officer"],))
    clerk = record.principal((BUILTIN_ROLES["clerk"],))

    assert officer.can(READ)
    assert officer.can(Permission.RECORDS_REVEAL, collection="employees", field="ssn")
    assert not officer.can(Permission.RECORDS_EXPORT)  # the officer may; the token may not
    assert not officer.can(Permission.RECORDS_WRITE)
    assert clerk.can(READ)
    assert not clerk.can(Permission.RECORDS_REVEAL)  # the token may; the clerk may not


def test_hash_secret_refuses_malformed_input() -> None:
    good = _token()[0]

    assert hash_secret(good, API_TOKEN_PREFIX) is not None
    assert hash_secret(good, SESSION_PREFIX) is None
    assert hash_secret(good[:-1], API_TOKEN_PREFIX) is None
    assert hash_secret(good[:-1] + "é", API_TOKEN_PREFIX) is None
    assert hash_secret(good.removeprefix(API_TOKEN_PREFIX), API_TOKEN_PREFIX) is None


POLICY = SessionPolicy()


def test_a_session_id_is_random_and_stored_hashed() -> None:
    secret, session = start_session("u-1", now=T0)

    assert re.fullmatch(r"wisp_ss_[A-Za-z0-9_-]{43}", secret)
    digest = hash_secret(secret, SESSION_PREFIX)
    assert digest is not None
    assert session == Session(digest, "u-1", T0, T0)
    assert session.matches(secret)
    assert not session.matches(start_session("u-1", now=T0)[0])
    assert not session.matches(API_TOKEN_PREFIX + secret.removeprefix(SESSION_PREFIX))


@pytest.mark.parametrize(
    ("activity", "at", "expected"),
    [
        ([], timedelta(minutes=14, seconds=59), SessionStatus.ACTIVE),
        ([], timedelta(minutes=15), SessionStatus.IDLE),
        ([timedelta(minutes=10)], timedelta(minutes=24), SessionStatus.ACTIVE),
        ([timedelta(minutes=10)], timedelta(minutes=25), SessionStatus.IDLE),
        # busy all day: the absolute timeout ends it anyway
        (
            [timedelta(minutes=m) for m in range(0, 12 * 60, 10)],
            timedelta(hours=12),
            SessionStatus.EXPIRED,
        ),
        (
            [timedelta(hours=11, minutes=59)],
            timedelta(hours=11, minutes=59, seconds=59),
            SessionStatus.ACTIVE,
        ),
    ],
)
def test_idle_and_absolute_timeouts(
    activity: list[timedelta], at: timedelta, expected: SessionStatus
) -> None:
    _, session = start_session("u-1", now=T0)
    for seen in activity:
        session = session.touch(T0 + seen)

    assert session.status(T0 + at, POLICY) is expected


def test_expires_at_is_the_earlier_deadline() -> None:
    _, session = start_session("u-1", now=T0)

    assert session.expires_at(POLICY) == T0 + timedelta(minutes=15)
    late = session.touch(T0 + timedelta(hours=11, minutes=50))
    assert late.expires_at(POLICY) == T0 + timedelta(hours=12)


def test_touch_never_moves_back() -> None:
    _, session = start_session("u-1", now=T0)
    later = session.touch(T0 + timedelta(minutes=5))

    assert later.touch(T0).last_seen_at == T0 + timedelta(minutes=5)


def test_session_policy_from_settings_and_validation() -> None:
    policy = SessionPolicy.from_settings(Settings(session_idle_minutes=5, session_absolute_hours=1))

    assert policy == SessionPolicy(timedelta(minutes=5), timedelta(hours=1))
    assert SessionPolicy.from_settings(Settings()) == POLICY
    with pytest.raises(ValueError, match="idle <= absolute"):
        SessionPolicy(timedelta(hours=2), timedelta(hours=1))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        start_session("u-1", now=datetime(2026, 3, 2))
