"""Candidate search: Hyperscan passes over a unit, then the precise pattern, context and
checksum only where a prefilter fired.

A first pass finds the context words. Patterns that need context (a bare nine-digit number is
an SSN only near "SSN") then run over the whole unit only where such words are common, and
only in windows around them where they are rare; a table column whose header has such a word
is searched on its own (`columns`). The main pass reports leftmost starts; each hit is
confirmed by the detector's precise pattern anchored there, in batches (`batch`).
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Sequence

from wisp.discovery.batch import (
    Batch,
    Candidate,
    Slot,
    confirmed,
    in_text_order,
    settle,
)
from wisp.discovery.columns import column_batches, line_start_regex
from wisp.discovery.detectors.base import Detector, context_regex
from wisp.discovery.models import Layout, Unit
from wisp.discovery.prefilter import Scanner, Starts, compile_scanner, hyperscan_available
from wisp.discovery.table import Table

__all__ = [
    "Batch",
    "Candidate",
    "Matcher",
    "column_header",
    "column_index",
    "context_text",
    "header_words",
]

_PROSE_BEFORE = 64
_PROSE_AFTER = 32
#: Longer than any context word or candidate, so nothing at a window's edge is missed.
_MARGIN = 80
#: Context words rarer than one per this many bytes are searched around, not everywhere.
_SPARSE = 4096
#: How far before a rare context word the window searched around it starts.
_WINDOW = _PROSE_BEFORE + 2 * _MARGIN
#: How far after it the window ends: a candidate near the word starts at most
#: `_PROSE_BEFORE` after the word's end, and its prefilter match is shorter than `_MARGIN`.
_WINDOW_AFTER = _PROSE_BEFORE + _MARGIN


class Matcher:
    """Finds validated element candidates in units, for a fixed set of detectors."""

    def __init__(self, detectors: Sequence[Detector], *, use_hyperscan: bool = True) -> None:
        self.detectors = tuple(detectors)
        # One context pattern per detector, shared by its slots and the header checks.
        self._context = [context_regex(d.CONTEXT) for d in self.detectors]
        self.slots = tuple(
            Slot(d, p, regex, self._context[i], line_start_regex(regex))
            for i, d in enumerate(self.detectors)
            for p in d.PATTERNS
            for regex in (re.compile(p.regex.encode()),)
        )
        self._use_hs = use_hyperscan
        self.engine = "hyperscan" if use_hyperscan and hyperscan_available() else "re"
        self._owner = [self.detectors.index(s.detector) for s in self.slots]
        self._plain = frozenset(i for i, s in enumerate(self.slots) if not s.pattern.needs_context)
        # Per detector with patterns that need context: those slots, and its context words.
        self._gated: dict[int, frozenset[int]] = {}
        for i, slot in enumerate(self.slots):
            if slot.pattern.needs_context:
                owner = self._owner[i]
                self._gated[owner] = self._gated.get(owner, frozenset()) | {i}
        words = [(d, w) for d in self._gated for w in self.detectors[d].CONTEXT if len(w) > 1]
        self._context_scan = compile_scanner(
            [(d, _literal(w)) for d, w in words], caseless=True, use_hyperscan=use_hyperscan
        )
        self._scanners: dict[frozenset[int], Scanner] = {}

    def _scanner(self, slots: frozenset[int]) -> Scanner:
        scanner = self._scanners.get(slots)
        if scanner is None:
            patterns = [(i, self.slots[i].pattern.prefilter) for i in sorted(slots)]
            scanner = compile_scanner(patterns, caseless=False, use_hyperscan=self._use_hs)
            self._scanners[slots] = scanner
        return scanner

    def warm(self) -> None:
        """Compile every pattern database a unit can need, e.g. before forking workers."""
        self._scanner(self._plain)
        for gated_slots in self._gated.values():
            self._scanner(gated_slots)
            for index in gated_slots:  # each alone, for the columns a header labels
                self._scanner(frozenset({index}))

    def candidates(self, unit: Unit) -> list[Candidate]:
        """Every validated candidate in `unit`, overlaps resolved, in text order."""
        return list(in_text_order(self.find(unit)))

    def find(self, unit: Unit, table: Table | None = None) -> list[Batch]:
        """Every validated candidate in `unit`, overlaps resolved, in batches (with line
        indexes where they come free); `table` is the unit's, if the caller has split it.

        Work is batched per pattern with C-level `map`s, since dense tables hold a candidate
        every few dozen bytes; context is looked up only where a pattern needs it, and
        `confidence` of the others is their base score until `confirm()` is asked.
        """
        near = self._context_words(unit.text)
        headers = self._header_flags(unit)
        found: dict[int, list[Batch]] = {}
        for index, hits in self._hits(unit, near, headers).items():
            starts = list(dict.fromkeys(sorted(hits)))  # one per start, in order
            found[index] = [self._hit_batch(index, unit, starts, near, headers)]
        if headers:
            table = table or Table(unit.text, unit.delimiter)
            labelled = {d: list(itertools.compress(range(len(f)), f)) for d, f in headers.items()}
            for columns in labelled.values():
                table.require(columns)  # split in one pass
            for owner, columns in labelled.items():
                for index in sorted(self._gated[owner]):
                    scanner = self._scanner(frozenset({index}))
                    batches = column_batches(self.slots[index], scanner, unit.text, table, columns)
                    found.setdefault(index, []).extend(batches)
        # Pattern order, which settles ties between candidates at one offset.
        return settle([b for i in sorted(found) for b in found[i] if b.starts])

    def _context_words(self, text: bytes) -> dict[int, list[int]]:
        """For each gated detector, the sorted end offsets of its context words in `text`."""
        near: dict[int, list[int]] = {}
        if self._gated:
            for owner, _, end in self._context_scan(text):
                near.setdefault(owner, []).append(end)
            for ends in near.values():
                ends.sort()
        return near

    def _header_flags(self, unit: Unit) -> dict[int, list[bool]]:
        """For each gated detector, per column, whether the header says what it holds."""
        if unit.layout is not Layout.TABLE or not unit.columns or not self._gated:
            return {}
        flags: dict[int, list[bool]] = {}
        for d in self._gated:
            rx = self._context[d]
            row = [bool(rx and rx.search(header_words(h))) for h in unit.columns]
            if any(row):
                flags[d] = row
        return flags

    def _hits(
        self, unit: Unit, near: dict[int, list[int]], headers: dict[int, list[bool]]
    ) -> Starts:
        """Prefilter hits: everywhere for plain patterns, and for context patterns whose words
        are common; only around the words where those are rare or a column header has them
        (the labelled columns are searched on their own)."""
        text = unit.text
        hits: Starts = {}
        self._scanner(self._plain).starts(text, hits)
        # One database per detector, not per combination: an extra pass costs less than
        # compiling every combination, in every worker.
        for d, slots in self._gated.items():
            words = near.get(d)
            if not words:
                continue
            scan = self._scanner(slots)
            if d not in headers and len(words) * _SPARSE > len(text):
                scan.starts(text, hits)
            else:
                scan.starts_within(text, _windows(words, len(text)), hits)
        return hits

    def _hit_batch(
        self,
        index: int,
        unit: Unit,
        starts: list[int],
        near: dict[int, list[int]],
        headers: dict[int, list[bool]],
    ) -> Batch:
        slot = self.slots[index]
        if not slot.pattern.needs_context:
            return confirmed(slot, unit.text, starts, slot.pattern.score)
        owner = self._owner[index]
        return self._near_batch(slot, unit, starts, near.get(owner, []), headers.get(owner))

    def _near_batch(
        self,
        slot: Slot,
        unit: Unit,
        starts: list[int],
        words: list[int],
        flags: list[bool] | None,
    ) -> Batch:
        """Candidates of a pattern that needs context near one of the detector's context
        `words` (end offsets) that the precise search of the text around them confirms;
        those in the columns `flags` labels are the column search's."""
        if not words or not starts or slot.context is None:
            return Batch(slot.detector, slot.pattern.boosted, [], [], [], [], [])
        padded = [*words, 1 << 62]
        # Near: the first context word ending at or after `start - before` ends close enough.
        lows = map(operator.sub, starts, itertools.repeat(_PROSE_BEFORE))
        first = map(bisect.bisect_left, itertools.repeat(padded), lows)
        limits = map(operator.add, starts, itertools.repeat(_PROSE_BEFORE + _MARGIN))
        close = map(operator.le, map(padded.__getitem__, first), limits)
        starts = list(itertools.compress(starts, close))
        if flags:
            unlabelled = map(operator.not_, self._labelled(unit, starts, flags))
            starts = list(itertools.compress(starts, unlabelled))
        # The precise pattern first: few nearby numbers are candidates, and the context
        # pattern (every context word, case-insensitively) costs more to search than that.
        batch = confirmed(slot, unit.text, starts, slot.pattern.boosted)
        search = slot.context.search
        spans = zip(batch.starts, batch.ends, strict=True)
        return batch.select([search(context_text(unit, s, e)) is not None for s, e in spans])

    @staticmethod
    def _labelled(unit: Unit, starts: list[int], flags: list[bool] | None) -> list[bool]:
        """Per start, whether it is in a column whose header has the context (all in C)."""
        if not flags:
            return [False] * len(starts)
        text = unit.text
        lines = map(text.rfind, itertools.repeat(b"\n"), itertools.repeat(0), starts)
        firsts = map(operator.add, lines, itertools.repeat(1))
        columns = map(text.count, itertools.repeat(unit.delimiter), firsts, starts)
        padded = [*flags, False]
        return list(map(padded.__getitem__, map(min, columns, itertools.repeat(len(flags)))))

    def confirm(self, unit: Unit, cand: Candidate) -> Candidate:
        """The candidate with its confidence raised if a context word is near it."""
        for slot in self.slots:
            if slot.detector is cand.detector and slot.regex.fullmatch(cand.raw.encode()):
                if slot.context is not None and self._near_context(slot, unit, cand):
                    return cand._replace(confidence=max(cand.confidence, slot.pattern.boosted))
                break
        return cand

    @staticmethod
    def _near_context(slot: Slot, unit: Unit, cand: Candidate) -> bool:
        assert slot.context is not None
        header = column_header(unit, cand.start) if unit.layout is Layout.TABLE else ""
        if header and slot.context.search(header_words(header)):
            return True
        return bool(slot.context.search(context_text(unit, cand.start, cand.end)))


def _windows(words: list[int], size: int) -> list[tuple[int, int]]:
    """Merged byte ranges around each context word's end offset."""
    out: list[tuple[int, int]] = []
    for end in words:
        lo, hi = max(0, end - _WINDOW), min(size, end + _WINDOW_AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


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
    return rf"(?:^|[^a-z0-9\x80-\xff]){body}(?:[^a-z\x80-\xff]|$)"


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
