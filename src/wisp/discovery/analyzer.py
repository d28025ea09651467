"""The 17.02 rule: an element is personal information only with its owner's name beside it.

Records are the lines of tables and structured data; in prose, text within a few hundred
characters. Counts cover every element; findings list the first few, masked.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterable, Iterator, Sequence

from wisp.discovery.batch import Batch, Candidate, in_text_order, line_indexes, with_lines
from wisp.discovery.detectors.base import NameDetector
from wisp.discovery.engine import Matcher, column_header
from wisp.discovery.fingerprint import Fingerprinter
from wisp.discovery.models import FileResult, Finding, Layout, Unit
from wisp.discovery.table import Table

__all__ = ["Analyzer"]

#: How far (in bytes, either side) a name in prose may be from an element to be its owner's.
_NEAR = 300


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
        table = None
        if unit.layout is Layout.TABLE:
            table = Table(unit.text, unit.delimiter)
            for name in self.names if unit.columns else ():
                table.require(name.name_columns(unit.columns))
        batches = self.matcher.find(unit, table)
        if self.ignore:
            batches = [self._unignored(b) for b in batches]
        batches = [b for b in batches if b.starts]
        if not batches:
            return
        for batch in batches:
            entity = batch.detector.ENTITY
            result.elements[entity] = result.elements.get(entity, 0) + len(batch.starts)
        result.pi_records += self._pi_records(unit, table, batches)
        room = max(self.max_findings - len(result.findings), 0)
        first = list(itertools.islice(in_text_order(batches), room))
        lines = line_indexes(unit.text, [cand.start for cand in first])
        for cand, line in zip(first, lines, strict=True):
            result.findings.append(self._finding(unit, cand, unit.first_line + line))

    def _pi_records(self, unit: Unit, table: Table | None, batches: list[Batch]) -> int:
        """How many of the candidates have their owner's name beside them."""
        if unit.layout is Layout.PROSE:
            spans = ((s, e) for b in batches for s, e in zip(b.starts, b.ends, strict=True))
            return sum(self._near_name(unit.text, start, end) for start, end in spans)
        rows = self._table_names(unit, table) if table is not None else None
        if rows is not None and all(rows):  # every row is named: no line to look up
            return sum(len(b.starts) for b in batches)
        batches = with_lines(unit.text, batches)
        if rows is not None:
            return sum(sum(map(rows.__getitem__, b.lines)) for b in batches)
        named: dict[int, bool] = {}
        for b in batches:
            for line, start in zip(b.lines, b.starts, strict=True):
                if line not in named:
                    named[line] = self._record_has_name(unit, start)
        return sum(sum(map(named.__getitem__, b.lines)) for b in batches)

    def _unignored(self, batch: Batch) -> Batch:
        """The batch without the values whose fingerprints the policy ignores."""
        fp, entity = self.fingerprint, batch.detector.ENTITY
        return batch.select([fp(entity, value) not in self.ignore for value in batch.values])

    def _table_names(self, unit: Unit, table: Table) -> list[bool] | None:
        if not unit.columns:
            return None
        for detector in self.names:
            rows = detector.rows_with_names_in(table, unit.columns)
            if rows is not None:
                return rows
        return None

    def _near_name(self, text: bytes, start: int, end: int) -> bool:
        # Near, not necessarily in the same paragraph: a letter's greeting ("Dear Maria
        # Lopez,"), an address block or a signature names the person its next lines are about.
        lo = max(0, start - _NEAR)
        hi = min(len(text), end + _NEAR)
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
