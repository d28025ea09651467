"""Where a table unit's lines and cells are: found once per unit, shared by every search that
needs them (the header-labelled columns, the name columns).

Columns are counted as the engine always has: a line's cells are split by the unit's
delimiter, the first is column 0, and a line with fewer cells has none in the later columns.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["Cells", "Table"]

#: A start past the end of every line: `bytes.find` from there finds nothing.
_PAST = 1 << 62
#: Columns this close to an end of the line have their offsets from the lengths of the cells
#: on that side, which are split with them; others from a `find` per line and delimiter.
_NEAR_END = 4
#: Bytes split at a time when every line has as many cells: the pieces of one block are all
#: that is held at once, however large the table.
_BLOCK = 1 << 20


class Cells(NamedTuple):
    """The non-empty cells of one column, in row order: line index and byte offsets."""

    rows: list[int]
    starts: list[int]
    ends: list[int]


class Table:
    """The lines of a TABLE unit's text and the cells of its columns, computed on first use.

    Everything is done with C-level calls over many lines at once: a dense export has tens of
    thousands. When every line has as many cells, blocks of lines are split whole and a
    column is a slice of the pieces; otherwise each line is split as far as the columns asked
    for. Offsets cost one `find` per line for each delimiter passed, from the nearer end.
    """

    __slots__ = (
        "_cells",
        "_columns",
        "_count",
        "_delims",
        "_ends",
        "_joined",
        "_lines",
        "_short",
        "_split_count",
        "_starts",
        "_wanted",
        "delimiter",
        "text",
    )

    def __init__(self, text: bytes, delimiter: bytes) -> None:
        self.text = text
        self.delimiter = delimiter
        self._lines: list[bytes] | None = None
        self._starts: list[int] = []
        self._ends: list[int] = []
        #: Delimiters on every line, if all lines have the same number; -1 until known.
        self._count: int | None = -1
        #: `_count` when blocks were split whole (and every column near an end kept).
        self._split_count = -1
        self._wanted: set[int] = set()
        self._columns: dict[int, list[bytes]] = {}
        self._short: set[int] = set()  # columns that some line has no cell in
        #: k -> offset of each line's k-th delimiter (k >= 1), -1 on lines with fewer.
        self._delims: dict[int, list[int]] = {}
        self._cells: dict[int, Cells] = {}
        self._joined: dict[int, bytes] = {}

    @property
    def lines(self) -> list[bytes]:
        """The text's lines, without their line breaks."""
        return self._lines if self._lines is not None else self._split()

    def require(self, columns: Iterable[int]) -> None:
        """Say which columns will be asked for, so that they are split in one pass."""
        self._wanted.update(columns)

    def column(self, column: int) -> list[bytes]:
        """The cell of every line in `column` (0-based); b"" where a line has none."""
        known = self._columns.get(column)
        if known is None:
            self._wanted.add(column)
            wanted = sorted(self._wanted - self._columns.keys())
            if not self._split_blocks(wanted):
                self._split_lines(wanted)
            known = self._columns[column]
        return known

    def complete(self, column: int) -> bool:
        """Whether every line has a cell (maybe empty) in `column`."""
        self.column(column)
        return column not in self._short

    def joined(self, column: int) -> bytes:
        """`column`'s cells, each on a line of its own."""
        known = self._joined.get(column)
        if known is None:
            known = self._joined[column] = b"\n".join(self.column(column)) + b"\n"
        return known

    def cells(self, column: int) -> Cells:
        """The non-empty cells of `column`, in row order, with their offsets."""
        known = self._cells.get(column)
        if known is not None:
            return known
        texts = self.column(column)
        if column == 0:
            starts = list(self._starts)
        elif self._count is not None and 0 < column <= self._count == self._split_count:
            starts = self._offsets(column, self._count)
        else:
            starts = _after(self._delim(column), len(self.delimiter))
        ends = list(map(operator.add, starts, map(len, texts)))
        if all(texts):
            cells = Cells(list(range(len(texts))), starts, ends)
        else:
            keep = list(map(bool, texts))  # drops lines without the column too
            cells = Cells(
                list(itertools.compress(range(len(texts)), keep)),
                list(itertools.compress(starts, keep)),
                list(itertools.compress(ends, keep)),
            )
        self._cells[column] = cells
        return cells

    def _offsets(self, column: int, count: int) -> list[int]:
        """Where `column`'s cells start, from the lengths of the cells between it and the
        nearer end of the line (all lines have `count` delimiters, split by blocks)."""
        near = _nearer_end(column, count)
        if near is None:
            return _after(self._delim(column), len(self.delimiter))
        width = len(self.delimiter).__add__  # a cell and the delimiter after or before it
        if near.start > column:  # from the end of the line
            starts = list(map(operator.sub, self._ends, map(len, self._columns[count])))
            for k in range(count - 1, column - 1, -1):
                starts = list(map(operator.sub, starts, map(width, map(len, self._columns[k]))))
            return starts
        starts = self._starts
        for k in near:
            starts = list(map(operator.add, starts, map(width, map(len, self._columns[k]))))
        return starts

    def _split(self) -> list[bytes]:
        lines = self.text.split(b"\n")
        if not lines[-1]:
            lines.pop()  # the text ends with a line break
        starts = list(itertools.accumulate(map((1).__add__, map(len, lines)), initial=0))
        starts.pop()
        self._ends = list(map(operator.add, starts, map(len, lines)))
        self._starts = starts
        self._lines = lines
        return lines

    def _split_blocks(self, wanted: list[int]) -> bool:
        """Fill `wanted` columns from blocks of lines split whole; False (and nothing filled)
        unless every line has as many cells."""
        lines = self.lines
        if not lines or self._count is None:
            return False
        count = lines[0].count(self.delimiter)
        if count == 0:
            return False
        # The cells between each column and the nearer end of the line too: their lengths
        # give the column's offsets (slicing a column costs little once blocks are split).
        more = set(wanted)
        for j in wanted:
            more.update(_nearer_end(j, count) or ())
        found: dict[int, list[bytes]] = {j: [] for j in more - self._columns.keys()}
        step = max(1, _BLOCK * len(lines) // max(len(self.text), 1))
        for first in range(0, len(lines), step):
            last = min(first + step, len(lines)) - 1
            block = self.text[self._starts[first] : self._ends[last] + 1]
            if not _slice_block(block, self.delimiter, count, last - first + 1, found):
                self._count = None
                return False
        self._count = self._split_count = count
        for j, cells in found.items():
            self._columns[j] = cells
            if j > count:
                self._short.add(j)
        return True

    def _split_lines(self, wanted: list[int]) -> None:
        """Fill `wanted` columns by splitting each line as far as the last of them."""
        splits = max(wanted) + 1
        parts = list(map(operator.methodcaller("split", self.delimiter, splits), self.lines))
        shortest = min(map(len, parts), default=splits + 1)
        for j in wanted:
            if shortest > j:
                self._columns[j] = list(map(operator.itemgetter(j), parts))
            else:
                self._columns[j] = [p[j] if len(p) > j else b"" for p in parts]
                self._short.add(j)

    def _delim(self, k: int) -> list[int]:
        """The offset of each line's k-th delimiter (k >= 1), -1 where a line has fewer."""
        known = self._delims.get(k)
        if known is not None:
            return known
        if self._lines is None:
            self._split()
        count = self._count if self._count != -1 else None
        if count is not None and k > count:
            found = [-1] * len(self._starts)
        elif count is not None and count + 1 - k < k:
            found = self._from_right(k, count)
        else:
            found = self._from_left(k)
        self._delims[k] = found
        return found

    def _from_left(self, k: int) -> list[int]:
        text, delimiter = self.text, self.delimiter
        step = max((j for j in self._delims if j < k), default=0)
        found = self._delims[step] if step else []
        while step < k:
            after = _after(found, len(delimiter)) if step else self._starts
            found = list(map(text.find, itertools.repeat(delimiter), after, self._ends))
            step += 1
            self._delims[step] = found
        return found

    def _from_right(self, k: int, count: int) -> list[int]:
        # Every line has `count` delimiters: the k-th from the left is a few from the right.
        text, delimiter = self.text, self.delimiter
        step = min((j for j in self._delims if k < j <= count), default=count + 1)
        found = self._ends if step > count else self._delims[step]
        while step > k:
            found = list(map(text.rfind, itertools.repeat(delimiter), self._starts, found))
            step -= 1
            self._delims[step] = found
        return found


def _slice_block(
    block: bytes, delimiter: bytes, count: int, lines: int, found: dict[int, list[bytes]]
) -> bool:
    """Add the cells of `block` (whole lines, `count` delimiters each) to `found`'s columns;
    False if a line has another number of delimiters."""
    pieces = block.split(delimiter)
    if len(pieces) != count * lines + 1:
        return False
    # Each line's last cell and the next line's first are one piece ("last\nfirst"): with as
    # many delimiters as expected, every line has `count` exactly iff each such piece has the
    # line's break.
    seams = pieces[count::count]
    if -1 in map(bytes.find, seams, itertools.repeat(b"\n")):
        return False
    edges = b"\n".join(seams).split(b"\n")  # last, first, last, first, ..., last, ""
    for j, cells in found.items():
        if j == 0:
            cells.append(pieces[0])
            cells.extend(edges[1:-1:2])
        elif j == count:
            cells.extend(edges[0::2])
        elif j < count:
            cells.extend(pieces[j::count])
        else:
            cells.extend(itertools.repeat(b"", lines))
    return True


def _nearer_end(column: int, count: int) -> range | None:
    """The columns between `column` and the nearer end of a line with `count` delimiters
    (after it if nearer the end, maybe none), if few enough to split for its offsets."""
    if count - column < column:
        near = range(column + 1, count + 1)
    else:
        near = range(min(column, count + 1))
    return near if len(near) <= _NEAR_END else None


def _after(found: list[int], width: int) -> list[int]:
    """The offset just after each delimiter (`width` bytes); past every line without one."""
    if -1 in found:
        return [f + width if f >= 0 else _PAST for f in found]
    return list(map(width.__add__, found))
