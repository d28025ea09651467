"""The search of header-labelled columns: the same candidates as a scan of the whole table
whose hits are kept where they start in a labelled column."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from wisp.discovery.batch import Batch, Slot, confirmed
from wisp.discovery.columns import column_batches, line_start_regex
from wisp.discovery.detectors.bank import BankNumberDetector
from wisp.discovery.detectors.base import Detector, context_regex
from wisp.discovery.detectors.driver_license import DriverLicenseDetector
from wisp.discovery.detectors.ssn import SsnDetector
from wisp.discovery.engine import Matcher, column_index, header_words
from wisp.discovery.models import Layout, Unit
from wisp.discovery.prefilter import compile_scanner
from wisp.discovery.table import Table

ENGINES = [pytest.param(True, id="hyperscan"), pytest.param(False, id="re")]
DETECTORS = (SsnDetector(), DriverLicenseDetector(), BankNumberDetector())
HEADERS = ["ssn", "Account", "bank_routing", "DL #", "notes", "name", "Social Security No"]
CELLS = [
    "345678901",
    "345-67-8901",
    "345 67 8901",
    "000123456789",
    "021000021",
    "3222-7162-7",
    "S12345678",
    "A1234567",
    "111111111",
    "666123456",
    "ssn 345678901",
    "345678901 / 456789012",
    "#345678901",
    "x345678901",
    "345678901x",
    "Account Executive",
    "Zyxlo Qwertz",
    "",
    "12345",
]


def _slots(detector: Detector) -> list[Slot]:
    context = context_regex(detector.CONTEXT)
    return [
        Slot(detector, p, rx, context, line_start_regex(rx))
        for p in detector.PATTERNS
        if p.needs_context
        for rx in (re.compile(p.regex.encode()),)
    ]


def _whole_table(slot: Slot, unit: Unit, columns: list[int], use_hyperscan: bool) -> Batch:
    """What a scan of the whole table finds: every hit of the prefilter that starts in one of
    `columns`, confirmed by the precise pattern anchored there."""
    prefilter = [(0, slot.pattern.prefilter)]
    scan = compile_scanner(prefilter, caseless=False, use_hyperscan=use_hyperscan)
    hits = sorted({start for _, start, _ in scan(unit.text)})
    starts = [s for s in hits if column_index(unit, s) in columns]
    return confirmed(slot, unit.text, starts, slot.pattern.boosted)


def _random_unit(rnd: random.Random) -> Unit:
    columns = tuple(rnd.choice(HEADERS) for _ in range(rnd.randrange(1, 6)))
    delimiter = rnd.choice([",", "\t", ";", "|"])
    lines = []
    for _ in range(rnd.randrange(1, 40)):
        count = len(columns) + (rnd.choice([-1, 1]) if rnd.random() < 0.1 else 0)
        lines.append(delimiter.join(rnd.choice(CELLS) for _ in range(max(count, 1))))
    text = ("\n".join(lines) + "\n").encode()
    return Unit(text, Layout.TABLE, columns=columns, delimiter=delimiter.encode())


@pytest.mark.parametrize("use_hyperscan", ENGINES)
def test_column_search_finds_what_a_whole_table_scan_finds(use_hyperscan):
    if use_hyperscan and Matcher(DETECTORS).engine != "hyperscan":
        pytest.skip("Hyperscan is not available on this machine")
    rnd = random.Random(11)
    compared = 0
    for _ in range(150):
        unit = _random_unit(rnd)
        table = Table(unit.text, unit.delimiter)
        for detector in DETECTORS:
            context = context_regex(detector.CONTEXT)
            assert context is not None
            columns = [i for i, h in enumerate(unit.columns) if context.search(header_words(h))]
            for slot in _slots(detector):
                prefilter = [(0, slot.pattern.prefilter)]
                scanner = compile_scanner(prefilter, caseless=False, use_hyperscan=use_hyperscan)
                batches = column_batches(slot, scanner, unit.text, table, columns)
                every = itertools.chain.from_iterable(b.candidates() for b in batches)
                got = sorted(every, key=lambda c: c.start)
                expected = list(_whole_table(slot, unit, columns, use_hyperscan).candidates())
                assert got == expected
                compared += len(expected)
    assert compared > 500  # the tables do hold labelled candidates


TABLE = Layout.TABLE


@pytest.mark.parametrize(
    ("text", "columns", "expected"),
    [
        pytest.param(
            "Zyxlo,345678901\nQwertz,456789012\n",
            ("name", "ssn"),
            ["***-**-8901", "***-**-9012"],
            id="whole-cells",
        ),
        pytest.param(
            "Zyxlo,345678901 / 456789012\nQwertz,666123456\n",
            ("name", "ssn"),
            ["***-**-8901", "***-**-9012"],
            id="inside-cells-and-invalid",
        ),
        pytest.param(
            "Zyxlo,345678901\nQwertz\n,\nAnn,456789012,extra\n",
            ("name", "ssn"),
            ["***-**-8901", "***-**-9012"],
            id="short-empty-and-long-rows",
        ),
        pytest.param(
            "Account Executive,2019-12-19,216000,021000021\n",
            ("title", "hired", "salary", "routing"),
            ["*****0021"],
            id="word-in-another-column",
        ),
    ],
)
def test_labelled_columns(text, columns, expected):
    unit = Unit(text.encode(), TABLE, columns=columns, delimiter=b",")
    found = Matcher(DETECTORS).candidates(unit)
    assert [c.detector.mask(c.raw) for c in found] == expected
