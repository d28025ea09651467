"""Candidate search: Hyperscan passes over a unit, then the precise pattern, context and
checksum only where a prefilter fired.

The first pass looks for context words, so that patterns which need context (a bare nine-digit
number is an SSN only near "SSN") are scanned for only in units that have some. The second pass
runs the prefilters with leftmost start offsets; each hit is confirmed by the detector's
precise pattern anchored at that start. Without Hyperscan the passes run on Python's `re`.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from wisp.discovery.detectors.base import Detector, Pattern, context_regex
from wisp.discovery.models import Layout, Unit

__all__ = [
    "Candidate",
    "Matcher",
    "column_header",
    "column_index",
    "context_text",
    "header_words",
]

_PROSE_BEFORE = 64
_PROSE_AFTER = 32

#: (slot index, start, end) of each prefilter hit.
Hits = list[tuple[int, int, int]]
Scanner = Callable[[bytes], Hits]


class Candidate(NamedTuple):
    """A validated element in a unit: offsets into `Unit.text`, raw and normalized text."""

    detector: Detector
    start: int
    end: int
    raw: str
    value: str
    confidence: float


@dataclass(frozen=True, slots=True)
class _Slot:
    detector: Detector
    pattern: Pattern
    regex: re.Pattern[bytes]
    context: re.Pattern[bytes] | None


def _hs_compile(expressions: Sequence[str], flags: int) -> Scanner | None:
    try:
        import hyperscan
    except ImportError:  # pragma: no cover - the wheel is a dependency; this is for odd CPUs
        return None
    db = hyperscan.Database()
    try:
        db.compile(
            expressions=[e.encode() for e in expressions],
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[flags] * len(expressions),
        )
    except hyperscan.error:  # pragma: no cover - a plugin pattern Hyperscan cannot compile
        return None

    def scan(text: bytes) -> Hits:
        hits: Hits = []
        add = hits.append

        def on_match(index: int, start: int, end: int, _flags: int, _ctx: object) -> None:
            add((index, start, end))

        db.scan(text, match_event_handler=on_match)
        return hits

    return scan


def _re_compile(expressions: Sequence[str]) -> Scanner:
    compiled = [re.compile(e.encode()) for e in expressions]

    def scan(text: bytes) -> Hits:
        return [(i, m.start(), m.end()) for i, rx in enumerate(compiled) for m in rx.finditer(text)]

    return scan


class Matcher:
    """Finds validated element candidates in units, for a fixed set of detectors."""

    def __init__(self, detectors: Sequence[Detector], *, use_hyperscan: bool = True) -> None:
        self.detectors = tuple(detectors)
        self.slots = tuple(
            _Slot(d, p, re.compile(p.regex.encode()), context_regex(d.CONTEXT))
            for d in self.detectors
            for p in d.PATTERNS
        )
        self._use_hs = use_hyperscan
        self.engine = "hyperscan" if use_hyperscan and _hs_compile(["a"], 0) else "re"
        # Context words per detector that has patterns needing them.
        self._gated = tuple(
            i for i, d in enumerate(self.detectors) if any(p.needs_context for p in d.PATTERNS)
        )
        words = [(i, w) for i in self._gated for w in self.detectors[i].CONTEXT if len(w) > 1]
        self._word_owner = [i for i, _ in words]
        self._context_scan = self._build([_literal(w) for _, w in words], context=True)
        self._scanners: dict[frozenset[int], Scanner] = {}

    def _build(self, expressions: list[str], *, context: bool) -> Scanner:
        if self._use_hs and expressions:
            import hyperscan

            flags = (
                hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
                if context
                else hyperscan.HS_FLAG_SOM_LEFTMOST
            )
            fast = _hs_compile(expressions, flags)
            if fast is not None:
                return fast
        if context:
            return _re_compile([f"(?i){e}" for e in expressions])
        return _re_compile(expressions)

    def _scanner(self, active: frozenset[int]) -> tuple[list[int], Scanner]:
        indexes = [
            i
            for i, s in enumerate(self.slots)
            if not s.pattern.needs_context or self.detectors.index(s.detector) in active
        ]
        key = frozenset(indexes)
        scanner = self._scanners.get(key)
        if scanner is None:
            scanner = self._build([self.slots[i].pattern.prefilter for i in indexes], context=False)
            self._scanners[key] = scanner
        return indexes, scanner

    def _active(self, unit: Unit) -> frozenset[int]:
        """Detectors with a context word somewhere in the unit or its column headers."""
        if not self._gated:
            return frozenset()
        active = {self._word_owner[i] for i, _, _ in self._context_scan(unit.text)}
        if unit.columns:
            header = b"\t".join(map(header_words, unit.columns))
            active.update(self._word_owner[i] for i, _, _ in self._context_scan(header))
        return frozenset(active)

    def candidates(self, unit: Unit) -> list[Candidate]:
        """Every validated candidate in `unit`, overlaps resolved, in text order.

        Work is batched per pattern with C-level `map`s, since dense tables hold a candidate
        every few dozen bytes; context is looked up only where a pattern needs it, and
        `confidence` of the others is their base score until `confirm()` is asked.
        """
        text = unit.text
        indexes, scan = self._scanner(self._active(unit))
        hits = scan(text)
        if not hits:
            return []
        hits.sort()
        found: list[Candidate] = []
        for local, group in itertools.groupby(hits, key=_FIRST):
            slot = self.slots[indexes[local]]
            starts = list(dict.fromkeys(map(_SECOND, group)))  # one per start, in order
            matches = list(map(functools.partial(slot.regex.match, text), starts))
            if not all(matches):
                starts = list(itertools.compress(starts, matches))
                matches = list(filter(None, matches))
            raws = list(map(bytes.decode, map(_GROUP, matches)))
            detector, pattern = slot.detector, slot.pattern
            values = list(map(detector.normalize, raws))
            valid = list(map(detector.validate, values, itertools.repeat(pattern)))
            ends = map(operator.add, starts, map(len, raws))  # matches are ASCII
            rows = list(itertools.compress(zip(starts, ends, raws, values, strict=False), valid))
            if not rows:
                continue
            if pattern.needs_context:
                known: dict[int, bool] = {}  # column index -> its header says what this is
                for start, end, raw, value in rows:
                    if self._in_context(slot, unit, start, end, known):
                        found.append(Candidate(detector, start, end, raw, value, pattern.boosted))
            else:
                # Built in C: a dense table has a candidate every few dozen bytes. `rows` is
                # not empty, so the repeats are bounded by its columns.
                columns = zip(*rows, strict=True)
                fields = zip(
                    itertools.repeat(detector),
                    *columns,
                    itertools.repeat(pattern.score),
                    strict=False,
                )
                found.extend(map(_new_candidate, fields))
        return _resolve_overlaps(found)

    def confirm(self, unit: Unit, cand: Candidate) -> Candidate:
        """The candidate with its confidence raised if a context word is near it."""
        for slot in self.slots:
            if slot.detector is cand.detector and slot.regex.fullmatch(cand.raw.encode()):
                if slot.context is not None and self._in_context(slot, unit, cand.start, cand.end):
                    return cand._replace(confidence=max(cand.confidence, slot.pattern.boosted))
                break
        return cand

    @staticmethod
    def _in_context(
        slot: _Slot, unit: Unit, start: int, end: int, headers: dict[int, bool] | None = None
    ) -> bool:
        """Whether a context word of the slot's detector is near [start, end): in its column
        header (answers cached in `headers` by column), or in the text around it."""
        if slot.context is None:
            return False
        if unit.layout is Layout.TABLE and unit.columns:
            index = column_index(unit, start)
            known = headers.get(index) if headers is not None else None
            if known is None:
                known = index < len(unit.columns) and bool(
                    slot.context.search(header_words(unit.columns[index]))
                )
                if headers is not None:
                    headers[index] = known
            if known:
                return True
        return bool(slot.context.search(context_text(unit, start, end)))


_new_candidate = functools.partial(tuple.__new__, Candidate)
_FIRST = operator.itemgetter(0)
_START = operator.itemgetter(1)
_END = operator.itemgetter(2)
_SECOND = operator.itemgetter(1)
_GROUP = operator.methodcaller("group")


def column_index(unit: Unit, start: int) -> int:
    """The index of the table cell that offset `start` falls in."""
    text = unit.text
    return text.count(unit.delimiter, text.rfind(b"\n", 0, start) + 1, start)


def column_header(unit: Unit, start: int) -> str:
    """The header of the table column that offset `start` falls in ('' if none)."""
    index = column_index(unit, start)
    return unit.columns[index] if index < len(unit.columns) else ""


def _literal(word: str) -> str:
    # The precise check wants whole words, where '_' separates words ("soc_sec_no"); Hyperscan
    # has no lookaround and its \b counts '_' as a letter, so the edges are consumed instead.
    body = re.escape(word).replace(r"\ ", r"[\s_.-]*")
    return rf"(?:^|[^a-z0-9]){body}(?:[^a-z]|$)"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def header_words(header: str) -> bytes:
    """A column header as words: "EmpSSN" and "emp_ssn" both read "emp ssn"."""
    return _CAMEL.sub(" ", header).replace("_", " ").encode("utf-8", "replace")


def context_text(unit: Unit, start: int, end: int) -> bytes:
    """The text near [start, end) that may say what it is: the cell before it in a table,
    its field's key in records, a few words either side in prose."""
    text = unit.text
    line_start = text.rfind(b"\n", 0, start) + 1
    if unit.layout is Layout.TABLE:
        # The cell before and the start of its own cell: "SSN | 123456789" sheets label so.
        cell = text.rfind(unit.delimiter, line_start, start)
        previous = text.rfind(unit.delimiter, line_start, cell) + 1 if cell >= 0 else line_start
        return text[max(previous, start - _PROSE_BEFORE) : start]
    if unit.layout is Layout.RECORDS:
        return text[text.rfind(b"\t", line_start, start) + 1 or line_start : start]
    return text[max(0, start - _PROSE_BEFORE) : start] + b" " + text[end : end + _PROSE_AFTER]


def _resolve_overlaps(found: list[Candidate]) -> list[Candidate]:
    found.sort(key=_START)
    ends = list(map(_END, found))
    if not any(map(operator.lt, map(_START, found[1:]), ends)):
        return found  # the common case: nothing overlaps
    kept: list[Candidate] = []
    for cand in found:
        if kept and cand.start < kept[-1].end:
            if cand.confidence > kept[-1].confidence:
                kept[-1] = cand
            continue
        kept.append(cand)
    return kept
