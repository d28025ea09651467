"""The 17.02 rule: an element is personal information only with its owner's name beside it.

Records are the lines of tables and structured data; in prose, the same paragraph within a
few hundred characters. Counts cover every element; findings list the first few, masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wisp.discovery.detectors.base import NameDetector
from wisp.discovery.engine import Candidate, Matcher
from wisp.discovery.fingerprint import Fingerprinter
from wisp.discovery.models import FileResult, Finding, Layout, Unit

__all__ = ["Analyzer"]

_NEAR = 200


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
            self._unit(result, unit)
        result.contains_pi = result.pi_records > 0 and not result.encrypted

    def _unit(self, result: FileResult, unit: Unit) -> None:
        candidates = self.matcher.candidates(unit)
        if not candidates:
            return
        text = unit.text
        line, pos = unit.first_line, 0
        record_names: dict[int, bool] = {}
        for cand in candidates:
            entity = cand.detector.ENTITY
            fp: str | None = None
            if self.ignore:
                fp = self.fingerprint(entity, cand.value)
                if fp in self.ignore:
                    continue
            line += text.count(b"\n", pos, cand.start)
            pos = cand.start
            result.elements[entity] = result.elements.get(entity, 0) + 1
            if self._has_name(unit, cand, record_names):
                result.pi_records += 1
            if len(result.findings) < self.max_findings:
                result.findings.append(self._finding(unit, cand, line, fp))

    def _has_name(self, unit: Unit, cand: Candidate, cache: dict[int, bool]) -> bool:
        text = unit.text
        if unit.layout is Layout.PROSE:
            lo = max(0, cand.start - _NEAR)
            hi = min(len(text), cand.end + _NEAR)
            para = text.rfind(b"\n\n", lo, cand.start)
            lo = para + 2 if para >= 0 else lo
            para = text.find(b"\n\n", cand.end, hi)
            hi = para if para >= 0 else hi
            return any(n.in_text(text, lo, hi) for n in self.names)
        line_start = text.rfind(b"\n", 0, cand.start) + 1
        known = cache.get(line_start)
        if known is None:
            line_end = text.find(b"\n", cand.end)
            known = self._record_has_name(unit, text[line_start:line_end].decode("utf-8", "replace"))
            cache[line_start] = known
        return known

    def _record_has_name(self, unit: Unit, record: str) -> bool:
        if unit.layout is Layout.TABLE:
            cells = record.split(unit.delimiter.decode())
            return any(n.in_cells(cells, unit.columns) for n in self.names)
        keys: list[str] = []
        values: list[str] = []
        for field in record.split("\t"):
            key, sep, value = field.partition(": ")
            keys.append(key if sep else "")
            values.append(value if sep else key)
        return any(n.in_cells(values, tuple(keys)) for n in self.names)

    def _finding(self, unit: Unit, cand: Candidate, line: int, fp: str | None) -> Finding:
        location: dict[str, str | int] = dict(unit.where)
        location[unit.line_key] = line
        if unit.layout is Layout.TABLE and unit.columns:
            text = unit.text
            line_start = text.rfind(b"\n", 0, cand.start) + 1
            index = text.count(unit.delimiter, line_start, cand.start)
            if index < len(unit.columns):
                location["column"] = unit.columns[index]
        entity = cand.detector.ENTITY
        return Finding(
            type=entity,
            location=location,
            masked=cand.detector.mask(cand.raw),
            fingerprint=fp or self.fingerprint(entity, cand.value),
            confidence=cand.confidence,
        )
