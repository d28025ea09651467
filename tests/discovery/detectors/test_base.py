"""The detector contract's bulk checks: a column normalized and validated at once gives what
one value at a time gives, for every built-in detector and pattern."""

from __future__ import annotations

import random

import pytest

from wisp.discovery.detectors import (
    BankNumberDetector,
    CreditCardDetector,
    DriverLicenseDetector,
    SsnDetector,
)
from wisp.discovery.detectors.base import digits_only, digits_only_all

DETECTORS = [SsnDetector(), CreditCardDetector(), DriverLicenseDetector(), BankNumberDetector()]
PATTERNS = [pytest.param(d, p, id=f"{d.ENTITY}-{p.name}") for d in DETECTORS for p in d.PATTERNS]
EDGES = [
    "345678901",
    "345-67-8901",
    "000123456",
    "666123456",
    "900123456",
    "345008901",
    "345670000",
    "078051120",
    "123456789",
    "555555555",
    "11111111",
    "021000021",
    "3222-7162-7",
    "4012 8888 8888 1881",
    "GB82 WEST 1234 5698 7654 32",
    "S12345678",
    "sa1234567",
    "A1234567",
]


def _raws(seed: int) -> list[str]:
    """Edge cases, and random numbers as patterns match them: digits, maybe grouped."""
    rnd = random.Random(seed)
    raws = list(EDGES)
    for _ in range(2000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(6, 20)))
        if rnd.random() < 0.3:
            digits = rnd.choice("-. ").join([digits[:3], digits[3:5], digits[5:]])
        raws.append(rnd.choice("0123456789") * len(digits) if rnd.random() < 0.05 else digits)
    return raws


@pytest.mark.parametrize(("detector", "pattern"), PATTERNS)
def test_a_column_is_checked_as_its_values_are(detector, pattern):
    raws = _raws(5)
    values = detector.normalize_all(raws)
    assert values == [detector.normalize(raw) for raw in raws]
    valid = detector.validate_all(values, pattern)
    assert valid == [detector.validate(value, pattern) for value in values]
    assert all(v is True or v is False for v in valid)


@pytest.mark.parametrize(
    "raws",
    [
        pytest.param([], id="none"),
        pytest.param(["345-67-8901", "345 67.8901", "12"], id="separators"),
        pytest.param(["345678901", "456789012"], id="digits-only"),
        pytest.param(["345\n678-901", "1-2"], id="line-break-inside"),
    ],
)
def test_digits_only_all(raws):
    assert digits_only_all(raws) == [digits_only(raw) for raw in raws]
