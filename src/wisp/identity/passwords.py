"""Password policy (NIST SP 800-63B) and password storage (argon2id).

17.04(1)(b): a reasonably secure method of assigning and selecting passwords; ASVS 5.0 V6.2.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import pairwise
from typing import Any, Final, cast

import argon2
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from wisp.config import Settings
from wisp.errors import CorruptCredential, PasswordRejected

__all__ = [
    "ARGON2_PARAMETERS",
    "DEFAULT_HASHER",
    "PasswordPolicy",
    "PasswordProblem",
    "common_passwords",
    "hash_password",
    "needs_rehash",
    "normalize_password",
    "verify_password",
]

#: RFC 9106 §4, second recommended option (argon2-cffi's `RFC_9106_LOW_MEMORY`): argon2id,
#: t=3 passes over m=64 MiB with p=4 lanes, 16-byte salt, 32-byte tag. It is more than three
#: times OWASP's argon2id floor (m=19 MiB, t=2, p=1) and takes about 0.1 s on a 2-core server:
#: slow for an offline guesser, fast enough for a sign-in. The first recommended option
#: (m=2 GiB) would let a handful of concurrent sign-ins exhaust a small server's memory.
#: Raising these later is safe: `needs_rehash` tells the caller to re-hash at the next sign-in.
ARGON2_PARAMETERS: Final = argon2.profiles.RFC_9106_LOW_MEMORY
DEFAULT_HASHER: Final = PasswordHasher.from_parameters(ARGON2_PARAMETERS)

#: A password longer than this is refused unhashed at sign-in: no policy lets one be set, and
#: hashing megabytes on request would be a free denial of service.
_VERIFY_LIMIT: Final = 4096
#: zxcvbn's estimator refuses longer input (its matching is quadratic); longer passwords are
#: checked by every other rule.
_ZXCVBN_LIMIT: Final = 72
#: A whole identifier ("bob") is refused inside a password from this length; a part of one
#: ("Ann" of "Ann Lee") from the next, as short parts are too common inside words ("annual").
_MIN_IDENTIFIER: Final = 3
_MIN_IDENTIFIER_PART: Final = 4
#: A stripped or de-leeted base shorter than this matches too much of the list ("a", "x1").
_MIN_BASE: Final = 4

_EDGE = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\W_]+")
_LEET: Final = (
    str.maketrans("0134578@$!+9", "oieastbasitg"),
    str.maketrans("0134578@$!+9", "oleastbasltg"),
)
_KEYBOARD_ROWS: Final = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


class PasswordProblem(Enum):
    """Why a new password is refused; several may apply at once."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    PERSONAL = "personal"
    PATTERN = "pattern"
    GUESSABLE = "guessable"


@dataclass(frozen=True)
class PasswordPolicy:
    """NIST SP 800-63B(-4) §3.1.1.2 rules for a password a user chooses; no composition rules.

    Length is counted in Unicode code points after NFKC normalization, as 800-63B asks.
    """

    # 12 is ASVS 4.0.3's floor (2.1.1). 800-63B-4 asks for at least 8 characters where the
    # password is one factor of several and 15 where it is the only one, and ASVS 5.0 (6.2.1)
    # strongly recommends 15. wisp requires TOTP of administrators and of everyone who may
    # reveal or export PI, so 12 is well above the multi-factor floor for them; an installation
    # whose other users sign in with a password alone should set WISP_PASSWORD_MIN_LENGTH=15.
    min_length: int = 12
    # 800-63B: verifiers SHOULD permit at least 64 characters; 128 also bounds the work per check.
    max_length: int = 128
    # zxcvbn's estimate below which a password is refused as guessable: 10^8 guesses is its
    # "safely unguessable" line (score 3), out of reach online behind wisp's throttling.
    min_guesses_log10: float = 8.0
    # 800-63B names context-specific words, such as the service's own name, for the blocklist.
    context_words: tuple[str, ...] = ("wisp",)

    def __post_init__(self) -> None:
        if not 8 <= self.min_length <= 64 <= self.max_length:
            raise ValueError("password lengths must satisfy 8 <= min <= 64 <= max")

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordPolicy:
        """The policy an installation configured."""
        return cls(min_length=settings.password_min_length)

    def check(self, password: str, identifiers: Iterable[str] = ()) -> tuple[PasswordProblem, ...]:
        """Every reason to refuse `password` for a user known by `identifiers`; () if none.

        `identifiers` are the user's name, user name and e-mail address: a password containing
        any of them is refused.
        """
        text = normalize_password(password)
        folded = text.casefold()
        problems = []
        if len(text) < self.min_length:
            problems.append(PasswordProblem.TOO_SHORT)
        if len(text) > self.max_length:
            problems.append(PasswordProblem.TOO_LONG)
        words = _identifier_parts([*identifiers, *self.context_words])
        content = [
            problem
            for problem, found in (
                (PasswordProblem.COMMON, _is_common(folded)),
                (PasswordProblem.PERSONAL, _contains_any(folded, words)),
                (PasswordProblem.PATTERN, _is_predictable(folded)),
            )
            if found
        ]
        problems += content
        if not problems and _guesses_log10(text, words) < self.min_guesses_log10:
            problems.append(PasswordProblem.GUESSABLE)
        return tuple(problems)

    def enforce(self, password: str, identifiers: Iterable[str] = ()) -> None:
        """Raise `PasswordRejected` naming every reason, never the password, if any applies."""
        problems = self.check(password, identifiers)
        if problems:
            reasons = "; ".join(self.describe(problem) for problem in problems)
            raise PasswordRejected(f"password not accepted: it {reasons}")

    def describe(self, problem: PasswordProblem) -> str:
        """One reason, worded to follow "it" in a sentence shown to the user."""
        return {
            PasswordProblem.TOO_SHORT: f"has fewer than {self.min_length} characters",
            PasswordProblem.TOO_LONG: f"has more than {self.max_length} characters",
            PasswordProblem.COMMON: "is a common or breached password, or one with a few "
            "characters added",
            PasswordProblem.PERSONAL: "contains your name, user name or e-mail address, or the "
            "name of this service",
            PasswordProblem.PATTERN: "is a repeated or sequential pattern",
            PasswordProblem.GUESSABLE: "is easy to guess: common words, names, dates or keyboard "
            "patterns; a longer phrase of unrelated words works well",
        }[problem]


