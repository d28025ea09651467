"""Canary values pass every check a real value does."""

from __future__ import annotations

import uuid

import pytest

from wisp.discovery.detectors.credit_card import CreditCardDetector
from wisp.discovery.detectors.ssn import SsnDetector
from wisp.vault.canaries import canary_value, fake_card, fake_ssn
from wisp.vault.values import clean_value
from wisp.vault.views import Classification as C
from wisp.vault.views import FieldType as T
from wisp.vault.views import FieldView


def _field(name: str, kind: C, type_: T = T.TEXT, required: bool = False) -> FieldView:
    return FieldView(uuid.uuid4(), name, kind, type_, required, False, 1000)


def test_fake_ssns_pass_the_ssa_rules_and_vary() -> None:
    detector = SsnDetector()
    ssns = {fake_ssn() for _ in range(200)}

    assert len(ssns) > 190
    for ssn in ssns:
        digits = ssn.replace("-", "")
        assert detector.validate(digits, detector.PATTERNS[0])
        assert [len(part) for part in ssn.split("-")] == [3, 2, 4]


def test_fake_cards_pass_issuer_range_and_luhn() -> None:
    detector = CreditCardDetector()
    for card in {fake_card() for _ in range(200)}:
        assert len(card) == 16
        assert card[0] == "4"
        assert detector.validate(card, detector.PATTERNS[0])


@pytest.mark.parametrize(
    "field",
    [
        _field("first_name", C.NAME),
        _field("last", C.NAME),
        _field("full_name", C.NAME),
        _field("ssn", C.SSN),
        _field("card", C.CARD),
        _field("account", C.ACCOUNT),
        _field("license", C.DRIVERS_LICENSE),
        _field("address", C.OTHER_PI),
        _field("birth", C.OTHER_PI, T.DATE),
        _field("salary", C.NOT_PI, T.NUMBER),
        _field("dept", C.NOT_PI, required=True),
    ],
    ids=lambda f: f.name,
)
def test_canary_values_pass_the_vaults_own_checks(field: FieldView) -> None:
    for _ in range(20):
        value = canary_value(field)
        assert value is not None
        assert clean_value(field, value) is not None


def test_names_follow_the_field_they_fill() -> None:
    first = canary_value(_field("first_name", C.NAME))
    full = canary_value(_field("employee", C.NAME))

    assert first is not None
    assert " " not in first
    assert full is not None
    assert len(full.split()) == 2


def test_an_optional_field_without_pi_may_stay_empty() -> None:
    assert canary_value(_field("notes", C.NOT_PI)) is None
