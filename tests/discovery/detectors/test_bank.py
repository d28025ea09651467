"""US_BANK_NUMBER: account numbers by context, ABA routing checksums, IBAN mod 97."""

from __future__ import annotations

import pytest

from wisp.discovery.detectors.bank import BankNumberDetector, aba_ok, iban_ok
from wisp.discovery.models import Layout, Unit

PROSE, TABLE, RECORDS = Layout.PROSE, Layout.TABLE, Layout.RECORDS
DETECTOR = BankNumberDetector()
PATTERNS = {p.name: p for p in BankNumberDetector.PATTERNS}

ACCOUNTS = [
    # Any 6 to 17 digits beside a banking word.
    pytest.param(PROSE, "Account 12345678", (), ["****5678"], id="account"),
    pytest.param(PROSE, "Acct #: 000123456789", (), ["********6789"], id="acct-hash"),
    pytest.param(PROSE, "checking: 4455667788", (), ["******7788"], id="checking"),
    pytest.param(PROSE, "Savings account no. 99887766", (), ["****7766"], id="savings"),
    pytest.param(PROSE, "Direct deposit to 123456 monthly", (), ["**3456"], id="deposit-6"),
    pytest.param(PROSE, "a/c 1234567", (), ["***4567"], id="a-c"),
    pytest.param(PROSE, "wire to 12345678901234567", (), ["*************4567"], id="wire-17"),
    pytest.param(PROSE, "12345678 (bank account)", (), ["****5678"], id="context-after"),
    pytest.param(
        PROSE,
        "Checking account 123456789, routing 021000021",
        (),
        ["*****6789", "*****0021"],
        id="account-and-routing",
    ),
    # Without a banking word, digits are just digits.
    pytest.param(PROSE, "12345678", (), [], id="alone"),
    pytest.param(PROSE, "Order 12345678 shipped", (), [], id="order"),
    pytest.param(PROSE, "Reference 000123456789", (), [], id="reference"),
    pytest.param(PROSE, "Employee 4455667788", (), [], id="employee"),
    # The wrong length or shape, even with a banking word.
    pytest.param(PROSE, "account 12345", (), [], id="five-digits"),
    pytest.param(PROSE, "account 123456789012345678", (), [], id="eighteen-digits"),
    pytest.param(PROSE, "account 111111", (), [], id="one-digit-repeated"),
    pytest.param(PROSE, "account 1234-5678", (), [], id="dashed"),
    pytest.param(PROSE, "account AB123456", (), [], id="after-letters"),
    # Tables: the column header is context for its cells.
    pytest.param(
        TABLE, "Zyxlo Qwertz\t12345678", ("Name", "Account Number"), ["****5678"], id="header"
    ),
    pytest.param(TABLE, "Zyxlo Qwertz\t12345678", ("Name", "Acct No"), ["****5678"], id="acct"),
    pytest.param(TABLE, "Zyxlo Qwertz\t12345678", ("Name", "Checking"), ["****5678"], id="chk"),
    pytest.param(
        TABLE,
        "Zyxlo Qwertz\t12345678",
        ("name", "account_number"),
        ["****5678"],
        id="header-account_number",
    ),
    pytest.param(TABLE, "Zyxlo Qwertz\t12345678", ("Name", "Employee ID"), [], id="header-id"),
    pytest.param(TABLE, "Zyxlo Qwertz\t12345678", ("Name", "Phone"), [], id="header-phone"),
    # Records: the field's key is the context.
    pytest.param(RECORDS, "name: Zyxlo Qwertz\taccount: 12345678", (), ["****5678"], id="rec"),
    pytest.param(
        RECORDS,
        "name: Zyxlo Qwertz\tacct_no: 12345678",
        (),
        ["****5678"],
        id="record-acct_no",
    ),
    pytest.param(RECORDS, "name: Zyxlo Qwertz\torder: 12345678", (), [], id="record-order"),
    # Near a banking word but not an account: a ticket number, an id in a URL, a word that
    # only contains a context word after a non-ASCII letter ("Kułach" is no "ACH").
    pytest.param(PROSE, "system account docs. Closes: #1006975", (), [], id="ticket-number"),
    pytest.param(PROSE, "account https://example.org/a/12345678", (), [], id="url-path-id"),
    pytest.param(PROSE, "Polish (Michał Kułach). Closes 690449", (), [], id="non-ascii-word"),
]


