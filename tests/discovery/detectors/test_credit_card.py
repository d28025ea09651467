"""CREDIT_CARD: ISO/IEC 7812 issuer ranges and lengths, the Luhn check, and how PANs are written."""

from __future__ import annotations

import pytest

from wisp.discovery.detectors.credit_card import CreditCardDetector, luhn_ok
from wisp.discovery.models import Layout, Unit

DETECTOR = CreditCardDetector()
PAN = CreditCardDetector.PATTERNS[0]
#: Digits of pi: varied filler, so that no number is rejected for repeating itself.
_FILL = "3141592653589793238462643383279502884197"


def check_digit(body: str) -> str:
    """The Luhn check digit that makes `body + digit` valid (written apart from `luhn_ok`)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: the check digit will stand to its right
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def luhn_number(prefix: str, length: int) -> str:
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    body = (prefix + _FILL)[: length - 1]
    return body + check_digit(body)


def broken(number: str) -> str:
    """`number` with its check digit off by one: fails Luhn."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def grouped(number: str, sep: str) -> str:
    """As printed on the card: 4-6-4 (Diners 14), 4-6-5 (Amex 15), else groups of four."""
    sizes = {14: (4, 6, 4), 15: (4, 6, 5)}.get(len(number))
    if sizes is None:
        sizes = tuple(min(4, len(number) - i) for i in range(0, len(number), 4))
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at : at + size])
        at += size
    return sep.join(parts)


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        pytest.param("401288888888188", "1", id="visa-test-number"),
        pytest.param("37144963539843", "1", id="amex-test-number"),
        pytest.param("555555555555444", "4", id="mastercard-test-number"),
    ],
)
def test_helper_check_digit_matches_published_numbers(body, digit):
    assert check_digit(body) == digit


ISSUERS = [
    pytest.param("4", 13, id="visa-13"),
    pytest.param("4", 16, id="visa-16"),
    pytest.param("4", 19, id="visa-19"),
    pytest.param("51", 16, id="mastercard-51"),
    pytest.param("55", 16, id="mastercard-55"),
    pytest.param("2221", 16, id="mastercard-2221"),
    pytest.param("2720", 16, id="mastercard-2720"),
    pytest.param("34", 15, id="amex-34"),
    pytest.param("37", 15, id="amex-37"),
    pytest.param("6011", 16, id="discover-6011"),
    pytest.param("6011", 19, id="discover-6011-19"),
    pytest.param("644", 16, id="discover-644"),
    pytest.param("649", 16, id="discover-649"),
    pytest.param("65", 16, id="discover-65"),
    pytest.param("3528", 16, id="jcb-3528"),
    pytest.param("3589", 16, id="jcb-3589"),
    pytest.param("300", 14, id="diners-300"),
    pytest.param("305", 14, id="diners-305"),
    pytest.param("36", 14, id="diners-36"),
    pytest.param("38", 16, id="diners-38"),
    pytest.param("39", 16, id="diners-39"),
    pytest.param("62", 16, id="unionpay-62"),
    pytest.param("62", 19, id="unionpay-62-19"),
]
FORMATS = [
    pytest.param("", id="contiguous"),
    pytest.param(" ", id="spaced"),
    pytest.param("-", id="dashed"),
]


@pytest.mark.parametrize("sep", FORMATS)
@pytest.mark.parametrize(("prefix", "length"), ISSUERS)
def test_issuer_ranges_found(masked, prefix, length, sep):
    number = grouped(luhn_number(prefix, length), sep)
    got = masked(DETECTOR, Unit(f"Paid with {number} today.".encode()))
    assert got == [DETECTOR.mask(number)]


@pytest.mark.parametrize("sep", FORMATS)
@pytest.mark.parametrize(("prefix", "length"), ISSUERS)
def test_luhn_failures_rejected(masked, prefix, length, sep):
    number = grouped(broken(luhn_number(prefix, length)), sep)
    got = masked(DETECTOR, Unit(f"Card number: {number}".encode()))
    assert got == []


@pytest.mark.parametrize(("prefix", "length"), ISSUERS)
def test_validate_issuer_ranges(prefix, length):
    number = luhn_number(prefix, length)
    got = (DETECTOR.validate(number, PAN), DETECTOR.validate(broken(number), PAN))
    assert got == (True, False)


