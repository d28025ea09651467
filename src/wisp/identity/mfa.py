"""Second factor: TOTP codes (RFC 6238) usable once, and single-use recovery codes.

17.04(1)(a)-(b) secure authentication; ASVS 5.0 V6.5 (one-time passwords and recovery codes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pyotp

from wisp.errors import CorruptCredential, KeyMaterialError
from wisp.identity.clock import require_aware

__all__ = [
    "RECOVERY_CODE_COUNT",
    "TOTP_DIGITS",
    "TOTP_INTERVAL_SECONDS",
    "TOTP_WINDOW_STEPS",
    "RecoveryCodes",
    "consume_recovery_code",
    "generate_recovery_codes",
    "hash_recovery_code",
    "new_totp_secret",
    "provisioning_uri",
    "totp_code",
    "totp_step",
    "verify_totp",
]

#: What every authenticator app understands (RFC 6238 defaults: HMAC-SHA1, 6 digits, 30 s).
TOTP_DIGITS: Final = 6
TOTP_INTERVAL_SECONDS: Final = 30
#: One step either side (±30 s) absorbs clock drift and typing time, as RFC 6238 §5.2 suggests.
TOTP_WINDOW_STEPS: Final = 1
#: 160-bit secrets, the length RFC 4226 §4 recommends (pyotp refuses under 112 bits).
_SECRET_BYTES: Final = 20

RECOVERY_CODE_COUNT: Final = 10
#: Crockford's base32: no I, L, O or U, so a code read off paper is typed right.
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: 10 random bytes = 80 bits = 16 characters, printed as four groups of four.
_RECOVERY_BYTES: Final = 10
_RECOVERY_CHARS: Final = 16
_MIN_KEY_BYTES: Final = 32
#: Domain separation: the same server key may also sign other things.
_RECOVERY_LABEL: Final = b"wisp/recovery-code/v1\x00"

TokenBytes = Callable[[int], bytes]


def new_totp_secret(token_bytes: TokenBytes = secrets.token_bytes) -> str:
    """A new base32 TOTP secret (160 bits); keep it encrypted, it cannot be hashed."""
    return base64.b32encode(token_bytes(_SECRET_BYTES)).decode("ascii").rstrip("=")


def provisioning_uri(secret: str, account_name: str, issuer: str = "wisp") -> str:
    """The `otpauth://` URI an authenticator app scans (as a QR code) at enrolment."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def totp_step(now: datetime) -> int:
    """The RFC 6238 time-step counter at `now`."""
    return int(require_aware(now).timestamp()) // TOTP_INTERVAL_SECONDS


def totp_code(secret: str, step: int) -> str:
    """The code for time-step `step` (what the user's app shows during that step)."""
    try:
        return _totp(secret).generate_otp(step)
    except ValueError as exc:  # binascii.Error is a ValueError
        raise CorruptCredential("a stored TOTP secret is malformed") from exc


def verify_totp(
    secret: str,
    code: str,
    *,
    now: datetime,
    last_step: int | None,
    window: int = TOTP_WINDOW_STEPS,
) -> int | None:
    """The time-step `code` belongs to, if it is valid now and newer than `last_step`; else None.

    Each code is usable once (ASVS 6.5.1): the caller stores the returned step as the user's
    `last_step`, and a code of that step or an earlier one is refused, so a code seen over a
    shoulder or replayed from a log within its 90 s of validity is useless. A wrong code must
    also count as a failed sign-in for `wisp.identity.lockout`, which bounds guessing.
    """
    typed = "".join(code.split())
    if len(typed) != TOTP_DIGITS or not (typed.isascii() and typed.isdigit()):
        return None
    current = totp_step(now)
    accepted = None
    # Every candidate step is compared, without stopping at a match, in constant time each.
    for step in range(current - window, current + window + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp_code(secret, step), typed):
            accepted = step
    return accepted


def _totp(secret: str) -> pyotp.TOTP:
    try:
        return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_SECONDS)
    except ValueError as exc:
        raise CorruptCredential("a stored TOTP secret is malformed") from exc


@dataclass(frozen=True)
class RecoveryCodes:
    """The stored form of a user's unused recovery codes: keyed hashes only, never the codes.

    Hashes are HMAC-SHA256 under a server key rather than argon2id. A recovery code carries
    80 random bits, so a slow hash adds nothing against guessing: even with the key, 2^80
    trials are out of reach, and without it a copy of the database is useless. A keyed hash
    also finds the matching code in one pass, where argon2id would cost ten 64 MiB hashes per
    attempt, itself a denial of service.
    """

    hashes: tuple[str, ...]

    @property
    def remaining(self) -> int:
        """How many codes are left; the user should make new ones before they run out."""
        return len(self.hashes)


def generate_recovery_codes(
    key: bytes,
    *,
    count: int = RECOVERY_CODE_COUNT,
    token_bytes: TokenBytes = secrets.token_bytes,
) -> tuple[tuple[str, ...], RecoveryCodes]:
    """New codes to show the user once ("7K2M-Q9XD-..."), and what to store in their place."""
    if count < 1:
        raise ValueError("at least one recovery code is needed")
    codes = tuple(_format_code(token_bytes(_RECOVERY_BYTES)) for _ in range(count))
    return codes, RecoveryCodes(tuple(hash_recovery_code(code, key) for code in codes))


def hash_recovery_code(code: str, key: bytes) -> str:
    """The keyed hash stored for `code`, after forgiving case, dashes, spaces, O/0 and I/L/1."""
    if len(key) < _MIN_KEY_BYTES:
        raise KeyMaterialError(f"the recovery-code key must be at least {_MIN_KEY_BYTES} bytes")
    message = _RECOVERY_LABEL + _canonical_code(code).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def consume_recovery_code(codes: RecoveryCodes, presented: str, key: bytes) -> RecoveryCodes | None:
    """The codes left once `presented` is used up, or None if it is not one of them.

    The caller must store the result atomically (compare-and-swap on the old value), or two
    concurrent sign-ins could both spend the same code.
    """
    wanted = hash_recovery_code(presented, key)
    found = False
    remaining = []
    for stored in codes.hashes:  # no early exit: every stored hash is compared
        if hmac.compare_digest(stored, wanted) and not found:
            found = True
        else:
            remaining.append(stored)
    return RecoveryCodes(tuple(remaining)) if found else None


def _format_code(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    chars = "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(_RECOVERY_CHARS)))
    return "-".join(chars[i : i + 4] for i in range(0, _RECOVERY_CHARS, 4))


def _canonical_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper().translate(_CROCKFORD_READS)
