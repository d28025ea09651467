"""17.02(c): credit and debit card numbers, by ISO/IEC 7812 issuer range and Luhn checksum."""

from collections.abc import Sequence

from wisp.discovery.detectors.base import Detector, Pattern, digits_only, digits_only_all

__all__ = ["CreditCardDetector", "luhn_ok"]

# (prefix low, prefix high, allowed lengths): the networks 17.02 cards are issued on.
_RANGES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (34, 34, frozenset({15})),  # American Express
    (37, 37, frozenset({15})),
    (6011, 6011, frozenset(range(16, 20))),  # Discover
    (644, 649, frozenset(range(16, 20))),
    (65, 65, frozenset(range(16, 20))),
    (3528, 3589, frozenset(range(16, 20))),  # JCB
    (300, 305, frozenset(range(14, 20))),  # Diners Club
    (36, 36, frozenset(range(14, 20))),
    (38, 39, frozenset(range(16, 20))),
    (62, 62, frozenset(range(16, 20))),  # UnionPay
)
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of ASCII digits."""
    raw = digits.encode()
    total = sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_DOUBLED)) - 48 * len(raw)
    return total % 10 == 0


#: Every (first four digits, length) pair the ranges allow: one set lookup per number.
_ISSUED = frozenset(
    (f"{prefix}{rest:0{4 - len(str(prefix))}d}" if len(str(prefix)) < 4 else str(prefix), n)
    for low, high, lengths in _RANGES
    for prefix in range(low, high + 1)
    for rest in range(10 ** (4 - len(str(prefix))))
    for n in lengths
)


def _three_digits(digits: str) -> bool:
    """At least three distinct digits: 4111 1111 1111 1111 is a placeholder, not a card."""
    rest = digits.replace(digits[0], "")
    return bool(rest) and bool(rest.replace(rest[0], ""))


class CreditCardDetector(Detector):
    ENTITY = "CREDIT_CARD"
    PATTERNS = (
        Pattern(
            "pan",
            # A grouped number is 4-4-4-4(-3), 4-4-4-1..4 or 4-6-4/5; it must not run on into
            # another full group, but may be followed by an expiry date or the next card.
            # Not an id in a URL path ("/testcase-detail/5390364397928448").
            r"(?<![\w/-])(?:\d{13,19}"
            r"|\d{4}([ -])\d{4}\1\d{4}\1(?:\d{4}\1\d{3}(?!\d)|\d{1,4}(?!\d))(?!\1\d{4})"
            r"|\d{4}([ -])\d{6}\2\d{4,5}(?!\2\d{4}))(?![\w-])",
            r"\d{13,19}[^0-9]|\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4}[^0-9]"
            r"|\d{4}[ -]\d{6}[ -]\d{4,5}[^0-9]",
            38,
            0.9,
        ),
    )
    CONTEXT = (
        "card",
        "credit",
        "debit",
        "visa",
        "mastercard",
        "amex",
        "american express",
        "discover",
        "jcb",
        "diners",
        "unionpay",
        "cc",
        "ccn",
        "pan",
        "cardholder",
    )

    def normalize(self, raw: str) -> str:
        return digits_only(raw)

    def normalize_all(self, raws: Sequence[str]) -> list[str]:
        return digits_only_all(raws)

    def validate(self, value: str, pattern: Pattern) -> bool:
        return (value[:4], len(value)) in _ISSUED and luhn_ok(value) and _three_digits(value)
