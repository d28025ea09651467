"""The matcher: overlaps, where context comes from, context-gated patterns, and the two engines."""

from __future__ import annotations

import random

import pytest

from wisp.discovery.detectors.bank import BankNumberDetector
from wisp.discovery.detectors.base import Detector, Pattern
from wisp.discovery.detectors.credit_card import CreditCardDetector
from wisp.discovery.detectors.driver_license import DriverLicenseDetector
from wisp.discovery.detectors.ssn import SsnDetector
from wisp.discovery.engine import Candidate, Matcher
from wisp.discovery.models import Layout, Unit

PROSE, TABLE, RECORDS = Layout.PROSE, Layout.TABLE, Layout.RECORDS
ELEMENTS = (SsnDetector(), CreditCardDetector(), DriverLicenseDetector(), BankNumberDetector())
ENGINES = [pytest.param(True, id="hyperscan"), pytest.param(False, id="re")]


def _shown(candidates: list[Candidate]) -> list[tuple[str, str]]:
    """Entity and masked text of each candidate: what a failing test may print."""
    return [(c.detector.ENTITY, c.detector.mask(c.raw)) for c in candidates]


_MATCHERS: dict[tuple[tuple[type[Detector], ...], bool], Matcher] = {}


def _matcher(detectors: tuple[Detector, ...], use_hyperscan: bool) -> Matcher:
    """One matcher per detector set and engine: compiling a Hyperscan database takes a while."""
    key = (tuple(type(d) for d in detectors), use_hyperscan)
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher(detectors, use_hyperscan=use_hyperscan)
    built = _MATCHERS[key]
    if use_hyperscan and built.engine != "hyperscan":
        pytest.skip("Hyperscan is not available on this machine")
    return built


@pytest.fixture(params=ENGINES)
def matcher(request: pytest.FixtureRequest) -> Matcher:
    """The four element detectors, on each engine."""
    return _matcher(ELEMENTS, request.param)


# --- overlaps ---------------------------------------------------------------------------------


class _Pair(Detector):
    """Two groups of four digits: overlaps `_Group` on both halves."""

    ENTITY = "TEST_PAIR"
    PATTERNS = (Pattern("pair", r"(?<!\d)\d{4}-\d{4}(?!\d)", r"\d{4}-\d{4}", 9, 0.6),)


class _Group(Detector):
    ENTITY = "TEST_GROUP"
    PATTERNS = (Pattern("group", r"(?<![\d-])\d{4}(?![\d])", r"\d{4}", 4, 0.8),)


class _SurePair(_Pair):
    ENTITY = "TEST_SURE_PAIR"
    PATTERNS = (Pattern("pair", r"(?<!\d)\d{4}-\d{4}(?!\d)", r"\d{4}-\d{4}", 9, 0.95),)


@pytest.mark.parametrize("use_hyperscan", ENGINES)
@pytest.mark.parametrize(
    ("detectors", "text", "expected"),
    [
        # The more confident candidate wins a span; one that starts after it ends is kept.
        pytest.param(
            (_Pair(), _Group()),
            "ref 1234-5678 end",
            [("TEST_GROUP", 4, 8)],
            id="confident-short-beats-long",
        ),
        pytest.param(
            (_SurePair(), _Group()),
            "ref 1234-5678 end",
            [("TEST_SURE_PAIR", 4, 13)],
            id="confident-long-beats-both-halves",
        ),
        pytest.param(
            (_Group(), _SurePair()),
            "ref 1234-5678 end",
            [("TEST_SURE_PAIR", 4, 13)],
            id="detector-order-does-not-matter",
        ),
        pytest.param(
            (_Pair(), _Group()),
            "1234 5678 1111-2222",
            [("TEST_GROUP", 0, 4), ("TEST_GROUP", 5, 9), ("TEST_GROUP", 10, 14)],
            id="text-order",
        ),
    ],
)
def test_overlaps_resolved(use_hyperscan, detectors, text, expected):
    found = _matcher(detectors, use_hyperscan).candidates(Unit(text.encode()))
    assert [(c.detector.ENTITY, c.start, c.end) for c in found] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A card number beside "account" matches the account pattern too; the card wins.
        pytest.param(
            "account 4012888888881881", [("CREDIT_CARD", "************1881")], id="card-account"
        ),
        # A Luhn failure is no card, so the account pattern has it alone.
        pytest.param(
            "account 4012888888881882", [("US_BANK_NUMBER", "************1882")], id="account"
        ),
    ],
)
def test_overlapping_real_detectors(matcher, text, expected):
    got = _shown(matcher.candidates(Unit(text.encode())))
    assert got == expected


