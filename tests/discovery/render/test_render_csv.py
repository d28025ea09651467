"""The CSV report: a header, one row per file, one per error, spreadsheet-safe cells."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from wisp.discovery.models import ELEMENT_TYPES, FileResult, ScanReport
from wisp.discovery.render.csv import COLUMNS, CsvRenderer

if TYPE_CHECKING:
    from conftest import Sample


def _render(report: ScanReport) -> str:
    out = io.StringIO()
    CsvRenderer().render(report, out)
    return out.getvalue()


def _rows(report: ScanReport) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_render(report), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or ()), rows


def test_header_names_every_column_in_order() -> None:
    header, rows = _rows(ScanReport(root="."))
    assert header == [
        "path",
        "format",
        "bytes",
        "encrypted",
        "contains_pi",
        "pi_records",
        *ELEMENT_TYPES,
        "error",
    ]
    assert header == list(COLUMNS)
    assert rows == []


def test_file_with_pi_row(report: ScanReport, sample: Sample) -> None:
    _, rows = _rows(report)
    assert len(rows) == 3
    row = rows[0]
    assert row["path"] == sample.hostile
    assert (row["format"], row["bytes"], row["encrypted"]) == ("csv", "2048", "false")
    assert (row["contains_pi"], row["pi_records"]) == ("true", "2")
    assert [row[k] for k in ELEMENT_TYPES] == ["3", "1", "0", "0"]
    assert row["error"] == ""


def test_encrypted_row(report: ScanReport, sample: Sample) -> None:
    row = _rows(report)[1][1]
    assert row["path"] == sample.encrypted
    assert (row["encrypted"], row["contains_pi"], row["pi_records"]) == ("true", "false", "0")


def test_error_row_has_only_path_and_error(report: ScanReport, sample: Sample) -> None:
    row = _rows(report)[1][2]
    assert row["path"] == sample.broken
    assert row["error"] == "not a PDF file"
    assert all(row[k] == "" for k in COLUMNS if k not in ("path", "error"))


def test_formula_paths_are_defused() -> None:
    report = ScanReport(root=".", files=[FileResult(path="=HYPERLINK(1)", format="txt", bytes=1)])
    assert _rows(report)[1][0]["path"] == "'=HYPERLINK(1)"


def test_masked_values_only(report: ScanReport, sample: Sample) -> None:
    # The CSV holds counts, not findings: not even the masked forms appear.
    text = _render(report)
    assert not any(m in text for m in sample.masked)
    assert not sample.unmasked.search(text)