def normalize_password(password: str) -> str:
    """NFKC, so that the same password typed on another keyboard or system still matches."""
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list (from leaked password corpora)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(cast(list[str], FREQUENCY_LISTS["passwords"]))


def _is_common(folded: str) -> bool:
    if folded in common_passwords():
        return True
    bases = {_EDGE.sub("", folded)}
    for table in _LEET:
        bases |= {folded.translate(table), _EDGE.sub("", folded).translate(table)}
        bases.add(_EDGE.sub("", folded.translate(table)))
    return any(len(base) >= _MIN_BASE and base in common_passwords() for base in bases)


def _identifier_parts(identifiers: Iterable[str]) -> frozenset[str]:
    parts: set[str] = set()
    for identifier in identifiers:
        folded = normalize_password(identifier).casefold().strip()
        local, _, domain = folded.partition("@")
        # The top-level domain ("com") is left out: it is a substring of too many phrases.
        pieces = [*_SEPARATORS.split(local), *domain.split(".")[:-1]]
        parts.update(p for p in (folded, local) if len(p) >= _MIN_IDENTIFIER)
        parts.update(p for p in pieces if len(p) >= _MIN_IDENTIFIER_PART)
    return frozenset(parts)


def _contains_any(folded: str, words: frozenset[str]) -> bool:
    forms = {folded, *(folded.translate(table) for table in _LEET)}
    return any(word in form for word in words for form in forms)


@cache
def _neighbours() -> dict[str, frozenset[str]]:
    near: dict[str, set[str]] = {}
    for row in _KEYBOARD_ROWS:
        for a, b in pairwise(row):
            near.setdefault(a, set()).add(b)
            near.setdefault(b, set()).add(a)
    near.setdefault("9", set()).add("0")  # digits run on: ...8, 9, 0, 1...
    near.setdefault("0", set()).add("9")
    return {key: frozenset(value) for key, value in near.items()}


def _follows(previous: str, current: str) -> bool:
    """Whether `current` is what a pattern would type after `previous`."""
    return abs(ord(current) - ord(previous)) <= 1 or current in _neighbours().get(
        previous, frozenset()
    )


def _is_predictable(folded: str) -> bool:
    """Repeated ("aaaa", "abcabc") or sequential ("1234", "qwerty", "zyxw") throughout.

    A password is refused when at most a quarter of its characters (and at least one) break
    the run: "123456789012" and "qwertyuiopas" are, a phrase of words is not.
    """
    if len(folded) < 2:
        return bool(folded)
    period = next(p for p in range(1, len(folded) + 1) if _repeats(folded, p))
    if period <= len(folded) // 2:
        return True
    surprises = 1 + sum(not _follows(a, b) for a, b in pairwise(folded))
    return surprises <= max(1, len(folded) // 4)


def _repeats(text: str, period: int) -> bool:
    return all(text[i] == text[i - period] for i in range(period, len(text)))


def _guesses_log10(text: str, words: frozenset[str]) -> float:
    if len(text) > _ZXCVBN_LIMIT:
        return float("inf")
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]

    result = cast(dict[str, Any], zxcvbn(text, user_inputs=sorted(words)))
    return float(result["guesses_log10"])


def hash_password(password: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    """The argon2id hash to store (PHC string with parameters and a random salt)."""
    return hasher.hash(normalize_password(password))


def verify_password(
    stored_hash: str | None, password: str, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> bool:
    """Whether `password` matches `stored_hash`, comparing in constant time (argon2 does).

    `stored_hash=None` (no such user) spends the same work on a throw-away hash and returns
    False, so the response time does not tell whether a user name exists.
    Raises `CorruptCredential` if `stored_hash` is not an argon2 hash: fail closed, loudly.
    """
    if len(password) > _VERIFY_LIMIT:
        return False
    target = _throwaway_hash(hasher) if stored_hash is None else stored_hash
    try:
        matched = hasher.verify(target, normalize_password(password))
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError) as exc:
        raise CorruptCredential("a stored password hash is malformed") from exc
    return matched and stored_hash is not None


def needs_rehash(stored_hash: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> bool:
    """Whether `stored_hash` was made with other parameters; re-hash it at the next sign-in."""
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError as exc:
        raise CorruptCredential("a stored password hash is malformed") from exc


@cache
def _throwaway_hash(hasher: PasswordHasher) -> str:
    """A hash of a random string no one knows, made with `hasher`'s own parameters."""
    return hasher.hash(secrets.token_urlsafe(32))
