"""The HTML report: self-contained, escaped, plain-worded and holding masked values only."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from importlib import resources
from typing import TYPE_CHECKING

import pytest

from wisp.discovery.models import FileResult, Finding, ScanReport
from wisp.discovery.render.html import FINDINGS_SHOWN, HtmlRenderer, describe_location

if TYPE_CHECKING:
    from conftest import Sample


class _Page(HTMLParser):
    """Collects tags, the text of each table cell and of each heading."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.headings: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("td", "h3"):
            self._into = self.cells if tag == "td" else self.headings
            self._into.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "h3"):
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def _render(report: ScanReport) -> str:
    out = io.StringIO()
    HtmlRenderer().render(report, out)
    return out.getvalue()


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_template_is_a_package_resource() -> None:
    template = resources.files("wisp.discovery.render").joinpath("templates/scan.html.j2")
    assert template.is_file()


def test_hostile_path_is_escaped(report: ScanReport, sample: Sample) -> None:
    text = _render(report)
    assert sample.hostile not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; &#39;n&#39;" in text
    page = _parse(text)
    assert "script" not in page.tags
    assert sample.hostile in page.cells
    assert page.headings == [sample.hostile]


def test_page_is_self_contained(report: ScanReport) -> None:
    text = _render(report).lower()
    for external in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert external not in text
    assert "<style>" in text
    assert "content-security-policy" in text


def test_tables_hold_the_counts(report: ScanReport, sample: Sample) -> None:
    cells = _parse(_render(report)).cells
    row = cells[cells.index(sample.hostile) :][:7]
    assert row == [sample.hostile, "csv", "2", "3", "1", "0", "0"]
    assert [sample.encrypted, "xlsx", "4.1 KB"] == cells[cells.index(sample.encrypted) :][:3]
    assert [sample.broken, "not a PDF file"] == cells[cells.index(sample.broken) :][:2]


def test_findings_are_listed_masked(report: ScanReport, sample: Sample) -> None:
    text = _render(report)
    cells = _parse(text).cells
    assert ["Social Security number", "row 2, column SSN", sample.masked[0]] == cells[
        cells.index("Social Security number") :
    ][:3]
    assert all(m in cells for m in sample.masked)
    assert not sample.unmasked.search(text)
    assert "Showing the first 3 of 4 numbers found." in text


def test_findings_per_file_are_capped() -> None:
    findings = [
        Finding("US_SSN", {"line": n}, f"***-**-{n:04d}", f"{n:032x}", 0.9) for n in range(30)
    ]
    f = FileResult(
        "a.txt",
        "text",
        10,
        contains_pi=True,
        pi_records=30,
        elements={"US_SSN": 30},
        findings=findings,
    )
    cells = _parse(_render(ScanReport(root=".", files=[f]))).cells
    assert sum(c.startswith("***-**-") for c in cells) == FINDINGS_SHOWN


def test_empty_report_says_so_plainly() -> None:
    text = _render(ScanReport(root="/home/office"))
    assert "No file with personal information was found." in text
    assert "Every file could be read." in text
    assert "/home/office" in text


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ({"line": 12}, "line 12"),
        ({"row": 4, "column": "SSN", "sheet": "Payroll"}, "sheet Payroll, row 4, column SSN"),
        ({"page": 3, "line": 7}, "page 3, line 7"),
        ({"zone": "x"}, "zone x"),
        ({}, "somewhere in the file"),
    ],
)
def test_describe_location(location: dict[str, str | int], words: str) -> None:
    assert describe_location(location) == words
