"""The 17.02 rule: an element with its owner's name in the same record, or nearby in prose."""

from __future__ import annotations

import pytest

from wisp.discovery.analyzer import Analyzer
from wisp.discovery.detectors.bank import BankNumberDetector
from wisp.discovery.detectors.credit_card import CreditCardDetector
from wisp.discovery.detectors.driver_license import DriverLicenseDetector
from wisp.discovery.detectors.person import PersonDetector
from wisp.discovery.detectors.ssn import SsnDetector
from wisp.discovery.engine import Matcher
from wisp.discovery.fingerprint import Fingerprinter
from wisp.discovery.models import ELEMENT_TYPES, FileResult, Layout, Unit

TABLE, RECORDS = Layout.TABLE, Layout.RECORDS
MATCHER = Matcher(
    [SsnDetector(), CreditCardDetector(), DriverLicenseDetector(), BankNumberDetector()]
)
FINGERPRINT = Fingerprinter(bytes(range(32)))
NONE = dict.fromkeys(ELEMENT_TYPES, 0)


def analyze(
    *units: Unit,
    encrypted: bool = False,
    ignore: frozenset[str] = frozenset(),
    max_findings: int = 100,
) -> FileResult:
    result = FileResult(path="sample", format="test", bytes=0, encrypted=encrypted)
    names = [PersonDetector()]
    analyzer = Analyzer(MATCHER, names, FINGERPRINT, ignore=ignore, max_findings=max_findings)
    analyzer.analyze(result, units)
    return result


def summary(result: FileResult) -> tuple[dict[str, int], int, bool]:
    """Element counts, linked pairs and the verdict: all a failing test prints."""
    return ({k: v for k, v in result.elements.items() if v}, result.pi_records, result.contains_pi)


FILLER = "The quarterly report covers many topics of interest to the board. " * 5

LINKING = [
    # Tables: name and element in the same row.
    pytest.param(
        Unit(b"Zyxlo\tQwertz\t345-67-8901\n", TABLE, columns=("first", "last", "ssn")),
        ({"US_SSN": 1}, 1, True),
        id="table-first-last",
    ),
    pytest.param(
        Unit(b"Zyxlo Qwertz\t4012 8888 8888 1881\n", TABLE, columns=("Cardholder Name", "Card")),
        ({"CREDIT_CARD": 1}, 1, True),
        id="table-full-name",
    ),
    pytest.param(
        Unit(b"John,Smith,345678901\n", TABLE, delimiter=b","),
        ({}, 0, False),
        id="headerless-bare-number-is-no-ssn",
    ),
    pytest.param(
        Unit(b"John,Smith,345-67-8901\nMary,Jones,456-78-9012\n", TABLE, delimiter=b","),
        ({"US_SSN": 2}, 2, True),
        id="headerless-rows",
    ),
    pytest.param(
        Unit(
            b"Zyxlo Qwertz\tS12345678\n\tS23456789\n",
            TABLE,
            columns=("Name", "License Number"),
        ),
        ({"US_DRIVER_LICENSE": 2}, 1, True),
        id="table-one-row-without-name",
    ),
    pytest.param(
        Unit(b"Zyxlo Qwertz\t\n\t345-67-8901\n", TABLE, columns=("Name", "SSN")),
        ({"US_SSN": 1}, 0, False),
        id="table-name-in-other-row",
    ),
    pytest.param(
        Unit(b"Zyxlo\t345-67-8901\n", TABLE, columns=("Name", "SSN")),
        ({"US_SSN": 1}, 0, False),
        id="table-one-word-name",
    ),
    pytest.param(
        Unit(
            b"Zyxlo Supply\t12345678\t021000021\n",
            TABLE,
            columns=("VendorName", "Account", "Routing"),
        ),
        ({"US_BANK_NUMBER": 2}, 0, False),
        id="table-vendor-accounts",
    ),
    pytest.param(
        Unit(b"\tQwertz\tM\t345-67-8901\n", TABLE, columns=("first", "last", "sex", "ssn")),
        ({"US_SSN": 1}, 0, False),
        id="table-last-name-only",
    ),
    # Records (JSON objects, XML elements): name and element in the same record.
    pytest.param(
        Unit(b"name: Zyxlo Qwertz\tssn: 345-67-8901\n", RECORDS),
        ({"US_SSN": 1}, 1, True),
        id="record",
    ),
    pytest.param(
        Unit(b"first_name: Zyxlo\tlast_name: Qwertz\taccount: 12345678\n", RECORDS),
        ({"US_BANK_NUMBER": 1}, 1, True),
        id="record-split-name",
    ),
    pytest.param(
        Unit(b"name: Zyxlo Qwertz\nssn: 345-67-8901\n", RECORDS),
        ({"US_SSN": 1}, 0, False),
        id="record-name-in-other-record",
    ),
    # Prose: near each other (a few hundred characters), paragraphs or not.
    pytest.param(
        Unit(b"Employee John Smith, SSN 345-67-8901, starts Monday.\n"),
        ({"US_SSN": 1}, 1, True),
        id="prose-same-sentence",
    ),
    pytest.param(
        Unit(b"Dear Zyxlo Qwertz,\nyour card 4012 8888 8888 1881 was charged.\n"),
        ({"CREDIT_CARD": 1}, 1, True),
        id="prose-next-line",
    ),
    pytest.param(
        Unit(b"Dear Mr. Smith, your SSN 345-67-8901 is on file.\n"),
        ({"US_SSN": 1}, 0, False),
        id="prose-last-name-only",
    ),
    pytest.param(
        Unit(f"John Smith joined.\n\n{FILLER}\n\nSSN 345-67-8901 was found.\n".encode()),
        ({"US_SSN": 1}, 0, False),
        id="prose-far-other-paragraph",
    ),
    # A greeting, address block or signature names whom the next lines are about.
    pytest.param(
        Unit(b"Dear John Smith,\n\nYour SSN 345-67-8901 is on file.\n"),
        ({"US_SSN": 1}, 1, True),
        id="prose-near-other-paragraph",
    ),
    pytest.param(
        Unit(b"Dear John Smith,\r\n\r\nYour SSN 345-67-8901 is on file.\r\n"),
        ({"US_SSN": 1}, 1, True),
        id="prose-near-other-paragraph-crlf",
    ),
    pytest.param(
        Unit(f"John Smith joined. {FILLER} SSN 345-67-8901 was found.\n".encode()),
        ({"US_SSN": 1}, 0, False),
        id="prose-far-same-paragraph",
    ),
]