@pytest.mark.parametrize(("layout", "text", "columns", "expected"), ACCOUNTS)
def test_accounts(masked, layout, text, columns, expected):
    got = masked(DETECTOR, Unit(text.encode(), layout, columns=columns))
    assert got == expected


ABA = [
    pytest.param("011000015", True, id="fed-boston"),
    pytest.param("011000138", True, id="bank-of-america-ma"),
    pytest.param("021000021", True, id="jpmorgan-chase"),
    pytest.param("121000358", True, id="bank-of-america-ca"),
    pytest.param("211370545", True, id="prefix-21"),
    pytest.param("800000006", True, id="prefix-80-travelers-cheques"),
    pytest.param("011000016", False, id="checksum"),
    pytest.param("021000012", False, id="transposed"),
    pytest.param("130000006", False, id="prefix-13"),
    pytest.param("500000005", False, id="prefix-50"),
    pytest.param("421042111", False, id="prefix-42"),
    pytest.param("12345678", False, id="eight-digits"),
]


@pytest.mark.parametrize(("digits", "valid"), ABA)
def test_aba_checksum(digits, valid):
    got = aba_ok(digits)
    assert got is valid


@pytest.mark.parametrize(("digits", "valid"), ABA)
def test_validate_routing(digits, valid):
    got = DETECTOR.validate(digits, PATTERNS["routing"])
    assert got is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Routing number 021000021", ["*****0021"], id="routing"),
        pytest.param("ABA 011000015", ["*****0015"], id="aba"),
        pytest.param("RTN: 3222-7162-7", ["****-*162-7"], id="dashed"),
        pytest.param("021000021", [], id="no-context"),
        pytest.param("3222-7162-7", [], id="dashed-no-context"),
        # The dashed 4-4-1 form is only ever a routing number: a checksum failure is nothing.
        pytest.param("routing 1234-0000-0", [], id="dashed-checksum-failure"),
        pytest.param("routing 1300-0000-6", [], id="dashed-bad-prefix"),
    ],
)
def test_routing_in_text(masked, text, expected):
    got = masked(DETECTOR, Unit(text.encode()))
    assert got == expected


IBANS = [
    pytest.param("GB82 WEST 1234 5698 7654 32", id="gb-grouped"),
    pytest.param("GB82WEST12345698765432", id="gb-contiguous"),
    pytest.param("DE89 3704 0044 0532 0130 00", id="de"),
    pytest.param("FR14 2004 1010 0505 0001 3M02 606", id="fr-letter-inside"),
    pytest.param("NL91 ABNA 0417 1643 00", id="nl"),
    pytest.param("NO93 8601 1117 947", id="no-shortest"),
]


@pytest.mark.parametrize("iban", IBANS)
def test_iban_found_without_context(masked, iban):
    got = masked(DETECTOR, Unit(f"Pay to {iban} by Friday.".encode()))
    assert got == [DETECTOR.mask(iban)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("GB83 WEST 1234 5698 7654 32", id="check-digits"),
        pytest.param("GB82 WEST 1234 5698 7654 33", id="last-digit"),
        pytest.param("DE88370400440532013000", id="contiguous-check-digits"),
        pytest.param("GB82 WEST 1234", id="too-short"),
        pytest.param("XGB82WEST12345698765432", id="after-letter"),
    ],
)
def test_iban_rejected(masked, text):
    got = masked(DETECTOR, Unit(f"IBAN {text}".encode()))
    assert got == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("GB82WEST12345698765432", True, id="gb"),
        pytest.param("FR1420041010050500013M02606", True, id="fr"),
        pytest.param("BE68539007547034", True, id="be"),
        pytest.param("GB83WEST12345698765432", False, id="check-digits"),
        pytest.param("GB82WEST1234", False, id="too-short"),
        pytest.param("1282WEST12345698765432", False, id="no-country"),
        pytest.param("GBX2WEST12345698765432", False, id="letter-check-digit"),
    ],
)
def test_iban_mod97(value, valid):
    got = (iban_ok(value), DETECTOR.validate(value, PATTERNS["iban"]))
    assert got == (valid, valid)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("12345678", True, id="digits"),
        pytest.param("000123456789", True, id="leading-zeros"),
        pytest.param("11111111", False, id="one-digit-repeated"),
    ],
)
def test_validate_account(value, valid):
    got = DETECTOR.validate(value, PATTERNS["account"])
    assert got is valid


