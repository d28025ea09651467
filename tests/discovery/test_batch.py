"""Batches: overlaps settled as one candidate at a time would, line indexes, text order."""

from __future__ import annotations

import random

import pytest

from wisp.discovery.batch import (
    Batch,
    Candidate,
    in_text_order,
    line_indexes,
    settle,
    with_lines,
)
from wisp.discovery.detectors.bank import BankNumberDetector
from wisp.discovery.detectors.credit_card import CreditCardDetector
from wisp.discovery.detectors.ssn import SsnDetector

DETECTORS = (SsnDetector(), CreditCardDetector(), BankNumberDetector())


def _one_by_one(found: list[Candidate]) -> list[Candidate]:
    """The rule, a candidate at a time: in text order (ties in the order given), one that
    overlaps the last kept replaces it only if more confident."""
    kept: list[Candidate] = []
    for cand in sorted(found, key=lambda c: c.start):
        if kept and cand.start < kept[-1].end:
            if cand.confidence > kept[-1].confidence:
                kept[-1] = cand
            continue
        kept.append(cand)
    return kept


def _random_batches(rnd: random.Random, overlapping: bool) -> list[Batch]:
    batches = []
    for _ in range(rnd.randrange(1, 5)):
        starts = sorted(rnd.sample(range(0, 400, 1 if overlapping else 20), rnd.randrange(0, 12)))
        ends = [s + (rnd.randrange(1, 30) if overlapping else rnd.randrange(1, 3)) for s in starts]
        raws = [f"r{s}" for s in starts]
        confidence = rnd.choice([0.4, 0.75, 0.85, 0.9])
        lines = [s // 50 for s in starts]
        batches.append(
            Batch(rnd.choice(DETECTORS), confidence, starts, ends, raws, list(raws), lines)
        )
    if not overlapping:  # spread the batches apart
        batches = [b._replace(starts=[s + k for s in b.starts]) for k, b in enumerate(batches)]
        batches = [b._replace(ends=[s + 1 for s in b.starts]) for b in batches]
    return batches


@pytest.mark.parametrize("overlapping", [True, False], ids=["overlapping", "apart"])
def test_settle_keeps_what_one_by_one_keeps(overlapping):
    rnd = random.Random(7)
    for _ in range(300):
        batches = _random_batches(rnd, overlapping)
        every = [c for b in batches for c in b.candidates()]
        assert list(in_text_order(settle(batches))) == _one_by_one(every)


def test_settle_leaves_disjoint_batches_as_they_are():
    batches = _random_batches(random.Random(3), overlapping=False)
    assert settle(batches) is batches


def test_with_lines_counts_line_breaks_before_each_start():
    text = b"ab\ncd\n\nefg\n"
    starts = [0, 3, 4, 7, 9]
    batches = [
        Batch(DETECTORS[0], 0.85, starts[:3], starts[:3], [], [], []),
        Batch(DETECTORS[1], 0.9, starts[3:], starts[3:], [], [], []),
        Batch(DETECTORS[2], 0.5, [1], [2], [], [], [7]),  # already known: kept
    ]
    got = [b.lines for b in with_lines(text, batches)]
    assert got == [[0, 1, 1], [3, 3], [7]]
    assert line_indexes(text, starts) == [0, 1, 1, 3, 3]
