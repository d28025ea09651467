"""TOTP: RFC 6238 vectors, the ±1 step window, single use; recovery codes: format, hashes, once."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from wisp.errors import CorruptCredential, KeyMaterialError
from wisp.identity.mfa import (
    RECOVERY_CODE_COUNT,
    RecoveryCodes,
    consume_recovery_code,
    generate_recovery_codes,
    hash_recovery_code,
    new_totp_secret,
    provisioning_uri,
    totp_code,
    totp_step,
    verify_totp,
)

#: RFC 6238 Appendix B's SHA-1 secret, "12345678901234567890", in base32.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
SECRET = new_totp_secret()
T0 = datetime(2026, 3, 2, 9, 30, 5, tzinfo=UTC)
KEY = bytes(range(32))


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        # RFC 6238 Appendix B, last 6 of the 8 digits (6-digit codes truncate the same HOTP value)
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
    ],
)
def test_codes_match_rfc_6238(unix_time: int, code: str) -> None:
    assert totp_code(RFC_SECRET, totp_step(_at(unix_time))) == code
    assert verify_totp(RFC_SECRET, code, now=_at(unix_time), last_step=None) == unix_time // 30


def test_secret_is_160_bits_of_base32_from_the_random_source() -> None:
    secret = new_totp_secret(token_bytes=lambda n: b"\x00" * n)

    assert secret == "A" * 32
    assert len(base64.b32decode(new_totp_secret())) == 20
    assert new_totp_secret() != new_totp_secret()


def test_provisioning_uri_is_what_authenticator_apps_scan() -> None:
    uri = urlparse(provisioning_uri(SECRET, "jsmith@acme.example", issuer="Acme WISP"))
    query = parse_qs(uri.query)

    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["Acme WISP"]
    assert pyotp.parse_uri(uri.geturl()).at(T0) == totp_code(SECRET, totp_step(T0))


@pytest.mark.parametrize(
    ("code_offset", "accepted"),
    [(-2, False), (-1, True), (0, True), (1, True), (2, False)],
)
def test_window_is_one_step_either_side(code_offset: int, accepted: bool) -> None:
    step = totp_step(T0)
    code = totp_code(SECRET, step + code_offset)

    result = verify_totp(SECRET, code, now=T0, last_step=None)

    assert result == (step + code_offset if accepted else None)


def test_a_code_is_usable_once() -> None:
    code = totp_code(SECRET, totp_step(T0))
    first = verify_totp(SECRET, code, now=T0, last_step=None)

    assert first == totp_step(T0)
    # the same code again, now or 20 seconds later (still inside its window): refused
    assert verify_totp(SECRET, code, now=T0, last_step=first) is None
    assert verify_totp(SECRET, code, now=T0 + timedelta(seconds=20), last_step=first) is None


def test_a_code_older_than_the_last_accepted_one_is_refused() -> None:
    step = totp_step(T0)
    newer = verify_totp(SECRET, totp_code(SECRET, step + 1), now=T0, last_step=None)

    assert newer == step + 1
    assert verify_totp(SECRET, totp_code(SECRET, step), now=T0, last_step=newer) is None
    assert verify_totp(SECRET, totp_code(SECRET, step - 1), now=T0, last_step=newer) is None
    # the next step's code, once its time comes, is fine
    later = T0 + timedelta(seconds=60)
    assert verify_totp(SECRET, totp_code(SECRET, step + 2), now=later, last_step=newer) == step + 2


def test_the_clock_is_injected() -> None:
    code = totp_code(SECRET, totp_step(T0))

    assert verify_totp(SECRET, code, now=T0 + timedelta(minutes=5), last_step=None) is None
    assert verify_totp(SECRET, code, now=T0 - timedelta(minutes=5), last_step=None) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_totp(SECRET, code, now=datetime(2026, 3, 2, 9, 30), last_step=None)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "１２３４５６", "123 45"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert verify_totp(SECRET, typed, now=T0, last_step=None) is None


def test_spaces_in_a_typed_code_are_forgiven() -> None:
    code = totp_code(SECRET, totp_step(T0))

    assert verify_totp(SECRET, f" {code[:3]} {code[3:]} ", now=T0, last_step=None) is not None


@pytest.mark.parametrize("secret", ["not base32!", "AAAA", ""])
def test_a_corrupt_secret_fails_closed(secret: str) -> None:
    with pytest.raises(CorruptCredential, match="TOTP secret"):
        verify_totp(secret, "123456", now=T0, last_step=None)


def test_recovery_codes_are_human_typable_and_distinct() -> None:
    codes, stored = generate_recovery_codes(KEY)

    assert len(codes) == RECOVERY_CODE_COUNT == stored.remaining
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code), code


def test_recovery_codes_carry_80_random_bits() -> None:
    codes, _ = generate_recovery_codes(KEY, count=2, token_bytes=lambda n: b"\xff" * n)
    zeros, _ = generate_recovery_codes(KEY, count=1, token_bytes=lambda n: b"\x00" * n)

    assert codes[0] == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    assert zeros[0] == "0000-0000-0000-0000"


def test_only_keyed_hashes_are_stored() -> None:
    codes, stored = generate_recovery_codes(KEY)

    for code, digest in zip(codes, stored.hashes, strict=True):
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert code.replace("-", "") not in digest
        assert digest == hash_recovery_code(code, KEY)
        assert digest != hash_recovery_code(code, bytes(32))  # another key, another hash


def test_each_recovery_code_works_once() -> None:
    codes, stored = generate_recovery_codes(KEY)

    after = consume_recovery_code(stored, codes[3], KEY)

    assert after is not None
    assert after.remaining == RECOVERY_CODE_COUNT - 1
    assert consume_recovery_code(after, codes[3], KEY) is None
    assert consume_recovery_code(after, codes[4], KEY) is not None


def test_all_codes_can_be_used_up() -> None:
    codes, stored = generate_recovery_codes(KEY, count=3)
    current: RecoveryCodes | None = stored
    for code in codes:
        assert current is not None
        current = consume_recovery_code(current, code, KEY)

    assert current == RecoveryCodes(())


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.lower(),
        lambda c: c.replace("-", ""),
        lambda c: " ".join(c.split("-")),
        lambda c: c.replace("0", "O").replace("1", "I"),
    ],
    ids=["lower", "no-dashes", "spaces", "confusables"],
)
def test_typing_slips_are_forgiven(typed: object) -> None:
    codes, stored = generate_recovery_codes(
        KEY, count=1, token_bytes=lambda n: bytes.fromhex("01ba4719c80b6fe911b0")[:n]
    )
    assert callable(typed)
    assert codes == ("06X4-E6E8-1DQY-J4DG",)  # has a 0 and a 1 to misread

    assert consume_recovery_code(stored, typed(codes[0]), KEY) == RecoveryCodes(())


@pytest.mark.parametrize("typed", ["", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not a code"])
def test_wrong_recovery_codes_are_refused(typed: str) -> None:
    _, stored = generate_recovery_codes(KEY)

    assert consume_recovery_code(stored, typed, KEY) is None


def test_a_short_key_is_refused() -> None:
    with pytest.raises(KeyMaterialError, match="32 bytes"):
        generate_recovery_codes(b"short key")
    with pytest.raises(ValueError, match="at least one"):
        generate_recovery_codes(KEY, count=0)
