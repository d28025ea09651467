"""What a reader without a reveal sees of each field: masked by classification, never the whole.

17.04(2) (access only for those who need it) and 17.03(2)(a): masked values let staff tell
records apart without seeing PI; the unmasked value takes a reveal, with a reason, audited.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from wisp.vault.views import Classification

__all__ = ["FULL_MASK", "mask"]

#: Shown for other PI: a fixed width, so that not even the length shows.
FULL_MASK = "********"
_ALNUM = re.compile(r"[0-9A-Za-z]")
_WORD = re.compile(r"[^\W\d_]+")


def _tail(value: str, keep: int) -> str:
    chars = _ALNUM.findall(value)
    return "".join(chars[-keep:]) if keep and len(chars) > keep else ""


def _license(value: str) -> str:
    chars = _ALNUM.findall(value)
    # Short numbers show less: the last four of a six-character license is most of it.
    keep = 4 if len(chars) >= 12 else 3 if len(chars) >= 8 else 2 if len(chars) >= 6 else 0
    return "*" * (len(chars) - keep) + "".join(chars[len(chars) - keep :])


def _name(value: str) -> str:
    return _WORD.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), value)


def _ssn(value: str) -> str:
    return "***-**-" + (_tail(value, 4) or "****")


def _card(value: str) -> str:
    return "**** **** **** " + (_tail(value, 4) or "****")


def _account(value: str) -> str:
    return "****" + _tail(value, 4)


_MASKS: dict[Classification, Callable[[str], str]] = {
    Classification.NOT_PI: str,
    Classification.SSN: _ssn,
    Classification.CARD: _card,
    Classification.ACCOUNT: _account,
    Classification.DRIVERS_LICENSE: _license,
    Classification.NAME: _name,
}


def mask(classification: Classification, value: str | None) -> str | None:
    """The masked form of a stored value: `***-**-6789`, `**** **** **** 1234`, `****1234`,
    `*****678` (license), `J*** D**` (name), `********` (other PI), or the value (not PI)."""
    if value is None:
        return None
    masker = _MASKS.get(classification)
    return FULL_MASK if masker is None else masker(value)
