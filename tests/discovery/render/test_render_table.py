"""The terminal report: summary, files with PI, encrypted files and errors, at any width."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from wisp.discovery.models import FileResult, ScanError, ScanReport
from wisp.discovery.render.table import LISTED, TableRenderer, printable

if TYPE_CHECKING:
    from conftest import Sample


def _render(report: ScanReport, width: int = 120) -> str:
    out = io.StringIO()
    TableRenderer(width=width).render(report, out)
    return out.getvalue()


def _in_order(needle: str, haystack: str) -> bool:
    rest = iter(haystack)
    return all(ch in rest for ch in needle)


def test_summary_line(report: ScanReport) -> None:
    first = _render(report).splitlines()[0]
    assert first.startswith("Scanned 2 files (6,144 bytes)")
    assert "1 with personal information, 1 encrypted, 1 could not be read." in first


def test_pi_table_row(report: ScanReport, sample: Sample) -> None:
    text = _render(report, width=160)
    [row] = [line for line in text.splitlines() if sample.hostile in line]
    assert row.split(sample.hostile)[1].split() == ["2", "3", "1", "0", "0"]


def test_encrypted_and_errors_are_listed(report: ScanReport, sample: Sample) -> None:
    text = _render(report)
    assert "Encrypted files (contents not checked): 1" in text
    assert sample.encrypted in text
    assert "Files that could not be read: 1" in text
    assert printable(sample.broken) in text
    assert "not a PDF file" in text


def test_long_lists_show_the_first_ones() -> None:
    errors = [ScanError(f"bad-{n:02d}.pdf", "damaged") for n in range(LISTED + 5)]
    text = _render(ScanReport(root=".", errors=errors))
    assert "Files that could not be read: 25\n" in text
    assert f"bad-{LISTED - 1:02d}.pdf" in text
    assert f"bad-{LISTED:02d}.pdf" not in text
    assert "5 more" in text


@pytest.mark.parametrize("width", [20, 40, 63, 64, 80, 200])
def test_every_width_keeps_lines_within_and_paths_whole(
    report: ScanReport, sample: Sample, width: int
) -> None:
    text = _render(report, width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    # A folded path shares its lines with the counts beside it: check it is all there, in order.
    squeezed = "".join(text.split())
    for path in (sample.hostile, sample.encrypted, printable(sample.broken)):
        assert _in_order("".join(path.split()), squeezed)
    assert "…" not in text


def test_file_names_cannot_drive_the_terminal_or_rich_markup() -> None:
    f = FileResult(
        "evil\x1b[2J[bold red]x[/bold red]\u202egpj.exe", "text", 1, contains_pi=True, pi_records=1
    )
    text = _render(ScanReport(root=".", files=[f]))
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "evil\\x1b[2J[bold red]x[/bold red]\\u202egpj.exe" in text


def test_masked_values_only(report: ScanReport, sample: Sample) -> None:
    # The terminal shows counts, not findings.
    text = _render(report)
    assert not any(m in text for m in sample.masked)
    assert not sample.unmasked.search(text)
