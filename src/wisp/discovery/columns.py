"""The search of a header-labelled column: its cells alone, not the whole table.

A column whose header says "SSN" or "Account" holds a candidate in nearly every cell. Its
cells, joined by line breaks, are scanned with one pattern's prefilter; where that fires, the
cells the precise pattern matches whole (checked at once) are candidates as they stand, and
only the other cells are scanned for candidates inside them. The results are those of a scan
of the whole table: an element lies within one cell (see `Pattern`), so the line breaks read
as the delimiters did, and every cell a precise pattern matches whole is where its prefilter
fires.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Iterable

from wisp.discovery.batch import Batch, Slot, checked, confirmed
from wisp.discovery.prefilter import Scanner
from wisp.discovery.table import Cells, Table

__all__ = ["column_batches", "line_start_regex"]

#: A pattern's leading global flags, "(?i)": kept in the flags when the pattern is wrapped.
_GLOBAL_FLAGS = re.compile(rb"^\(\?[aiLmsux]+\)")
_GROUP = operator.methodcaller("group")
_END = operator.methodcaller("end")
_NEXT = (1).__add__


def line_start_regex(regex: re.Pattern[bytes]) -> re.Pattern[bytes] | None:
    """`regex` anchored at the start of a line, for a `findall` over cells joined by line
    breaks; None for a regex with groups, whose `findall` would return them instead."""
    if regex.groups:
        return None
    body = _GLOBAL_FLAGS.sub(b"", regex.pattern, count=1)
    return re.compile(rb"(?<![^\n])(?:" + body + rb")", regex.flags)


def column_batches(
    slot: Slot, scanner: Scanner, text: bytes, table: Table, columns: Iterable[int]
) -> list[Batch]:
    """Candidates of `slot` (a pattern that needs context) in `columns` of `table`, whose
    headers give the context; `scanner` holds the slot's prefilter alone."""
    score = slot.pattern.boosted
    batches: list[Batch] = []
    for column in columns:
        if not scanner.fires(table.joined(column)):
            continue  # the usual case for all but the column's own pattern
        cells = table.cells(column)
        raws = _whole_column(slot, table, column)
        if raws is not None:
            batches.append(checked(slot, cells.starts, cells.ends, raws, score, cells.rows))
            continue
        matches = list(map(slot.regex.match, itertools.repeat(text), cells.starts))
        ends = [m.end() if m else -1 for m in matches]
        fits = list(map(operator.eq, ends, cells.ends))
        starts = list(itertools.compress(cells.starts, fits))
        if starts:
            found = list(itertools.compress(matches, fits))
            raws = list(map(bytes.decode, map(_GROUP, found)))
            lines = list(itertools.compress(cells.rows, fits))
            batches.append(checked(slot, starts, list(map(_END, found)), raws, score, lines))
        if len(starts) < len(cells.starts):
            rest = list(itertools.compress(range(len(fits)), map(operator.not_, fits)))
            batches.append(_scan_cells(slot, scanner, text, cells, rest))
    return batches


def _whole_column(slot: Slot, table: Table, column: int) -> list[str] | None:
    """The column's non-empty cells, decoded, if the precise pattern anchored at each matches
    it whole (one `findall` over them all); None otherwise."""
    if slot.whole is None:
        return None
    texts = table.column(column)
    cells = list(filter(None, texts))
    joined = table.joined(column) if len(cells) == len(texts) else b"\n".join(cells) + b"\n"
    if slot.whole.findall(joined) != cells:
        return None
    return joined[:-1].decode().split("\n")


def _scan_cells(slot: Slot, scanner: Scanner, text: bytes, cells: Cells, rest: list[int]) -> Batch:
    """Candidates of `slot` in the cells numbered `rest`, scanned joined by line breaks."""
    starts = [cells.starts[i] for i in rest]
    pieces = [text[start : cells.ends[i]] for start, i in zip(starts, rest, strict=True)]
    offsets = list(itertools.accumulate(map(_NEXT, map(len, pieces)), initial=0))
    hits = sorted({start for _, start, _ in scanner(b"\n".join(pieces) + b"\n")})
    cell = [bisect.bisect_right(offsets, hit) - 1 for hit in hits]
    found = [starts[c] + hit - offsets[c] for c, hit in zip(cell, hits, strict=True)]
    lines = [cells.rows[rest[c]] for c in cell]
    return confirmed(slot, text, found, slot.pattern.boosted, lines)