# Presidio's ABA cases run recognizer-only: Presidio reports a 9-digit number that passes the
# checksum with no context at all; we want a banking word too (one 9-digit number in ten passes
# the checksum). The checksum itself agrees on every case.
@pytest.mark.parametrize("case_id", [f"aba_routing-{n:02d}" for n in range(6)])
def test_presidio_aba_checksum(presidio, case_id):
    case = presidio("presidio_aba_routing.json")[case_id]
    digits = "".join(ch for ch in case["text"] if ch.isdigit())
    got = aba_ok(digits)
    assert got is (case["expected_count"] == 1)


@pytest.mark.parametrize(
    ("case_id", "prefix", "agrees"),
    [
        *(
            pytest.param(f"aba_routing-{n:02d}", "routing number ", True, id=f"{n:02d}-context")
            for n in (0, 1, 2, 3, 5)
        ),
        # 421042111 beside "routing" is left out: not a routing number (prefix 42), but a
        # 9-digit number beside a banking word is still a candidate account number.
        *(
            pytest.param(f"aba_routing-{n:02d}", "", n in (4, 5), id=f"{n:02d}-no-context")
            for n in range(6)
        ),
    ],
)
def test_presidio_aba_in_text(presidio, masked, case_id, prefix, agrees):
    case = presidio("presidio_aba_routing.json")[case_id]
    got = masked(DETECTOR, Unit((prefix + case["text"]).encode()))
    want = [DETECTOR.mask(m) for m in case["expected_matches"]]
    assert got == (want if agrees else [])


@pytest.mark.parametrize(
    ("case_id", "prefix", "expected"),
    [
        # Presidio's weak (0.05) no-context candidate; we need a banking word ...
        pytest.param("us_bank_number-00", "", [], id="00-no-context"),
        pytest.param("us_bank_number-00", "account ", ["********7654"], id="00-context"),
        pytest.param("us_bank_number-01", "", [], id="01-no-context"),
        # ... and take 6- and 7-digit account numbers (credit unions issue them), where
        # Presidio wants 8 to 17 digits.
        pytest.param("us_bank_number-01", "account ", ["***4567"], id="01-context-seven-digits"),
    ],
)
def test_presidio_bank_number(presidio, masked, case_id, prefix, expected):
    case = presidio("presidio_us_bank_number.json")[case_id]
    got = masked(DETECTOR, Unit((prefix + case["text"]).encode()))
    assert got == expected


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [
        pytest.param("ctx-20", ["*****5681"], id="ctx-20-routing"),
        pytest.param("ctx-21", ["*****3456"], id="ctx-21-bank-account"),
        pytest.param("ctx-22", ["*****3456"], id="ctx-22-banking-account"),
    ],
)
def test_presidio_context_sentences(presidio, scan, case_id, expected):
    case = presidio("presidio_context_sentences.json")[case_id]
    assert case["entity_type"] in ("US_BANK_NUMBER", "ABA_ROUTING_NUMBER")
    found = scan(DETECTOR, Unit(case["text"].encode()))
    got = [(DETECTOR.mask(c.raw), c.confidence > PATTERNS["account"].score) for c in found]
    assert got == [(m, True) for m in expected]
