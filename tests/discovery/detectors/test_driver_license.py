"""US_DRIVER_LICENSE: Massachusetts formats (and a few other states'), only with context."""

from __future__ import annotations

import pytest

from wisp.discovery.detectors.driver_license import DriverLicenseDetector
from wisp.discovery.models import Layout, Unit

PROSE, TABLE, RECORDS = Layout.PROSE, Layout.TABLE, Layout.RECORDS
DETECTOR = DriverLicenseDetector()
PATTERNS = {p.name: p for p in DriverLicenseDetector.PATTERNS}

# Massachusetts: S + 8 digits, SA + 7 digits (older licenses and state IDs), 9 digits (older).
MA_S8, MA_SA7, MA_NUMERIC = "S12345678", "SA1234567", "012345678"
MA_FORMATS = [
    pytest.param(MA_S8, id="ma-s-8"),
    pytest.param(MA_SA7, id="ma-sa-7"),
    pytest.param(MA_NUMERIC, id="ma-9-digits"),
]
CONTEXTS = [
    pytest.param("Driver's license: {}", id="drivers-license"),
    pytest.param("driver license number {} exp 2027", id="driver-license-number"),
    pytest.param("DL {}", id="dl"),
    pytest.param("DL#{}", id="dl-hash"),
    pytest.param("License # {}", id="license-hash"),
    pytest.param("Mass. state ID {}", id="state-id"),
    pytest.param("RMV record {}", id="rmv"),
    pytest.param("{} (driver's licence)", id="context-after"),
]


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("number", MA_FORMATS)
def test_massachusetts_with_context(masked, number, context):
    got = masked(DETECTOR, Unit(context.format(number).encode()))
    assert got == [DETECTOR.mask(number)]


NO_CONTEXT = [
    pytest.param("{}", id="alone"),
    pytest.param("Order {} shipped", id="order"),
    pytest.param("Invoice {} paid", id="invoice"),
    pytest.param("Model {} in stock", id="model"),
]


@pytest.mark.parametrize("text", NO_CONTEXT)
@pytest.mark.parametrize("number", MA_FORMATS)
def test_massachusetts_without_context(masked, number, text):
    got = masked(DETECTOR, Unit(text.format(number).encode()))
    assert got == []


def test_context_far_before_is_not_context(masked):
    text = "Driver's license rules changed. " + "The rest of this long sentence is filler. " * 2
    text += MA_S8
    got = masked(DETECTOR, Unit(text.encode()))
    assert got == []


LAYOUT_CASES = [
    pytest.param(
        TABLE,
        f"Zyxlo Qwertz\t{MA_S8}",
        ("name", "license_number"),
        ["******678"],
        id="header-license_number",
    ),
    pytest.param(
        TABLE, f"Zyxlo Qwertz\t{MA_S8}", ("name", "License Number"), ["******678"], id="header"
    ),
    pytest.param(
        TABLE,
        f"Zyxlo Qwertz\t{MA_SA7}",
        ("Name", "Driver's License"),
        ["******567"],
        id="header-drivers",
    ),
    pytest.param(
        TABLE, f"Zyxlo Qwertz\t{MA_NUMERIC}", ("Name", "DL #"), ["******678"], id="header-dl"
    ),
    pytest.param(
        TABLE, f"Zyxlo Qwertz\t{MA_NUMERIC}", ("Name", "State ID"), ["******678"], id="state-id"
    ),
    pytest.param(TABLE, f"Zyxlo Qwertz\t{MA_S8}", ("name", "part_no"), [], id="other-header"),
    pytest.param(
        TABLE, f"Zyxlo Qwertz\tDL {MA_S8}", ("name", "notes"), ["******678"], id="cell-context"
    ),
    pytest.param(
        RECORDS, f"name: Zyxlo Qwertz\tlicense: {MA_S8}", (), ["******678"], id="record-license"
    ),
    pytest.param(RECORDS, f"name: Zyxlo Qwertz\tsku: {MA_S8}", (), [], id="record-other-key"),
]


@pytest.mark.parametrize(("layout", "text", "columns", "expected"), LAYOUT_CASES)
def test_layouts(masked, layout, text, columns, expected):
    got = masked(DETECTOR, Unit(text.encode(), layout, columns=columns))
    assert got == expected


OTHER_STATES = [
    pytest.param("A1234567", id="california"),
    pytest.param("A123456789012", id="florida"),
    pytest.param("A12345678901", id="illinois"),
    pytest.param("A12345678901234", id="new-jersey"),
    pytest.param("123456789", id="new-york"),
    pytest.param("12345678", id="pennsylvania"),
    pytest.param("1234567", id="seven-digits"),
    pytest.param("A1234567890123", id="wisconsin"),
    pytest.param("WD1234567", id="two-letters"),
]


@pytest.mark.parametrize("number", OTHER_STATES)
def test_other_states_with_context(masked, number):
    got = masked(DETECTOR, Unit(f"Driver's license: {number}".encode()))
    assert got == [DETECTOR.mask(number)]


