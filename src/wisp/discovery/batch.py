"""Validated candidates in bulk: one batch of parallel lists per pattern (and column), so that
a dense table's hundreds of thousands of elements are checked and counted with C-level calls.

Overlapping candidates are settled between batches the way they always were one by one; a
candidate object is made only for what is looked at singly (the first findings of a file).
"""

from __future__ import annotations

import heapq
import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from wisp.discovery.detectors.base import Detector, Pattern

__all__ = [
    "Batch",
    "Candidate",
    "Slot",
    "checked",
    "confirmed",
    "in_text_order",
    "line_indexes",
    "settle",
    "with_lines",
]

_GROUP = operator.methodcaller("group")
_END = operator.methodcaller("end")
_START = operator.attrgetter("start")


class Candidate(NamedTuple):
    """A validated element in a unit: offsets into `Unit.text`, raw and normalized text."""

    detector: Detector
    start: int
    end: int
    raw: str
    value: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Slot:
    """One pattern of one detector, compiled: the precise regex, the detector's context words,
    and the regex anchored at line starts that checks a joined column (None if it cannot)."""

    detector: Detector
    pattern: Pattern
    regex: re.Pattern[bytes]
    context: re.Pattern[bytes] | None
    whole: re.Pattern[bytes] | None


class Batch(NamedTuple):
    """Candidates of one detector at one confidence, in text order: parallel lists of their
    offsets, raw and normalized text, and the index of the unit's line each is on (empty
    until `with_lines` counts them, for those who need them)."""

    detector: Detector
    confidence: float
    starts: list[int]
    ends: list[int]
    raws: list[str]
    values: list[str]
    lines: list[int]

    def candidates(self) -> Iterator[Candidate]:
        """The batch one candidate at a time."""
        fields = zip(
            itertools.repeat(self.detector),
            self.starts,
            self.ends,
            self.raws,
            self.values,
            itertools.repeat(self.confidence),
            strict=False,  # the repeats are endless; the lists are of one length
        )
        return map(Candidate._make, fields)

    def select(self, keep: Sequence[object]) -> Batch:
        """The candidates where `keep` is true."""
        if all(keep):
            return self
        lines = list(itertools.compress(self.lines, keep)) if self.lines else []
        return self._replace(
            starts=list(itertools.compress(self.starts, keep)),
            ends=list(itertools.compress(self.ends, keep)),
            raws=list(itertools.compress(self.raws, keep)),
            values=list(itertools.compress(self.values, keep)),
            lines=lines,
        )


def confirmed(
    slot: Slot, text: bytes, starts: list[int], score: float, lines: list[int] | None = None
) -> Batch:
    """The hits at `starts` that the precise pattern (anchored there) and checksum accept;
    `lines` are the line indexes of `starts` if known."""
    matches = list(map(slot.regex.match, itertools.repeat(text), starts))
    if not all(matches):
        keep = list(map(bool, matches))
        starts = list(itertools.compress(starts, keep))
        matches = list(itertools.compress(matches, keep))
        lines = None if lines is None else list(itertools.compress(lines, keep))
    raws = list(map(bytes.decode, map(_GROUP, matches)))
    return checked(slot, starts, list(map(_END, matches)), raws, score, lines)


def checked(
    slot: Slot,
    starts: list[int],
    ends: list[int],
    raws: list[str],
    score: float,
    lines: list[int] | None,
) -> Batch:
    """A batch of the precise matches `raws` at [start, end) that pass the detector's
    checksum, all normalized and validated at once."""
    detector = slot.detector
    values = detector.normalize_all(raws)
    batch = Batch(detector, score, starts, ends, raws, values, lines or [])
    return batch.select(detector.validate_all(values, slot.pattern))


def line_indexes(text: bytes, starts: list[int]) -> list[int]:
    """The index of the line of `text` each of the (sorted) offsets is on: line breaks counted
    between one offset and the next, in C."""
    gaps = map(text.count, itertools.repeat(b"\n"), [0, *starts[:-1]], starts)
    return list(itertools.accumulate(gaps))


def with_lines(text: bytes, batches: list[Batch]) -> list[Batch]:
    """The batches with the line index of every candidate filled in where it is missing,
    counted once for all of them."""
    missing = [b for b in batches if b.starts and not b.lines]
    if not missing:
        return batches
    if len(missing) == 1:
        starts = missing[0].starts
    else:
        starts = sorted(itertools.chain.from_iterable(b.starts for b in missing))
    lines = line_indexes(text, starts)
    if len(missing) == 1:
        return [b._replace(lines=lines) if b is missing[0] else b for b in batches]
    index = dict(zip(starts, lines, strict=True))
    return [
        b if b.lines or not b.starts else b._replace(lines=list(map(index.__getitem__, b.starts)))
        for b in batches
    ]


def settle(batches: list[Batch]) -> list[Batch]:
    """The batches with overlapping candidates settled: of two that overlap, the more
    confident is kept, the earlier if equally so. Batches come in pattern order, which breaks
    ties between candidates that start at the same offset."""
    if not _overlapping(batches):
        return batches
    found = list(itertools.chain.from_iterable(b.candidates() for b in batches))
    groups: dict[tuple[Detector, float], list[Candidate]] = {}
    for cand in _resolve_overlaps(found):
        groups.setdefault((cand.detector, cand.confidence), []).append(cand)
    return [_regrouped(group) for group in groups.values()]


def in_text_order(batches: Iterable[Batch]) -> Iterator[Candidate]:
    """Every candidate of settled batches, in text order."""
    return heapq.merge(*(b.candidates() for b in batches), key=_START)


def _regrouped(group: list[Candidate]) -> Batch:
    first = group[0]
    return Batch(
        first.detector,
        first.confidence,
        [c.start for c in group],
        [c.end for c in group],
        [c.raw for c in group],
        [c.value for c in group],
        [],
    )


def _overlapping(batches: list[Batch]) -> bool:
    """Whether any two candidates overlap. With starts and ends each sorted on their own,
    half-open spans are disjoint exactly when every start is at or after the end before it."""
    starts = sorted(itertools.chain.from_iterable(b.starts for b in batches))
    ends = sorted(itertools.chain.from_iterable(b.ends for b in batches))
    return any(map(operator.lt, itertools.islice(starts, 1, None), ends))


def _resolve_overlaps(found: list[Candidate]) -> list[Candidate]:
    found.sort(key=_START)
    kept: list[Candidate] = []
    for cand in found:
        if kept and cand.start < kept[-1].end:
            if cand.confidence > kept[-1].confidence:
                kept[-1] = cand
            continue
        kept.append(cand)
    return kept
