"""Decoy values for canary records: made-up people whose numbers pass every check a real one does.

17.04(4) monitoring for unauthorized use: a reveal of a canary can have no business reason, so
the audit entry of one (`"canary": true`) is an alarm.

Names come from the US Census lists of the `names` package; SSNs follow the SSA's issuing rules
(no area 000, 666 or 9xx, no group 00, no serial 0000, none of the voided numbers), card
numbers are Visa numbers with a valid Luhn digit, licenses are in the Massachusetts format.
Such numbers may belong to someone real (there is no valid SSN that is known to be unissued);
they are only ever shown masked, or in a reveal that raises an alarm.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta

import names

from wisp.discovery.detectors.credit_card import CreditCardDetector, luhn_ok
from wisp.discovery.detectors.person import column_role
from wisp.discovery.detectors.ssn import SsnDetector
from wisp.vault.views import Classification, FieldType, FieldView

__all__ = ["canary_value", "fake_card", "fake_ssn"]

_RANDOM = secrets.SystemRandom()
_SSN = SsnDetector()
_CARD = CreditCardDetector()
_STREETS = ("Main St", "Elm St", "Oak Ave", "Maple Dr", "Pine St", "Cedar Ln", "Park Ave")
_WORDS = ("Operations", "Finance", "Sales", "Support", "Engineering", "Facilities", "Marketing")


def fake_ssn() -> str:
    """A made-up SSN, dashed, that passes the SSA's rules."""
    while True:
        area = _RANDOM.randint(1, 899)
        digits = f"{area:03d}{_RANDOM.randint(1, 99):02d}{_RANDOM.randint(1, 9999):04d}"
        if _SSN.validate(digits, _SSN.PATTERNS[0]):
            return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def fake_card() -> str:
    """A made-up 16-digit Visa number with a valid Luhn check digit."""
    while True:
        body = "4" + "".join(str(_RANDOM.randint(0, 9)) for _ in range(14))
        number = next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))
        if _CARD.validate(number, _CARD.PATTERNS[0]):
            return number


def _digits(count: int) -> str:
    return str(_RANDOM.randint(1, 9)) + "".join(
        str(_RANDOM.randint(0, 9)) for _ in range(count - 1)
    )


def _name(field: FieldView) -> str:
    role = column_role(field.name)
    if role == "first":
        return str(names.get_first_name())
    if role == "last":
        return str(names.get_last_name())
    return f"{names.get_first_name()} {names.get_last_name()}"


def _date() -> str:
    return (date(1950, 1, 1) + timedelta(days=_RANDOM.randint(0, 50 * 365))).isoformat()


def _ssn(_field: FieldView) -> str:
    return fake_ssn()


def _card(_field: FieldView) -> str:
    return fake_card()


def _account(_field: FieldView) -> str:
    return _digits(_RANDOM.randint(9, 12))


def _license(_field: FieldView) -> str:
    return "S" + "".join(str(_RANDOM.randint(0, 9)) for _ in range(8))


def _address(_field: FieldView) -> str:
    return f"{_RANDOM.randint(1, 999)} {_RANDOM.choice(_STREETS)}"


_MAKERS: dict[Classification, Callable[[FieldView], str]] = {
    Classification.NAME: _name,
    Classification.SSN: _ssn,
    Classification.CARD: _card,
    Classification.ACCOUNT: _account,
    Classification.DRIVERS_LICENSE: _license,
    Classification.OTHER_PI: _address,
}


def canary_value(field: FieldView) -> str | None:
    """A plausible value for `field`; None for an optional field a decoy may leave empty."""
    if field.type is FieldType.DATE:
        return _date()
    if field.type is FieldType.NUMBER:
        return str(_RANDOM.randint(100, 99_999))
    maker = _MAKERS.get(field.classification)
    if maker is not None:
        return maker(field)
    return _RANDOM.choice(_WORDS) if field.required else None