@pytest.mark.parametrize(("unit", "expected"), LINKING)
def test_linking(unit, expected):
    assert summary(analyze(unit)) == expected


def test_element_list_without_names_is_not_pi():
    rows = b"".join(f"{n}\t345-67-{8900 + n}\n".encode() for n in range(1, 6))
    result = analyze(Unit(rows, TABLE, columns=("id", "ssn")))
    assert summary(result) == ({"US_SSN": 5}, 0, False)
    assert len(result.findings) == 5


def test_names_without_elements_are_nothing():
    result = analyze(
        Unit(b"Zyxlo\tQwertz\tBoston\n", TABLE, columns=("first", "last", "city")),
        Unit(b"Dear John Smith, thank you for your order.\n"),
        Unit(b"name: Zyxlo Qwertz\tcity: Boston\n", RECORDS),
    )
    assert (result.elements, result.pi_records, result.contains_pi, result.findings) == (
        NONE,
        0,
        False,
        [],
    )


def test_every_element_of_a_row_pairs_with_its_name():
    # pi_records counts name-element pairs: a row with two elements counts twice.
    unit = Unit(
        b"Zyxlo Qwertz\t345-67-8901\t4012 8888 8888 1881\n",
        TABLE,
        columns=("Name", "SSN", "Card"),
    )
    assert summary(analyze(unit)) == ({"US_SSN": 1, "CREDIT_CARD": 1}, 2, True)


def test_units_accumulate():
    result = analyze(
        Unit(b"Zyxlo\tQwertz\t345-67-8901\n", TABLE, columns=("first", "last", "ssn")),
        Unit(b"ssn: 456-78-9012\n", RECORDS),
    )
    assert summary(result) == ({"US_SSN": 2}, 1, True)


def test_encrypted_file_is_not_reported_as_pi():
    unit = Unit(b"Zyxlo\tQwertz\t345-67-8901\n", TABLE, columns=("first", "last", "ssn"))
    result = analyze(unit, encrypted=True)
    assert (result.pi_records, result.contains_pi) == (1, False)


SAMPLE = Unit(
    b"Zyxlo Qwertz\t345 67 8901\t4012-8888-8888-1881\tS12345678\t000123456789\n",
    TABLE,
    columns=("Name", "SSN", "Card", "Driver License", "Account"),
    where={"sheet": "Payroll"},
    first_line=2,
    line_key="row",
)
#: (type, normalized value, column) of each element in SAMPLE.
SAMPLE_ELEMENTS = [
    ("US_SSN", "345678901", "SSN"),
    ("CREDIT_CARD", "4012888888881881", "Card"),
    ("US_DRIVER_LICENSE", "S12345678", "Driver License"),
    ("US_BANK_NUMBER", "000123456789", "Account"),
]


