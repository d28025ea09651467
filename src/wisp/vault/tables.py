"""Import files read as a header and numbered rows: CSV through `csv`, spreadsheets via calamine.

17.04(5): PI arriving in a spreadsheet goes into the vault, sealed, and the file can go.

Spreadsheets are read by discovery's extractor, which measures every sheet before calamine
allocates it (a 5 KB file can ask for billions of cells), refuses encrypted workbooks, and
turns tabs and line breaks inside cells into spaces. The first sheet with data is imported.
Row numbers are those a person sees: the header is row 1 of a CSV file, and a sheet's rows
keep the sheet's numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from wisp.discovery.extractors.base import ExtractContext
from wisp.discovery.extractors.spreadsheet import OdsExtractor, SpreadsheetExtractor, XlsExtractor
from wisp.discovery.extractors.text import decode_text
from wisp.discovery.models import Unit
from wisp.errors import ExtractError, InvalidInput

__all__ = ["MAX_IMPORT_BYTES", "Table", "read_table"]

#: The largest file an import reads (it is held in memory).
MAX_IMPORT_BYTES = 256 * 1024 * 1024
_DELIMITERS = ",\t;|"
_SPREADSHEETS = {
    **dict.fromkeys(SpreadsheetExtractor.EXTENSIONS, SpreadsheetExtractor),
    **dict.fromkeys(XlsExtractor.EXTENSIONS, XlsExtractor),
    **dict.fromkeys(OdsExtractor.EXTENSIONS, OdsExtractor),
}
_DELIMITED = frozenset({".csv", ".tsv", ".tab", ".psv", ".txt"})


@dataclass(frozen=True, slots=True)
class Table:
    """A file's column headers and its rows, each with its row number."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def column(self, index: int) -> list[str]:
        """The non-empty cells of one column, top to bottom."""
        cells = (row[index].strip() for _, row in self.rows if index < len(row))
        return [cell for cell in cells if cell]


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise InvalidInput(f"{path.name} is larger than {MAX_IMPORT_BYTES >> 20} MiB")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"cannot read {path.name}: {(exc.strerror or 'error').lower()}"
        ) from None


def _header(cells: list[str], name: str) -> tuple[str, ...]:
    header = tuple(cell.strip() for cell in cells)
    if not header or not all(header):
        raise InvalidInput(f"{name}: the first row must name every column")
    if len(set(header)) != len(header):
        raise InvalidInput(f"{name}: two columns have the same name")
    return header


def _delimited(data: bytes, name: str) -> Table:
    text = decode_text(data)
    first = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        raise InvalidInput(f"{name} is not a well-formed delimited file") from None
    if not rows:
        raise InvalidInput(f"{name} is empty")
    header = _header(rows[0], name)
    body = tuple(
        (number, tuple(cells))
        for number, cells in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in cells)
    )
    return Table(header, body)


def _spreadsheet(data: bytes, name: str, suffix: str) -> Table:
    extractor = _SPREADSHEETS[suffix]()
    try:
        unit = next(
            (u for u in extractor.extract(data, ExtractContext(name)) if isinstance(u, Unit)), None
        )
    except ExtractError as exc:
        raise InvalidInput(f"{name}: {exc}") from None
    if unit is None:
        raise InvalidInput(f"{name} holds no data")
    lines = [line.split("\t") for line in unit.text.decode("utf-8").split("\n")[:-1]]
    first = unit.first_line
    if unit.columns:
        header = _header(list(unit.columns), name)
        numbered = enumerate(lines, start=first)
    else:
        header = _header(lines[0], name)
        numbered = enumerate(lines[1:], start=first + 1)
    body = tuple((n, tuple(cells)) for n, cells in numbered if any(c.strip() for c in cells))
    return Table(header, body)


def read_table(path: Path) -> Table:
    """The header and rows of a CSV (or TSV) file or a spreadsheet; InvalidInput otherwise."""
    suffix = path.suffix.lower()
    if suffix not in _SPREADSHEETS and suffix not in _DELIMITED:
        raise InvalidInput(f"{path.name}: import reads CSV and spreadsheet (XLSX) files")
    data = _read(path)
    if suffix in _SPREADSHEETS:
        return _spreadsheet(data, path.name, suffix)
    return _delimited(data, path.name)