# Luhn-valid numbers outside the ranges, or of a length the network does not issue.
NOT_ISSUED = [
    pytest.param("0", 16, id="prefix-0"),
    pytest.param("1", 15, id="prefix-1-uatp"),
    pytest.param("1", 16, id="prefix-1"),
    pytest.param("7", 16, id="prefix-7"),
    pytest.param("8", 16, id="prefix-8"),
    pytest.param("9", 16, id="prefix-9"),
    pytest.param("50", 16, id="prefix-50-maestro-dankort"),
    pytest.param("56", 16, id="prefix-56"),
    pytest.param("2220", 16, id="prefix-2220"),
    pytest.param("2721", 16, id="prefix-2721"),
    pytest.param("33", 15, id="prefix-33"),
    pytest.param("3500", 16, id="prefix-3500"),
    pytest.param("3527", 16, id="prefix-3527"),
    pytest.param("3590", 16, id="prefix-3590"),
    pytest.param("306", 14, id="prefix-306"),
    pytest.param("6010", 16, id="prefix-6010"),
    pytest.param("643", 16, id="prefix-643"),
    pytest.param("66", 16, id="prefix-66"),
    pytest.param("6759", 16, id="prefix-6759-maestro-uk"),
    pytest.param("4", 14, id="visa-14"),
    pytest.param("4", 15, id="visa-15"),
    pytest.param("4", 17, id="visa-17"),
    pytest.param("34", 16, id="amex-16"),
    pytest.param("37", 14, id="amex-14"),
    pytest.param("51", 15, id="mastercard-15"),
    pytest.param("55", 19, id="mastercard-19"),
    pytest.param("2221", 15, id="mastercard-2221-15"),
    pytest.param("6011", 15, id="discover-15"),
    pytest.param("3528", 15, id="jcb-15"),
    pytest.param("38", 14, id="diners-38-14"),
    pytest.param("62", 15, id="unionpay-15"),
]


@pytest.mark.parametrize(("prefix", "length"), NOT_ISSUED)
def test_not_issued_rejected(masked, prefix, length):
    number = luhn_number(prefix, length)
    valid = luhn_ok(number)
    assert valid, "the helper made a number that fails Luhn"
    got = masked(DETECTOR, Unit(f"credit card {number} / {grouped(number, ' ')}".encode()))
    assert got == []


VISA = luhn_number("4", 16)  # 4314 1592 6535 8971 or so: a valid Visa to place in text
VISA_MASK = DETECTOR.mask(VISA)
SPACED = grouped(VISA, " ")
DASHED = grouped(VISA, "-")

TEXT_CASES = [
    # Something after the number that is not more of it.
    pytest.param(f"card {VISA} 12/25", [VISA_MASK], id="contiguous-then-expiry"),
    pytest.param(f"card {DASHED} 12/25 cvv 123", [DETECTOR.mask(DASHED)], id="dashed-then-expiry"),
    pytest.param(f"cards {VISA} {VISA}", [VISA_MASK, VISA_MASK], id="two-contiguous"),
    pytest.param(
        f"{VISA} {DASHED} {SPACED}",
        [VISA_MASK, DETECTOR.mask(DASHED), DETECTOR.mask(SPACED)],
        id="three-forms-in-a-row",
    ),
    pytest.param(f"({SPACED}).", [DETECTOR.mask(SPACED)], id="in-parentheses"),
    pytest.param(
        f"card {SPACED} 12/25",
        [DETECTOR.mask(SPACED)],
        id="spaced-then-expiry",
    ),
    # Part of something longer: not a card.
    pytest.param(f"{SPACED} 2345", [], id="spaced-with-extra-group"),
    pytest.param(f"{DASHED}-2345", [], id="dashed-with-extra-group"),
    pytest.param(f"{VISA}0000", [], id="twenty-digit-run"),
    pytest.param(f"x{VISA}", [], id="after-letter"),
    pytest.param(f"{VISA}x", [], id="before-letter"),
    pytest.param(f"ID-{VISA}", [], id="after-dash"),
    pytest.param(f"see https://tracker.example/case/{VISA}", [], id="id-in-url-path"),
    pytest.param(f"{VISA}-7", [], id="before-dash"),
    pytest.param(f"{VISA[:4]} {VISA[4:8]}-{VISA[8:12]} {VISA[12:]}", [], id="mixed-separators"),
    # Sixteen digits that fail Luhn: an order or invoice number.
    pytest.param(f"Order {broken(VISA)}", [], id="order-number"),
    pytest.param(f"Order {broken(luhn_number('5', 16))}", [], id="order-number-5"),
    pytest.param("Order 2024011500000123", [], id="order-date-serial"),
    # Placeholders: a Luhn-valid number of at most two different digits.
    pytest.param(f"card {luhn_number('4' * 15, 16)}", [], id="repeated-digit"),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES)
def test_text(masked, text, expected):
    got = masked(DETECTOR, Unit(text.encode()))
    assert got == expected


