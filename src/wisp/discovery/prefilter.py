"""Multi-pattern scanning: one pass over a buffer for many patterns, on Hyperscan or `re`.

Scanners report (pattern id, start, end) for every match; the ids are the caller's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Hits", "Scanner", "Starts", "compile_scanner", "hyperscan_available"]

#: (pattern id, start, end) of each match.
Hits = list[tuple[int, int, int]]
#: Pattern id -> start offsets of its matches (unsorted, maybe repeated).
Starts = dict[int, list[int]]


class Scanner:
    """Compiled patterns: every match in a buffer, or only whether there is one."""

    def __call__(self, text: bytes) -> Hits:
        return []

    def starts(self, text: bytes, into: Starts) -> None:
        """Add the start of each match to `into` under its pattern's id."""
        self.starts_within(text, [(0, len(text))], into)

    def starts_within(self, text: bytes, spans: list[tuple[int, int]], into: Starts) -> None:
        """`starts` of the matches in each [lo, hi) of `spans`, each scanned on its own."""
        for lo, hi in spans:
            for ident, start, _ in self(text[lo:hi]):
                into.setdefault(ident, []).append(start + lo)

    def fires(self, text: bytes) -> bool:
        """Whether any pattern matches `text`; stops at the first match."""
        return False


def hyperscan_available() -> bool:
    """Whether the Hyperscan engine can be used on this machine."""
    return _hyperscan([(0, "a")], caseless=False) is not None


def compile_scanner(
    patterns: Sequence[tuple[int, str]], *, caseless: bool, use_hyperscan: bool = True
) -> Scanner:
    """A scanner for (id, regex) pairs; Hyperscan reports the leftmost start of each match
    (or, `caseless`, every match of plain words); `re` stands in where Hyperscan cannot run."""
    if not patterns:
        return Scanner()
    fast = _hyperscan(patterns, caseless=caseless) if use_hyperscan else None
    return fast or _ReScanner(patterns, caseless=caseless)


class _HyperscanScanner(Scanner):
    def __init__(self, db: Any, stop: type[Exception]) -> None:
        self._db = db
        self._stop = stop

    def __call__(self, text: bytes) -> Hits:
        hits: Hits = []
        add = hits.append

        def on_match(ident: int, start: int, end: int, _flags: int, _ctx: object) -> None:
            add((ident, start, end))

        self._db.scan(text, match_event_handler=on_match)
        return hits

    def starts(self, text: bytes, into: Starts) -> None:
        # A dense table has a match every few dozen bytes: no tuple per match, no sort of them.
        lists = _Lists(into)

        def on_match(ident: int, start: int, _end: int, _flags: int, _ctx: object) -> None:
            lists[ident](start)

        self._db.scan(text, match_event_handler=on_match)

    def starts_within(self, text: bytes, spans: list[tuple[int, int]], into: Starts) -> None:
        lists = _Lists(into)
        offset = 0

        def on_match(ident: int, start: int, _end: int, _flags: int, _ctx: object) -> None:
            lists[ident](start + offset)

        scan = self._db.scan
        for offset, hi in spans:
            scan(text[offset:hi], match_event_handler=on_match)

    def fires(self, text: bytes) -> bool:
        try:
            self._db.scan(text, match_event_handler=_halt)
        except self._stop:
            return True
        return False


class _Lists(dict[int, Callable[[int], None]]):
    """Pattern id -> the `append` of its list in a `Starts`, looked up once per id."""

    def __init__(self, into: Starts) -> None:
        super().__init__()
        self._into = into

    def __missing__(self, ident: int) -> Callable[[int], None]:
        append = self[ident] = self._into.setdefault(ident, []).append
        return append


def _halt(*_args: object) -> bool:
    return True  # a true return value stops the scan (hyperscan.ScanTerminated)


def _hyperscan(patterns: Sequence[tuple[int, str]], *, caseless: bool) -> Scanner | None:
    try:
        import hyperscan
    except ImportError:  # pragma: no cover - the wheel is a dependency; this is for odd CPUs
        return None
    flags = hyperscan.HS_FLAG_CASELESS if caseless else hyperscan.HS_FLAG_SOM_LEFTMOST
    db = hyperscan.Database()
    try:
        db.compile(
            expressions=[regex.encode() for _, regex in patterns],
            ids=[ident for ident, _ in patterns],
            elements=len(patterns),
            flags=[flags] * len(patterns),
        )
    except hyperscan.error:  # pragma: no cover - a plugin pattern Hyperscan cannot compile
        return None
    return _HyperscanScanner(db, hyperscan.ScanTerminated)


class _ReScanner(Scanner):
    def __init__(self, patterns: Sequence[tuple[int, str]], *, caseless: bool) -> None:
        flags = re.IGNORECASE if caseless else 0
        self._compiled = [(ident, re.compile(regex.encode(), flags)) for ident, regex in patterns]

    def __call__(self, text: bytes) -> Hits:
        return [(i, m.start(), m.end()) for i, rx in self._compiled for m in rx.finditer(text)]

    def fires(self, text: bytes) -> bool:
        return any(rx.search(text) is not None for _, rx in self._compiled)
