"""17.02(c): financial account numbers: account numbers by context, ABA routing numbers by
checksum, IBANs by ISO 13616 mod 97."""

import operator
import re
from collections.abc import Sequence

from wisp.discovery.detectors.base import Detector, Pattern, digits_only, digits_only_all

__all__ = ["BankNumberDetector", "aba_ok", "iban_ok"]

#: One character throughout ("00000000"): a placeholder, not an account number.
_REPEATED = re.compile(r"(.)\1*", re.DOTALL)
_LEAD = operator.itemgetter(slice(0, 1))

_ABA_PREFIXES = frozenset(
    [f"{n:02d}" for n in range(13)]
    + [str(n) for n in range(21, 33)]
    + [str(n) for n in range(61, 73)]
    + ["80"]
)


def aba_ok(digits: str) -> bool:
    """ABA routing number: a Federal Reserve prefix and the 3-7-1 weighted checksum."""
    if len(digits) != 9 or digits[:2] not in _ABA_PREFIXES:
        return False
    raw = digits.encode()  # ASCII codes: each digit is 48 more than its value
    total = 3 * sum(raw[0::3]) + 7 * sum(raw[1::3]) + sum(raw[2::3]) - 48 * 3 * (3 + 7 + 1)
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    """IBAN: country code, check digits and a mod-97 remainder of 1."""
    if not (15 <= len(value) <= 34) or not value[:2].isalpha() or not value[2:4].isdigit():
        return False
    moved = value[4:] + value[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


class BankNumberDetector(Detector):
    ENTITY = "US_BANK_NUMBER"
    PATTERNS = (
        Pattern(
            "account",
            # Not after '#' (tickets, orders: "Closes: #1006975") or '/' (ids in URL paths).
            r"(?<![\w#/-])\d{6,17}(?![\w-])",
            r"\d{6,17}[^0-9]",
            18,
            0.5,
            needs_context=True,
        ),
        # A plain 9-digit routing number is an `account` match already (same context words);
        # this pattern adds the dashed 4-4-1 form, which must pass the ABA checksum.
        Pattern(
            "routing",
            r"(?<![\w-])\d{4}-\d{4}-\d(?![\w-])",
            r"\d{4}-\d{4}-\d[^0-9]",
            12,
            0.5,
            needs_context=True,
        ),
        Pattern(
            "iban",
            r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w])",
            r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}",
            42,
            0.8,
        ),
    )
    CONTEXT = (
        "account",
        "accounts",
        "acct",
        "acc",
        "a/c",
        "checking",
        "savings",
        "deposit",
        "bank",
        "banking",
        "routing",
        "aba",
        "rtn",
        "iban",
        "wire",
        "ach",
    )

    def normalize(self, raw: str) -> str:
        # Account and routing numbers are digits and dashes; only an IBAN has letters.
        return digits_only(raw) if raw[:1].isdigit() else super().normalize(raw)

    def normalize_all(self, raws: Sequence[str]) -> list[str]:
        if "".join(map(_LEAD, raws)).isdigit():  # no IBAN among them
            return digits_only_all(raws)
        return super().normalize_all(raws)

    def validate(self, value: str, pattern: Pattern) -> bool:
        if pattern.name == "iban":
            return iban_ok(value)
        if pattern.name == "routing":
            return aba_ok(value)
        return _REPEATED.fullmatch(value) is None

    def validate_all(self, values: Sequence[str], pattern: Pattern) -> list[bool]:
        if pattern.name == "account":
            return list(map(operator.not_, map(_REPEATED.fullmatch, values)))
        return super().validate_all(values, pattern)
