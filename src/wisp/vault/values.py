"""Field values: check each against its field's type and classification, and canonicalize it.

17.04(5) and 17.03(2): only well-formed values are sealed; blind indexes need one canonical form.

Every message names the field and what is wrong, never the value: a value may be an SSN typed
into the wrong column.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from wisp.discovery.detectors.credit_card import luhn_ok
from wisp.errors import InvalidInput
from wisp.vault.views import Classification, FieldSpec, FieldType, FieldValue, FieldView

__all__ = ["clean_value", "index_form"]

_SEPARATORS = re.compile(r"[\s-]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
#: Multi-line text is allowed only where free text belongs.
_FREE_TEXT = frozenset({Classification.OTHER_PI, Classification.NOT_PI})
# Unicode's control characters (category Cc) are exactly C0, DEL and C1; free text may keep
# tabs and line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Field = FieldView | FieldSpec


def _fail(field: Field, what: str) -> InvalidInput:
    return InvalidInput(f"field {field.name!r}: {what}")


def _text(field: Field, value: FieldValue) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(field, "must be text")
    text = str(value).strip()
    control = _CONTROL_BUT_BREAKS if field.classification in _FREE_TEXT else _CONTROL
    if control.search(text):
        raise _fail(field, "holds a control character")
    return text


def _number(field: Field, value: FieldValue | float) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _fail(field, "must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _fail(field, "must be a number") from None
    if not number.is_finite():
        raise _fail(field, "must be a finite number")
    return str(number)


def _date(field: Field, value: FieldValue) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise _fail(field, "must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise _fail(field, "must be a date (YYYY-MM-DD)") from None


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _check_classified(field: Field, text: str) -> str:
    kind = field.classification
    if kind is Classification.SSN:
        digits = _compact(text)
        if not (len(digits) == 9 and digits.isascii() and digits.isdigit()):
            raise _fail(field, "must be an SSN of 9 digits")
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    if kind is Classification.CARD:
        digits = _compact(text)
        if not (12 <= len(digits) <= 19 and digits.isascii() and digits.isdigit()):
            raise _fail(field, "must be a card number of 12-19 digits")
        if not luhn_ok(digits):
            raise _fail(field, "is not a valid card number (checksum)")
    elif kind in (Classification.ACCOUNT, Classification.DRIVERS_LICENSE):
        compact = _compact(text)
        longest = 34 if kind is Classification.ACCOUNT else 20
        if not (4 <= len(compact) <= longest and _ALNUM.fullmatch(compact)):
            raise _fail(field, f"must be 4-{longest} letters and digits")
    elif kind is Classification.NAME and (_DIGIT.search(text) or not _LETTER.search(text)):
        raise _fail(field, "must be a name: letters, no digits")
    return text


def clean_value(field: Field, value: FieldValue | float) -> str | None:
    """The canonical text kept for `value`; None for no value; InvalidInput if malformed.

    SSNs are kept as `123-45-6789` whatever the separators given; other values as given,
    trimmed (numbers and dates in their canonical form).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if field.type is FieldType.NUMBER:
        text = _number(field, value)
    elif field.type is FieldType.DATE:
        if isinstance(value, float):
            raise _fail(field, "must be a date (YYYY-MM-DD)")
        text = _date(field, value)
    else:
        if isinstance(value, float):
            raise _fail(field, "must be text")
        text = _check_classified(field, _text(field, value))
    if len(text) > field.max_length:
        raise _fail(field, f"is longer than {field.max_length} characters")
    return text


def index_form(classification: Classification, value: str) -> str:
    """The one form of a (clean) value its blind index is made from.

    SSNs and cards: their digits; accounts and licenses: letters and digits, upper-cased. So
    `123-45-6789` finds `123 45 6789`, and `s1234-5678` finds `S12345678`.
    """
    compact = _compact(value)
    if classification in (Classification.SSN, Classification.CARD):
        return compact
    return compact.upper()
