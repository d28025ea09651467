"""Password policy (NIST SP 800-63B) reasons, and argon2id hashing, verifying and re-hashing."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from wisp.config import Settings
from wisp.errors import CorruptCredential, PasswordRejected
from wisp.identity.passwords import (
    ARGON2_PARAMETERS,
    PasswordPolicy,
    PasswordProblem,
    common_passwords,
    hash_password,
    needs_rehash,
    normalize_password,
    verify_password,
)

P = PasswordProblem
POLICY = PasswordPolicy()
USER = ("john.smith@acme.example", "John Smith", "jsmith")
#: The cheapest argon2id hasher, so that tests run fast; the default is checked on its own.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "purple monkey dishwasher",
        "Tr0ub4dor&3x-lighthouse",
        "fj39Dk2-mq0Z",
        "mary had a little lamb",
        "Kätzchen schläft ruhig",  # Unicode is accepted
        "日本語のパスワードはとても長い",  # counted in code points: 15
        "no Composition rules apply here",  # no digit, no symbol: still fine
        "x" * 3 + "7Qv!9pL2mZ0r",  # a run at the start is not a pattern throughout
        "a" * 48 + "-but then: R8f%2kLq zebra vortex",  # past zxcvbn's 72: other rules judge
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    assert POLICY.check(password, USER) == ()
    POLICY.enforce(password, USER)  # raises nothing


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", (P.TOO_SHORT,)),
        ("Password1", (P.TOO_SHORT, P.COMMON)),
        ("x" * 129 + "Q7", (P.TOO_LONG, P.PATTERN)),
        # the common/breached list, and the same with characters added or swapped
        ("1qaz2wsx3edc", (P.COMMON,)),
        ("Password2024!", (P.COMMON,)),
        ("P@ssw0rd1234", (P.COMMON,)),
        ("iloveyou2024", (P.COMMON,)),
        ("!!!monkey!!!", (P.COMMON,)),
        ("D4rthV4der99", (P.COMMON,)),
        # the user's own identifiers, and the service's name
        ("JohnSmith-rocks-forever", (P.PERSONAL,)),
        ("my jsmith account 77!", (P.PERSONAL,)),
        ("acme-payroll-vault-key", (P.PERSONAL,)),
        ("j0hn-was-here-by-the-sea", (P.PERSONAL,)),
        ("wisp-admin-2024", (P.PERSONAL,)),
        # repeated and sequential
        ("aaaaaaaaaaaa", (P.PATTERN,)),
        ("123456789012", (P.PATTERN,)),
        ("abcdefghijkl", (P.PATTERN,)),
        ("zyxwvutsrqpo", (P.PATTERN,)),
        ("qwertyuiopas", (P.PATTERN,)),
        ("abcabcabcabc", (P.PATTERN,)),
        ("aaaabbbbcccc", (P.PATTERN,)),
        ("2024202420242024", (P.PATTERN,)),
        # nothing more specific, but easy to guess
        ("bluehousecat", (P.GUESSABLE,)),
        ("constitution", (P.GUESSABLE,)),
    ],
)
def test_bad_passwords_are_refused_with_every_reason(
    password: str, expected: tuple[PasswordProblem, ...]
) -> None:
    assert POLICY.check(password, USER) == expected


def test_a_password_can_break_several_rules_at_once() -> None:
    assert POLICY.check("johnsmith1", USER) == (P.TOO_SHORT, P.COMMON, P.PERSONAL)


def test_enforce_names_every_reason_and_never_the_password() -> None:
    with pytest.raises(PasswordRejected) as info:
        POLICY.enforce("jsmith2024", USER)

    message = str(info.value)
    assert "fewer than 12 characters" in message
    assert "your name, user name or e-mail" in message
    assert "jsmith2024" not in message
    assert "jsmith" not in message


def test_length_counts_code_points_after_nfkc() -> None:
    # 12 full-width letters are 12 characters; NFKC makes them ASCII before any rule runs.
    wide = "ｔｉｍｂｅｒｗｏｌｆｍａｐ"
    assert normalize_password(wide) == "timberwolfmap"
    assert P.TOO_SHORT not in POLICY.check(wide)
    # a combining sequence and its composed form are one password
    assert normalize_password("Cafe\u0301 au lait, s'il vous plaît") == unicodedata.normalize(
        "NFC", "Café au lait, s'il vous plaît"
    )


@pytest.mark.parametrize(
    ("min_length", "password", "short"),
    [(12, "k8#Qz!v2Lm0p", False), (15, "k8#Qz!v2Lm0p", True), (8, "k8#Qz!v2", False)],
)
def test_the_minimum_length_is_a_setting(min_length: int, password: str, short: bool) -> None:
    policy = PasswordPolicy.from_settings(Settings(password_min_length=min_length))

    assert (P.TOO_SHORT in policy.check(password)) is short


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_length": 7},
        {"min_length": 65},
        {"max_length": 63},
        {"min_length": 30, "max_length": 20},
    ],
)
def test_policy_refuses_limits_below_nist(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="password lengths"):
        PasswordPolicy(**kwargs)


def test_at_least_64_characters_are_accepted() -> None:
    long_phrase = "the quiet harbour keeps its lanterns lit for boats that are late home"
    assert len(long_phrase) > 64

    assert POLICY.check(long_phrase) == ()


def test_the_common_list_ships_offline_and_is_large() -> None:
    common = common_passwords()

    assert len(common) == 30_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= common


@pytest.mark.parametrize(
    ("password", "identifiers", "expected"),
    [
        # "com" is part of "welcome": a user at example.com may still use the phrase
        ("welcome home, tired traveller", ["ann@example.com"], ()),
        # short parts of a name are too common inside words to refuse
        ("annual fleece market day", ["Ann Lee"], ()),
        # a short user name as a whole is still refused
        ("bob builds bridges on sunday", ["bob"], (P.PERSONAL,)),
        ("tessa-sells-lamps-2019", ["tessa@acme.example"], (P.PERSONAL,)),
    ],
)
def test_which_identifiers_count(
    password: str, identifiers: list[str], expected: tuple[PasswordProblem, ...]
) -> None:
    assert POLICY.check(password, identifiers) == expected


def test_hash_verifies_and_rejects() -> None:
    stored = hash_password("correct horse battery staple", hasher=FAST)

    assert stored.startswith("$argon2id$")
    assert "correct" not in stored
    assert verify_password(stored, "correct horse battery staple", hasher=FAST)
    assert not verify_password(stored, "correct horse battery stapler", hasher=FAST)
    assert not verify_password(stored, "", hasher=FAST)


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password("same password here", hasher=FAST) != hash_password(
        "same password here", hasher=FAST
    )


def test_verify_normalizes_like_hash() -> None:
    stored = hash_password("ﬁve ﬁne ﬁgs in a row", hasher=FAST)  # the "fi" ligature

    assert verify_password(stored, "five fine figs in a row", hasher=FAST)


def test_unknown_user_is_checked_against_a_throwaway_hash() -> None:
    assert not verify_password(None, "anything at all", hasher=FAST)
    assert not verify_password(None, "", hasher=FAST)


@pytest.mark.parametrize(
    "stored",
    ["", "plaintext", "$2b$12$abcdefghijklmnopqrstuv", "$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB"],
)
def test_a_corrupt_stored_hash_fails_closed_and_loudly(stored: str) -> None:
    with pytest.raises(CorruptCredential, match="malformed"):
        verify_password(stored, "whatever it is", hasher=FAST)


def test_absurdly_long_input_is_refused_without_hashing() -> None:
    stored = hash_password("x" * 5000, hasher=FAST)

    assert not verify_password(stored, "x" * 5000, hasher=FAST)


def test_default_parameters_are_rfc_9106_low_memory() -> None:
    stored = hash_password("correct horse battery staple")
    parameters = extract_parameters(stored)

    assert parameters == ARGON2_PARAMETERS
    assert parameters.type is Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)
    assert verify_password(stored, "correct horse battery staple")
    assert not needs_rehash(stored)


def test_needs_rehash_when_parameters_change() -> None:
    old = hash_password("correct horse battery staple", hasher=FAST)

    assert needs_rehash(old)
    assert not needs_rehash(old, hasher=FAST)
    with pytest.raises(CorruptCredential):
        needs_rehash("not a hash")