LAYOUT_CASES = [
    pytest.param(
        Layout.TABLE,
        f"Zyxlo Qwertz\t{SPACED}\t12/25",
        ("name", "card_number", "exp"),
        [DETECTOR.mask(SPACED)],
        id="table-card-column",
    ),
    pytest.param(
        Layout.TABLE,
        f"Zyxlo Qwertz\t{VISA}",
        ("name", "reference"),
        [VISA_MASK],
        id="table-no-context-needed",
    ),
    pytest.param(
        Layout.TABLE,
        f"Zyxlo Qwertz\t{broken(VISA)}",
        ("name", "card_number"),
        [],
        id="table-luhn-failure",
    ),
    pytest.param(Layout.TABLE, f"{VISA},Zyxlo", (), [VISA_MASK], id="table-headerless"),
    pytest.param(
        Layout.RECORDS,
        f"name: Zyxlo Qwertz\tcard: {DASHED}\texp: 12/25",
        (),
        [DETECTOR.mask(DASHED)],
        id="record",
    ),
    pytest.param(Layout.RECORDS, f"order: {broken(VISA)}", (), [], id="record-order"),
]


@pytest.mark.parametrize(("layout", "text", "columns", "expected"), LAYOUT_CASES)
def test_layouts(masked, layout, text, columns, expected):
    got = masked(DETECTOR, Unit(text.encode(), layout, columns=columns))
    assert got == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("4012888888881881", "************1881", id="contiguous"),
        pytest.param("4012 8888 8888 1881", "**** **** **** 1881", id="spaced"),
        pytest.param("3714-496353-98431", "****-******-*8431", id="amex-dashed"),
    ],
)
def test_mask_keeps_last_four(raw, expected):
    assert DETECTOR.mask(raw) == expected


# Presidio's cases (recognizer-only; a card needs no context in either tool). Presidio checks
# Luhn over any 12-19 digits; we also require an issuer range and length, and at least three
# different digits. Each row: the case, and whether we report exactly Presidio's matches.
PRESIDIO_CREDIT_CARD = [
    pytest.param("credit_card-00", True, id="credit_card-00-three-forms"),
    pytest.param("credit_card-01", True, id="credit_card-01-luhn-failure"),
    # 122000000000003: Luhn-valid, but prefix 1 is the airlines' UATP, not a 17.02 credit or
    # debit card network.
    pytest.param("credit_card-02", False, id="credit_card-02-uatp-prefix"),
    pytest.param("credit_card-03", False, id="credit_card-03-uatp-prefix-context"),
    pytest.param("credit_card-04", True, id="credit_card-04-amex"),
    # 5555555555554444 and 4111111111111111 are the networks' published test numbers; with at
    # most two different digits we take them for placeholders, not issued cards.
    pytest.param("credit_card-05", False, id="credit_card-05-two-digit-test-number"),
    # 5019...: Dankort, Denmark's domestic debit card (prefix 50), outside the ranges we know.
    pytest.param("credit_card-06", False, id="credit_card-06-dankort"),
    pytest.param("credit_card-07", True, id="credit_card-07-diners-14"),
    pytest.param("credit_card-08", True, id="credit_card-08-discover"),
    pytest.param("credit_card-09", True, id="credit_card-09-jcb"),
    # 6759...: Maestro UK, outside the ranges we know.
    pytest.param("credit_card-10", False, id="credit_card-10-maestro-uk"),
    pytest.param("credit_card-11", False, id="credit_card-11-two-digit-test-number"),
    pytest.param("credit_card-12", False, id="credit_card-12-two-digit-test-number"),
    pytest.param("credit_card-13", True, id="credit_card-13-visa"),
    pytest.param("credit_card-14", True, id="credit_card-14-visa"),
    pytest.param("credit_card-15", True, id="credit_card-15-luhn-failure"),
    pytest.param("credit_card-16", True, id="credit_card-16-luhn-failure-context"),
    pytest.param("credit_card-17", True, id="credit_card-17-luhn-failure"),
    pytest.param("credit_card-18", True, id="credit_card-18-luhn-failure-context"),
]


@pytest.mark.parametrize(("case_id", "agrees"), PRESIDIO_CREDIT_CARD)
def test_presidio_credit_card(presidio, scan, case_id, agrees):
    case = presidio("presidio_credit_card.json")[case_id]
    found = scan(DETECTOR, Unit(case["text"].encode()))
    got = [(c.start, c.end, DETECTOR.mask(c.raw)) for c in found]
    spans, matches = case["expected_spans"], case["expected_matches"]
    want = [
        (start, end, DETECTOR.mask(match))
        for (start, end), match in zip(spans, matches, strict=True)
    ]
    assert want or agrees, "a case where neither tool finds anything must be marked agreeing"
    assert got == (want if agrees else [])


def test_presidio_credit_card_cases_all_compared(presidio):
    compared = {p.values[0] for p in PRESIDIO_CREDIT_CARD}
    assert compared == set(presidio("presidio_credit_card.json"))