@pytest.mark.parametrize("number", OTHER_STATES)
def test_other_states_without_context(masked, number):
    got = masked(DETECTOR, Unit(f"Reference {number}".encode()))
    assert got == []


NOT_LICENSES = [
    pytest.param("S11111111", id="one-digit-repeated"),
    pytest.param("111111111", id="numeric-repeated"),
    pytest.param("S1234", id="too-short"),
    pytest.param("123456", id="six-digits"),
    pytest.param("1234567890", id="ten-digits"),
    pytest.param("ABC1234567", id="three-letters"),
    pytest.param("S12345678X", id="trailing-letter"),
    pytest.param("S-12345678", id="dash-inside"),
    pytest.param("C12T345672", id="letter-inside"),
    pytest.param("617-555-1234", id="phone"),
    pytest.param("ABCDEFGH", id="letters-only"),
]


@pytest.mark.parametrize("text", NOT_LICENSES)
def test_not_licenses_even_with_context(masked, text):
    got = masked(DETECTOR, Unit(f"Driver's license: {text}".encode()))
    assert got == []


@pytest.mark.parametrize(
    ("value", "pattern", "valid"),
    [
        pytest.param("S12345678", "ma", True, id="ma"),
        pytest.param("SA1234567", "ma", True, id="ma-sa"),
        pytest.param("S11111111", "ma", False, id="ma-repeated"),
        pytest.param("SA1111111", "ma", False, id="ma-sa-repeated"),
        pytest.param("012345678", "numeric", True, id="numeric"),
        pytest.param("000000000", "numeric", False, id="numeric-zeros"),
        pytest.param("A1234567", "lettered", True, id="lettered"),
        pytest.param("WD7777777", "lettered", False, id="lettered-repeated"),
    ],
)
def test_validate(value, pattern, valid):
    got = DETECTOR.validate(value, PATTERNS[pattern])
    assert got is valid


def test_mask_keeps_last_three():
    assert DETECTOR.mask("S12345678") == "******678"


# Presidio's cases run recognizer-only: it reports license candidates at 0.01-0.4 with no
# context; we report none without a context word. Each row: the case, what we put before its
# text, and what we then report (masked).
PRESIDIO_DL = [
    pytest.param("us_driver_license-00", "", [], id="us_driver_license-00-no-context"),
    pytest.param(
        "us_driver_license-00", "driver license ", ["******567"], id="us_driver_license-00-context"
    ),
    pytest.param(
        "us_driver_license-01", "driver license ", [], id="us_driver_license-01-letter-inside"
    ),
    pytest.param("us_driver_license-02", "", [], id="us_driver_license-02-no-context"),
    # Presidio's 0.01-score generic pattern takes 9 to 13 digits; all-digit licenses we know
    # have 7 to 9 (Massachusetts' old form, NY, PA, ...), so only the first number is one.
    pytest.param(
        "us_driver_license-02", "driver license ", ["******789"], id="us_driver_license-02-context"
    ),
    pytest.param(
        "us_driver_license-03", "driver license ", [], id="us_driver_license-03-letters-only"
    ),
    pytest.param(
        "us_driver_license-04", "driver license ", [], id="us_driver_license-04-letters-only"
    ),
]


@pytest.mark.parametrize(("case_id", "prefix", "expected"), PRESIDIO_DL)
def test_presidio_driver_license(presidio, masked, case_id, prefix, expected):
    case = presidio("presidio_us_driver_license.json")[case_id]
    got = masked(DETECTOR, Unit((prefix + case["text"]).encode()))
    assert got == expected


def test_presidio_driver_license_cases_all_compared(presidio):
    compared = {p.values[0] for p in PRESIDIO_DL}
    assert compared == set(presidio("presidio_us_driver_license.json"))


# Presidio's context sentences (driver's license subset): every sentence has "driver license".
PRESIDIO_CONTEXT = [
    pytest.param("ctx-15", [], id="ctx-15-asterisks"),
    pytest.param("ctx-16", ["******567"], id="ctx-16-lettered"),
    # Thirteen digits: beyond the all-digit formats we know (see us_driver_license-02).
    pytest.param("ctx-17", [], id="ctx-17-thirteen-digits"),
    pytest.param("ctx-18", [], id="ctx-18-thirteen-digits"),
    pytest.param("ctx-19", [], id="ctx-19-thirteen-digits"),
]


@pytest.mark.parametrize(("case_id", "expected"), PRESIDIO_CONTEXT)
def test_presidio_context_sentences(presidio, scan, case_id, expected):
    case = presidio("presidio_context_sentences.json")[case_id]
    assert case["entity_type"] == "US_DRIVER_LICENSE"
    found = scan(DETECTOR, Unit(case["text"].encode()))
    got = [(DETECTOR.mask(c.raw), c.confidence > PATTERNS["lettered"].score) for c in found]
    assert got == [(m, True) for m in expected]