@pytest.mark.parametrize(
    ("index", "masked"),
    [
        pytest.param(0, "***-**-8901", id="ssn"),
        pytest.param(1, "****-****-****-1881", id="card"),
        pytest.param(2, "******678", id="license"),
        pytest.param(3, "********6789", id="account"),
    ],
)
def test_findings_are_masked(index, masked):
    finding = analyze(SAMPLE).findings[index]
    entity, value, column = SAMPLE_ELEMENTS[index]
    digits = sum(ch.isdigit() for ch in finding.masked)
    assert (finding.type, finding.masked, digits <= 4, value in finding.masked) == (
        entity,
        masked,
        True,
        False,
    )
    assert finding.fingerprint == FINGERPRINT(entity, value)
    assert dict(finding.location) == {"sheet": "Payroll", "row": 2, "column": column}


@pytest.mark.parametrize(
    ("plain", "near"),
    [
        pytest.param(
            b"Zyxlo Qwertz, ref 345-67-8901\n", b"Zyxlo Qwertz, SSN 345-67-8901\n", id="ssn"
        ),
        pytest.param(
            b"Zyxlo Qwertz paid 4012888888881881\n",
            b"Zyxlo Qwertz paid by card 4012888888881881\n",
            id="card",
        ),
        pytest.param(
            b"Zyxlo Qwertz: GB82 WEST 1234 5698 7654 32\n",
            b"Zyxlo Qwertz, IBAN GB82 WEST 1234 5698 7654 32\n",
            id="iban",
        ),
    ],
)
def test_context_word_raises_finding_confidence(plain, near):
    (without,) = analyze(Unit(plain)).findings
    (with_context,) = analyze(Unit(near)).findings
    assert with_context.confidence > without.confidence


def test_fingerprint_ignores_how_a_number_is_written():
    spaced = analyze(Unit(b"SSN 345 67 8901\n")).findings
    dashed = analyze(Unit(b"SSN 345-67-8901\n")).findings
    assert [f.fingerprint for f in spaced] == [f.fingerprint for f in dashed]
    assert len(spaced) == 1


def test_findings_capped_counts_complete():
    rows = b"".join(f"Zyxlo Qwertz\t345-67-{8900 + n}\n".encode() for n in range(1, 13))
    result = analyze(Unit(rows, TABLE, columns=("Name", "SSN")), max_findings=5)
    assert summary(result) == ({"US_SSN": 12}, 12, True)
    assert [f.location["line"] for f in result.findings] == [1, 2, 3, 4, 5]


def test_findings_cap_spans_units():
    unit = Unit(b"name: Zyxlo Qwertz\tssn: 345-67-8901\n", RECORDS)
    result = analyze(unit, unit, unit, max_findings=2)
    assert (result.elements["US_SSN"], result.pi_records, len(result.findings)) == (3, 3, 2)


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param(
            Unit(
                b"Zyxlo Qwertz\t345-67-8901\nAnn Lee\t456-78-9012\nBo Li\t567-89-0123\n",
                TABLE,
                columns=("Name", "SSN"),
            ),
            id="table",
        ),
        pytest.param(
            Unit(
                b"name: Zyxlo Qwertz\tssn: 345-67-8901\nname: Ann Lee\tssn: 456-78-9012\n"
                b"name: Bo Li\tssn: 567-89-0123\n",
                RECORDS,
            ),
            id="records",
        ),
        pytest.param(
            Unit(b"John Smith: 345-67-8901.\nMary Jones: 456-78-9012.\nAnn Lee: 567-89-0123.\n"),
            id="prose",
        ),
    ],
)
def test_ignore_list_drops_a_value(unit):
    ignored = FINGERPRINT("US_SSN", "456789012")
    result = analyze(unit, ignore=frozenset({ignored}))
    assert summary(result) == ({"US_SSN": 2}, 2, True)
    assert [f.masked for f in result.findings] == ["***-**-8901", "***-**-0123"]
    assert ignored not in {f.fingerprint for f in result.findings}


def test_ignore_list_of_every_value_leaves_nothing():
    unit = Unit(b"name: Zyxlo Qwertz\tssn: 345-67-8901\n", RECORDS)
    result = analyze(unit, ignore=frozenset({FINGERPRINT("US_SSN", "345678901")}))
    assert summary(result) == ({}, 0, False)
    assert result.findings == []


@pytest.mark.parametrize(
    ("unit", "lines"),
    [
        pytest.param(
            Unit(b"a\nb\nSSN 345-67-8901\nc\n456-78-9012\n", first_line=10), [12, 14], id="prose"
        ),
        pytest.param(
            Unit(b"x\t1\nZyxlo\t345-67-8901\n", TABLE, columns=("Name", "SSN"), first_line=2),
            [3],
            id="table",
        ),
    ],
)
def test_finding_line_numbers(unit, lines):
    result = analyze(unit)
    assert [f.location[unit.line_key] for f in result.findings] == lines
