"""The terminal report (`--format table`, the default): a summary line and rich tables.

Paths and error lines are user data: they are printed as plain text, never as rich markup,
and control characters are shown escaped so a file name cannot drive the terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import TextIO

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from wisp.discovery.models import ELEMENT_TYPES, FileResult, ScanReport
from wisp.discovery.render.base import Renderer

__all__ = ["LISTED", "TableRenderer", "printable"]

#: Encrypted files and errors listed by name; the rest are counted.
LISTED = 20
#: Narrower than this, each section is an indented list rather than a table.
_NARROW = 64

_HEADINGS: Mapping[str, str] = {
    "US_SSN": "SSN",
    "CREDIT_CARD": "Card",
    "US_DRIVER_LICENSE": "License/ID",
    "US_BANK_NUMBER": "Account",
}


def printable(text: str) -> str:
    """`text` with control and format characters (ESC, newline, bidi overrides) escaped."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _summary(report: ScanReport, encrypted: int) -> Text:
    s = report.summary
    line = Text(f"Scanned {_plural(s.files_scanned, 'file')} ({s.bytes_scanned:,} bytes)")
    line.append(f" in {s.seconds:.1f} s: ")
    line.append(
        f"{s.files_with_pi:,} with personal information",
        style="bold red" if s.files_with_pi else "bold green",
    )
    line.append(f", {encrypted:,} encrypted, {len(report.errors):,} could not be read.")
    return line


def _pi_table(files: Sequence[FileResult]) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Path", overflow="fold", ratio=1, min_width=12)
    table.add_column("Records", justify="right", no_wrap=True)
    for kind in ELEMENT_TYPES:
        table.add_column(_HEADINGS.get(kind, kind), justify="right", no_wrap=True)
    for f in files:
        counts = [f"{f.elements.get(k, 0):,}" for k in ELEMENT_TYPES]
        table.add_row(Text(printable(f.path)), f"{f.pi_records:,}", *counts)
    return table


def _indented(pairs: Sequence[tuple[str, str]]) -> Group:
    # A wrapped line keeps its indent, so a long path stays visibly one entry.
    parts: list[Padding] = []
    for head, detail in pairs:
        parts.append(Padding(Text(head), (0, 0, 0, 2), expand=False))
        parts.append(Padding(Text(detail), (0, 0, 0, 4), expand=False))
    return Group(*parts)


def _pi_list(files: Sequence[FileResult]) -> Group:
    # Below _NARROW columns a six-column table truncates its headings; one entry per line
    # instead keeps every path and count whole.
    entries = []
    for f in files:
        counts = ", ".join(
            f"{_HEADINGS.get(k, k)} {f.elements.get(k, 0):,}"
            for k in ELEMENT_TYPES
            if f.elements.get(k, 0)
        )
        entries.append((printable(f.path), f"{_plural(f.pi_records, 'record')}: {counts}"))
    return _indented(entries)


def _listing(rows: Sequence[tuple[str, str]], second: str, narrow: bool) -> Table | Group:
    more = f"first {LISTED} listed, {len(rows) - LISTED:,} more" if len(rows) > LISTED else ""
    if narrow:
        label = second.lower()
        shown = [(printable(p), f"{label}: {printable(d)}") for p, d in rows[:LISTED]]
        group = _indented(shown)
        return Group(group, Text(f"  ({more})")) if more else group
    table = Table(box=box.SIMPLE_HEAD, caption=more or None)
    table.add_column("Path", overflow="fold", ratio=2, min_width=12)
    table.add_column(second, overflow="fold", ratio=1, min_width=8)
    for path, detail in rows[:LISTED]:
        table.add_row(Text(printable(path)), Text(printable(detail)))
    return table


def _section(console: Console, title: str, count: int, body: Table | Group) -> None:
    console.print()
    console.print(Text(f"{title}: {count:,}", style="bold"))
    console.print(body)


class TableRenderer(Renderer):
    """`--format table`: readable at any terminal width; colour only on a terminal."""

    FORMAT = "table"
    SUFFIX = ".txt"

    def __init__(self, width: int | None = None) -> None:
        #: Fixed output width; None lets rich use the terminal's (or $COLUMNS, or 80).
        self.width = width

    def render(self, report: ScanReport, out: TextIO) -> None:
        console = Console(file=out, width=self.width, markup=False, highlight=False, emoji=False)
        narrow = console.width < _NARROW
        encrypted = [(f.path, f.format) for f in report.files if f.encrypted]
        errors = [(e.path, e.error) for e in report.errors]
        with_pi = sorted((f for f in report.files if f.contains_pi), key=lambda f: -f.pi_records)
        console.print(_summary(report, len(encrypted)))
        if with_pi:
            body = _pi_list(with_pi) if narrow else _pi_table(with_pi)
            _section(console, "Files with personal information", len(with_pi), body)
        if encrypted:
            body = _listing(encrypted, "Format", narrow)
            _section(console, "Encrypted files (contents not checked)", len(encrypted), body)
        if errors:
            body = _listing(errors, "Reason", narrow)
            _section(console, "Files that could not be read", len(errors), body)