# --- where context comes from -----------------------------------------------------------------

SSN = SsnDetector()
BARE = "345678901"  # a bare nine-digit SSN: reported only with context
FOUND = ["***-**-8901"]


@pytest.mark.parametrize("use_hyperscan", ENGINES)
@pytest.mark.parametrize(
    ("layout", "text", "columns", "expected"),
    [
        # Tables: the column's header, or the cell itself before the value.
        pytest.param(TABLE, f"Zyxlo\t{BARE}", ("name", "SSN"), FOUND, id="header"),
        pytest.param(TABLE, f"Zyxlo\t{BARE}", ("name", "notes"), [], id="other-header"),
        pytest.param(TABLE, f"{BARE}\tZyxlo", ("ssn", "notes"), FOUND, id="header-first-column"),
        pytest.param(TABLE, f"Zyxlo\t{BARE}", ("ssn", "notes"), [], id="header-of-other-column"),
        pytest.param(TABLE, f"Zyxlo\tSSN {BARE}", ("name", "notes"), FOUND, id="same-cell"),
        pytest.param(TABLE, f"Zyxlo\t{BARE}\nSSN\tx", ("name", "notes"), [], id="next-row"),
        pytest.param(
            TABLE,
            f"SSN\t{BARE}",
            ("field", "value"),
            FOUND,
            id="label-in-cell-before",
        ),
        # A table without a header: the line before the value, as in prose.
        pytest.param(TABLE, f"Zyxlo\tSSN\t{BARE}", (), FOUND, id="headerless-cell-before"),
        pytest.param(TABLE, f"SSN\tx\n{BARE}", (), [], id="headerless-line-before"),
        # Records: the field's key, and only that field's.
        pytest.param(RECORDS, f"name: Zyxlo\tssn: {BARE}", (), FOUND, id="record-key"),
        pytest.param(RECORDS, f"ssn: x\tref: {BARE}", (), [], id="record-other-key"),
        pytest.param(RECORDS, f"note: SSN {BARE}", (), FOUND, id="record-value"),
        pytest.param(RECORDS, f"ssn: x\nref: {BARE}", (), [], id="record-line-before"),
        # Prose: a few words either side.
        pytest.param(PROSE, f"SSN {BARE}", (), FOUND, id="prose-before"),
        pytest.param(PROSE, f"{BARE} is the SSN", (), FOUND, id="prose-after"),
        pytest.param(PROSE, f"SSN on file.{' ' * 10}\n{BARE}", (), FOUND, id="prose-line-before"),
        pytest.param(PROSE, "SSN " + "filler " * 15 + BARE, (), [], id="prose-far-before"),
        pytest.param(PROSE, BARE + " filler" * 8 + " SSN", (), [], id="prose-far-after"),
    ],
)
def test_context_sources(use_hyperscan, layout, text, columns, expected):
    found = _matcher((SSN,), use_hyperscan).candidates(Unit(text.encode(), layout, columns=columns))
    assert [c.detector.mask(c.raw) for c in found] == expected


# --- patterns that need context ---------------------------------------------------------------

NO_CONTEXT_SAMPLE = (
    "Ref 345-67-8901, 345 67 8901, 345.67.8901 and 345678901.\n"
    "Order S12345678 / SA1234567 / A1234567 / 012345678.\n"
    "Invoice 12345678 and 000123456789, transfer 021000021 and 3222-7162-7.\n"
    "Paid 4012 8888 8888 1881 to GB82 WEST 1234 5698 7654 32.\n"
)


def test_patterns_needing_context_not_reported_without_it(matcher):
    got = _shown(matcher.candidates(Unit(NO_CONTEXT_SAMPLE.encode())))
    # Only the patterns that stand on their own: dashed SSN, card, IBAN.
    assert got == [
        ("US_SSN", "***-**-8901"),
        ("CREDIT_CARD", "**** **** **** 1881"),
        ("US_BANK_NUMBER", "**** **** **** **** **54 32"),
    ]


