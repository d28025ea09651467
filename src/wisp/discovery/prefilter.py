"""Multi-pattern scanning: one pass over a buffer for many patterns, on Hyperscan or `re`.

Scanners report (pattern id, start, end) for every match; the ids are the caller's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = ["Hits", "Scanner", "compile_scanner", "hyperscan_available"]

#: (pattern id, start, end) of each match.
Hits = list[tuple[int, int, int]]
Scanner = Callable[[bytes], Hits]


def hyperscan_available() -> bool:
    """Whether the Hyperscan engine can be used on this machine."""
    return _hyperscan([(0, "a")], caseless=False) is not None


def compile_scanner(
    patterns: Sequence[tuple[int, str]], *, caseless: bool, use_hyperscan: bool = True
) -> Scanner:
    """A scanner for (id, regex) pairs; Hyperscan reports the leftmost start of each match
    (or, `caseless`, every match of plain words); `re` stands in where Hyperscan cannot run."""
    if not patterns:
        return lambda _text: []
    fast = _hyperscan(patterns, caseless=caseless) if use_hyperscan else None
    return fast or _re(patterns, caseless=caseless)


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

    def scan(text: bytes) -> Hits:
        hits: Hits = []
        add = hits.append

        def on_match(ident: int, start: int, end: int, _flags: int, _ctx: object) -> None:
            add((ident, start, end))

        db.scan(text, match_event_handler=on_match)
        return hits

    return scan


def _re(patterns: Sequence[tuple[int, str]], *, caseless: bool) -> Scanner:
    flags = re.IGNORECASE if caseless else 0
    compiled = [(ident, re.compile(regex.encode(), flags)) for ident, regex in patterns]

    def scan(text: bytes) -> Hits:
        return [(i, m.start(), m.end()) for i, rx in compiled for m in rx.finditer(text)]

    return scan
