"""The 17.02 rule: an element is personal information only with its owner's name beside it.

Records are the lines of tables and structured data; in prose, text within a few hundred
characters. Counts cover every element; findings list the first few, masked.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence

from wisp.discovery.detectors.base import NameDetector
from wisp.discovery.engine import Candidate, Matcher, column_header
from wisp.discovery.fingerprint import Fingerprinter
from wisp.discovery.models import FileResult, Finding, Layout, Unit

__all__ = ["Analyzer"]

#: How far (in bytes, either side) a name in prose may be from an element to be its owner's.
_NEAR = 300
_START = operator.attrgetter("start")
_ENTITY = operator.attrgetter("detector.ENTITY")
_NEWLINE = itertools.repeat(b"\n")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Analysis makes a small tuple per candidate, hundreds of thousands in a dense table, and
    none of them in a cycle: the cyclic collector would only walk them over and over (a third
    of the time of a dense CSV)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Analyzer:
    """Fills a `FileResult` from the units of one file."""

    def __init__(
        self,
        matcher: Matcher,
        names: Sequence[NameDetector],
        fingerprint: Fingerprinter,
        *,
        ignore: frozenset[str] = frozenset(),
        max_findings: int = 100,
    ) -> None:
        self.matcher = matcher
        self.names = tuple(names)
        self.fingerprint = fingerprint
        self.ignore = ignore
        self.max_findings = max_findings

    def analyze(self, result: FileResult, units: Iterable[Unit]) -> None:
        """Add the elements, name-element pairs and findings of `units` to `result`."""
        for unit in units:
            with _gc_paused():
                self._unit(result, unit)
        result.contains_pi = result.pi_records > 0 and not result.encrypted

    def _unit(self, result: FileResult, unit: Unit) -> None:
        candidates = self.matcher.candidates(unit)
        if self.ignore:
            fp = self.fingerprint
            candidates = [
                c for c in candidates if fp(c.detector.ENTITY, c.value) not in self.ignore
            ]
        if not candidates:
            return
        text = unit.text
        starts = list(map(_START, candidates))
        # Line of each candidate, counted between consecutive candidates (all in C).
        lines = list(
            itertools.accumulate(
                map(text.count, _NEWLINE, [0, *starts[:-1]], starts), initial=unit.first_line
            )
        )[1:]
        counts = collections.Counter(map(_ENTITY, candidates))
        for entity, n in counts.items():
            result.elements[entity] = result.elements.get(entity, 0) + n
        if unit.layout is Layout.PROSE:
            result.pi_records += sum(self._near_name(unit, c) for c in candidates)
        elif unit.layout is Layout.TABLE and (rows := self._table_names(unit)) is not None:
            first = unit.first_line
            result.pi_records += sum(map(rows.__getitem__, (line - first for line in lines)))
        else:
            named: dict[int, bool] = {}
            for line, start in zip(lines, starts, strict=True):
                if line not in named:
                    named[line] = self._record_has_name(unit, start)
            result.pi_records += sum(map(named.__getitem__, lines))
        room = self.max_findings - len(result.findings)
        for cand, line in zip(candidates[: max(room, 0)], lines, strict=False):
            result.findings.append(self._finding(unit, cand, line))

    def _table_names(self, unit: Unit) -> list[bool] | None:
        if not unit.columns:
            return None
        table = unit.text[:-1].split(b"\n")
        for detector in self.names:
            rows = detector.rows_with_names(table, unit.delimiter, unit.columns)
            if rows is not None:
                return rows
        return None

    def _near_name(self, unit: Unit, cand: Candidate) -> bool:
        # Near, not necessarily in the same paragraph: a letter's greeting ("Dear Maria
        # Lopez,"), an address block or a signature names the person its next lines are about.
        text = unit.text
        lo = max(0, cand.start - _NEAR)
        hi = min(len(text), cand.end + _NEAR)
        return any(n.in_text(text, lo, hi) for n in self.names)

    def _record_has_name(self, unit: Unit, start: int) -> bool:
        text = unit.text
        record = text[text.rfind(b"\n", 0, start) + 1 : text.find(b"\n", start)]
        if unit.layout is Layout.TABLE:
            cells = record.split(unit.delimiter)
            for n in self.names:  # noqa: SIM110 - a plain loop; this runs once per table row
                if n.row_has_name(cells, unit.columns):
                    return True
            return False
        keys: list[str] = []
        values: list[str] = []
        for field in record.decode("utf-8", "replace").split("\t"):
            key, sep, value = field.partition(": ")
            keys.append(key if sep else "")
            values.append(value if sep else key)
        return any(n.in_cells(values, tuple(keys)) for n in self.names)

    def _finding(self, unit: Unit, cand: Candidate, line: int) -> Finding:
        cand = self.matcher.confirm(unit, cand)
        location: dict[str, str | int] = dict(unit.where)
        location[unit.line_key] = line
        if unit.layout is Layout.TABLE:
            header = column_header(unit, cand.start)
            if header:
                location["column"] = header
        entity = cand.detector.ENTITY
        return Finding(
            type=entity,
            location=location,
            masked=cand.detector.mask(cand.raw),
            fingerprint=self.fingerprint(entity, cand.value),
            confidence=cand.confidence,
        )