@pytest.mark.parametrize(
    ("context", "entity"),
    [
        pytest.param("SSN", "US_SSN", id="ssn"),
        pytest.param("driver's license", "US_DRIVER_LICENSE", id="license"),
        pytest.param("account", "US_BANK_NUMBER", id="account"),
    ],
)
def test_one_detectors_context_does_not_enable_another(matcher, context, entity):
    found = matcher.candidates(Unit(f"{context}: {BARE}".encode()))
    assert [c.detector.ENTITY for c in found] == [entity]


# --- the two engines --------------------------------------------------------------------------

MIXED = [
    Unit(
        b"Order 4012888888881882 failed. Call 617-555-1234.\n"
        b"Dear Zyxlo Qwertz, your SSN 345 67 8901 and card 4012-8888-8888-1881 are on file.\n"
        b"Driver's license S12345678; checking account 000123456789, routing 021000021.\n"
        b"IBAN DE89 3704 0044 0532 0130 00\n"
    ),
    Unit(
        b"Zyxlo\tQwertz\t345678901\t371449635398431\tSA1234567\t12345678\n"
        b"Ann\tLee\t456-78-9012\t3056 930902 5904\tS1234\t1234-5678\n",
        TABLE,
        columns=("first", "last", "ssn", "card", "license", "account"),
    ),
    Unit(
        b"name: Zyxlo Qwertz\tssn: 345.67.8901\tacct: 99887766\tdl: 123456789\n"
        b"name: Ann Lee\tref: 456789012\tcard: 6011 0004 0000 0000\n",
        RECORDS,
    ),
]
MIXED_EXPECTED = [
    [
        ("US_SSN", "***-**-8901"),
        ("CREDIT_CARD", "****-****-****-1881"),
        ("US_DRIVER_LICENSE", "******678"),
        ("US_BANK_NUMBER", "********6789"),
        ("US_BANK_NUMBER", "*****0021"),
        ("US_BANK_NUMBER", "**** **** **** **** **30 00"),
    ],
    [
        ("US_SSN", "***-**-8901"),
        ("CREDIT_CARD", "***********8431"),
        ("US_DRIVER_LICENSE", "******567"),
        ("US_BANK_NUMBER", "****5678"),
        ("US_SSN", "***-**-9012"),
        ("CREDIT_CARD", "**** ****** 5904"),
    ],
    [
        ("US_SSN", "***-**-8901"),
        ("US_BANK_NUMBER", "****7766"),
        ("US_DRIVER_LICENSE", "******789"),
        ("CREDIT_CARD", "**** **** **** 0000"),
    ],
]


@pytest.mark.parametrize("index", range(len(MIXED)), ids=["prose", "table", "records"])
def test_engines_on_mixed_sample(matcher, index):
    got = _shown(matcher.candidates(MIXED[index]))
    assert got == MIXED_EXPECTED[index]


def _fuzz_units(seed: int, count: int) -> list[Unit]:
    """Random lines of digits, separators and context words, in every layout."""
    rnd = random.Random(seed)
    alphabet = "0123456789" * 6 + "    --..\t\nSAGBDEx/"
    starts = ["", "ssn ", "account ", "DL ", "routing ", "card ", "iban "]
    units = []
    for _ in range(count):
        body = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(5, 80)))
        layout = rnd.choice([PROSE, TABLE, RECORDS])
        columns = ("ssn", "account", "dl", "card") if layout is TABLE and rnd.random() < 0.5 else ()
        units.append(Unit((rnd.choice(starts) + body).encode(), layout, columns=columns))
    return units


def test_engines_agree_on_random_text():
    fast, plain = _matcher(ELEMENTS, True), _matcher(ELEMENTS, False)
    differ = [
        i
        for i, unit in enumerate(_fuzz_units(seed=17, count=1000))
        if [c[:6] for c in fast.candidates(unit)] != [c[:6] for c in plain.candidates(unit)]
    ]
    assert differ == []


def test_pure_re_engine_when_asked():
    assert _matcher(ELEMENTS, False).engine == "re"


def test_candidate_value_is_normalized(matcher):
    (cand,) = matcher.candidates(Unit(b"SSN 345 67 8901"))
    assert (cand.value.isdigit(), len(cand.value), cand.value[-4:]) == (True, 9, "8901")
