"""The CSV report: one row per scanned file and one per error, for spreadsheets.

Columns are documented in docs/scan-json.md; cells a spreadsheet would run as a formula are
defused with a leading apostrophe.
"""

from __future__ import annotations

import csv
from typing import TextIO

from wisp.discovery.models import ELEMENT_TYPES, FileResult, ScanError, ScanReport
from wisp.discovery.render.base import Renderer

__all__ = ["COLUMNS", "CsvRenderer"]

#: The header row, in order.
COLUMNS: tuple[str, ...] = (
    "path",
    "format",
    "bytes",
    "encrypted",
    "contains_pi",
    "pi_records",
    *ELEMENT_TYPES,
    "error",
)

# Excel, LibreOffice and Sheets treat a cell starting with one of these as a formula; a file
# named "=HYPERLINK(...)" must not become one when the office manager opens the report.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _file_row(f: FileResult) -> dict[str, str | int]:
    row: dict[str, str | int] = {
        "path": _cell(f.path),
        "format": _cell(f.format),
        "bytes": f.bytes,
        "encrypted": _flag(f.encrypted),
        "contains_pi": _flag(f.contains_pi),
        "pi_records": f.pi_records,
        "error": "",
    }
    for kind in ELEMENT_TYPES:
        row[kind] = f.elements.get(kind, 0)
    return row


def _error_row(e: ScanError) -> dict[str, str | int]:
    return {"path": _cell(e.path), "error": _cell(e.error)}


class CsvRenderer(Renderer):
    """`--format csv`: header, file rows, then error rows (path and error only)."""

    FORMAT = "csv"
    SUFFIX = ".csv"

    def render(self, report: ScanReport, out: TextIO) -> None:
        # "\n" rather than the RFC's "\r\n": `out` is a text stream we did not open, and one
        # opened without newline="" would turn "\r\n" into "\r\r\n" on Windows.
        writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(_file_row(f) for f in report.files)
        writer.writerows(_error_row(e) for e in report.errors)
