"""Scores a scan report against the corpus labels: precision, recall and F1 of `contains_pi`
per file and of element counts per type. Output names paths, types and counts, never values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from corpus import ELEMENT_TYPES, Label

__all__ = [
    "Miss",
    "Observed",
    "Prf",
    "Scores",
    "figures",
    "miss_lines",
    "observe",
    "owner",
    "score",
]


@dataclass
class Observed:
    """What a scan reported for one labeled path (summed over the entries it owns)."""

    contains_pi: bool = False
    encrypted: bool = False
    elements: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ELEMENT_TYPES, 0))
    errors: list[str] = field(default_factory=list)
    entries: int = 0


def owner(path: str, labels: Mapping[str, Label]) -> str:
    """The labeled path a reported path counts toward: itself, else its nearest labeled
    container (`box.mbox!3` counts toward `box.mbox`), else itself as an unlabeled stray."""
    p = path
    while p not in labels:
        if "!" not in p:
            return path
        p = p.rsplit("!", 1)[0]
    return p


def observe(report: Mapping[str, Any], labels: Mapping[str, Label]) -> dict[str, Observed]:
    """Fold a `wisp.scan/v1` report (as `report_to_dict` gives it) onto the labeled paths."""
    seen: dict[str, Observed] = {path: Observed() for path in labels}
    for f in report["files"]:
        o = seen.setdefault(owner(f["path"], labels), Observed())
        o.entries += 1
        o.contains_pi |= bool(f["contains_pi"])
        o.encrypted |= bool(f["encrypted"])
        for t, n in f["elements"].items():
            o.elements[t] = o.elements.get(t, 0) + int(n)
    for e in report["errors"]:
        seen.setdefault(owner(e["path"], labels), Observed()).errors.append(e["error"])
    return seen


@dataclass
class Prf:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, expected: int, found: int) -> None:
        self.tp += min(expected, found)
        self.fp += max(found - expected, 0)
        self.fn += max(expected - found, 0)


@dataclass(frozen=True)
class Miss:
    """One disagreement: `what` is `contains_pi`, `encrypted` or an element type."""

    path: str
    format: str
    scenario: str
    what: str
    expected: int
    found: int
    error: str = ""

    @property
    def kind(self) -> str:
        return "FN" if self.found < self.expected else "FP"


@dataclass
class Scores:
    files: Prf = field(default_factory=Prf)
    types: dict[str, Prf] = field(default_factory=lambda: {t: Prf() for t in ELEMENT_TYPES})
    elements: Prf = field(default_factory=Prf)
    misses: list[Miss] = field(default_factory=list)
    labeled: int = 0
    positives: int = 0


def _stray(path: str) -> Label:
    ext = path.rsplit("!", 1)[-1].rsplit(".", 1)[-1].lower()
    return Label(False, dict.fromkeys(ELEMENT_TYPES, 0), False, ext, "(unlabeled)")


def score(labels: Mapping[str, Label], seen: Mapping[str, Observed]) -> Scores:
    s = Scores(labeled=len(labels), positives=sum(x.contains_pi for x in labels.values()))
    for path in sorted(seen):
        label = labels.get(path) or _stray(path)
        o = seen[path]
        err = "; ".join(sorted(set(o.errors)))

        def miss(
            what: str,
            expected: int,
            found: int,
            *,
            path: str = path,
            label: Label = label,
            err: str = err,
        ) -> None:
            s.misses.append(Miss(path, label.format, label.scenario, what, expected, found, err))

        s.files.add(int(label.contains_pi), int(o.contains_pi))
        if label.contains_pi != o.contains_pi:
            miss("contains_pi", int(label.contains_pi), int(o.contains_pi))
        if label.encrypted != o.encrypted:
            miss("encrypted", int(label.encrypted), int(o.encrypted))
        for t in ELEMENT_TYPES:
            expected, found = label.elements.get(t, 0), o.elements.get(t, 0)
            s.types[t].add(expected, found)
            s.elements.add(expected, found)
            if expected != found:
                miss(t, expected, found)
    return s


def _row(name: str, prf: Prf) -> str:
    return (
        f"  {name:<22} {prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f}"
        f"   tp={prf.tp:<5} fp={prf.fp:<5} fn={prf.fn}"
    )


def figures(s: Scores, title: str = "wisp") -> str:
    """The table of figures: file level, then element level per type and overall."""
    lines = [
        f"{title}: {s.labeled} labeled files ({s.positives} with PI)",
        f"  {'':<22} {'P':>6} {'R':>6} {'F1':>6}",
        _row("file contains_pi", s.files),
    ]
    lines += [_row(t, s.types[t]) for t in ELEMENT_TYPES]
    lines.append(_row("elements overall", s.elements))
    return "\n".join(lines)


def miss_lines(misses: Iterable[Miss]) -> list[str]:
    """One line per miss (path, type, counts, error), then a tally by format and pattern."""
    misses = list(misses)
    lines = [
        f"  {m.kind} {m.what:<18} expected={m.expected:<3} found={m.found:<3} "
        f"{m.path} [{m.format}/{m.scenario}]{' error: ' + m.error if m.error else ''}"
        for m in misses
    ]
    tally = Counter((m.format, m.scenario, m.what, m.kind) for m in misses)
    if tally:
        lines.append("  by format / pattern:")
        lines += [
            f"    {n:>3} x {k} {what} in {fmt} / {scen}"
            for (fmt, scen, what, k), n in sorted(tally.items())
        ]
    return lines
