"""Table: a table unit's lines and cells, as splitting each line by the delimiter gives them."""

from __future__ import annotations

import random

import pytest

from wisp.discovery import table as table_module
from wisp.discovery.table import Table

CELLS = ["", "", "a", "Zyxlo", "345678901", "345-67-8901", "x y", "0", "12345678901234"]


def _text(rnd: random.Random, delimiter: bytes, width: int, ragged: bool) -> bytes:
    """Random lines of `width` cells; `ragged`, some lines have fewer or more."""
    lines = []
    for _ in range(rnd.randrange(1, 60)):
        count = width + (rnd.choice([-2, -1, 1, 2]) if ragged and rnd.random() < 0.2 else 0)
        cells = [rnd.choice(CELLS).encode() for _ in range(max(count, 1))]
        lines.append(delimiter.join(cells))
    return b"\n".join(lines) + b"\n"


def _expected(text: bytes, delimiter: bytes, column: int) -> tuple[list[bytes], list[tuple]]:
    """The column's cell on every line (b"" if none) and (line, start, end) of non-empty ones."""
    texts, spans, offset = [], [], 0
    for row, line in enumerate(text.split(b"\n")[:-1]):
        cells = line.split(delimiter)
        cell = cells[column] if column < len(cells) else b""
        texts.append(cell)
        if cell:
            start = offset + sum(len(c) + len(delimiter) for c in cells[:column])
            spans.append((row, start, start + len(cell)))
        offset += len(line) + 1
    return texts, spans


@pytest.mark.parametrize("delimiter", [b",", b"\t", b";", b"|", b" | "])
@pytest.mark.parametrize("ragged", [False, True], ids=["even", "ragged"])
@pytest.mark.parametrize("block", [1 << 20, 40], ids=["one-block", "many-blocks"])
def test_cells_are_as_splitting_lines_gives_them(monkeypatch, delimiter, ragged, block):
    monkeypatch.setattr(table_module, "_BLOCK", block)
    rnd = random.Random(f"{delimiter!r}{ragged}{block}")
    for _ in range(40):
        width = rnd.randrange(1, 12)
        text = _text(rnd, delimiter, width, ragged)
        table = Table(text, delimiter)
        table.require(rnd.sample(range(width + 2), rnd.randrange(0, 3)))
        for column in rnd.sample(range(width + 2), width + 2):
            texts, spans = _expected(text, delimiter, column)
            cells = table.cells(column)
            got = (table.column(column), list(zip(*cells, strict=True)))
            assert got == (texts, spans)
            complete = all(column < len(line.split(delimiter)) for line in table.lines)
            assert table.complete(column) is complete
            assert table.joined(column) == b"".join(t + b"\n" for t in texts)


def test_lines_are_the_text_without_line_breaks():
    assert Table(b"a,b\n\nc\n", b",").lines == [b"a,b", b"", b"c"]


def test_an_empty_table_has_no_cells():
    table = Table(b"", b",")
    assert (table.lines, table.column(2), table.cells(0).rows) == ([], [], [])
