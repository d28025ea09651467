"""Masking: each classification shows at most what it should; table-driven."""

from __future__ import annotations

import pytest

from wisp.audit.events import Masked
from wisp.vault.masking import FULL_MASK, mask
from wisp.vault.views import Classification as C

CASES = [
    (C.SSN, "123-45-6789", "***-**-6789"),
    (C.SSN, "123456789", "***-**-6789"),
    (C.CARD, "4556 7375 8689 9855", "**** **** **** 9855"),
    (C.CARD, "4556737586899855", "**** **** **** 9855"),
    (C.ACCOUNT, "000123456789", "****6789"),
    (C.ACCOUNT, "GB82 WEST 1234 5698 7654 32", "****5432"),
    (C.ACCOUNT, "1234", "****"),
    (C.DRIVERS_LICENSE, "S12345678", "******678"),
    (C.DRIVERS_LICENSE, "A1234567890123", "**********0123"),
    (C.DRIVERS_LICENSE, "123456", "****56"),
    (C.DRIVERS_LICENSE, "A123", "****"),
    (C.NAME, "Jane Doe", "J*** D**"),
    (C.NAME, "O'Brien-Smith, Mary", "O'B****-S****, M***"),
    (C.NAME, "José Ñúñez", "J*** Ñ****"),
    (C.OTHER_PI, "12 Elm St", FULL_MASK),
    (C.OTHER_PI, "1984-07-09", FULL_MASK),
    (C.NOT_PI, "Payroll", "Payroll"),
]


@pytest.mark.parametrize(("kind", "value", "masked"), CASES)
def test_values_are_masked_by_classification(kind: C, value: str, masked: str) -> None:
    assert mask(kind, value) == masked


@pytest.mark.parametrize("kind", list(C))
def test_no_value_stays_no_value(kind: C) -> None:
    assert mask(kind, None) is None


@pytest.mark.parametrize(
    ("kind", "value"), [(k, v) for k, v, _ in CASES if k not in (C.NAME, C.NOT_PI)]
)
def test_masks_of_numbers_show_at_most_four_characters(kind: C, value: str) -> None:
    masked = mask(kind, value)

    assert masked is not None
    assert Masked(masked) == masked  # the audit log's own rule for a masked value
    assert value not in masked
