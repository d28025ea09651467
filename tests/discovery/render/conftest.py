"""A hand-built ScanReport for the renderer tests: PI, encryption, an error, a hostile path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from wisp.discovery.models import FileResult, Finding, ScanError, ScanReport, ScanSummary


@dataclass(frozen=True)
class Sample:
    """The report and the facts the tests check it against."""

    #: A path that breaks naive HTML, CSV and URI output.
    hostile: str = "hr/<script>alert(1)</script> & \"quotes\" 'n', commas.csv"
    encrypted: str = "backup 2024.zip!payroll.xlsx"
    broken: str = "scans/broken\nname.pdf"
    masked: tuple[str, ...] = ("***-**-6789", "************1111", "***-**-4321")
    #: What no report may print: a run of nine digits (an unmasked SSN or account number).
    unmasked: re.Pattern[str] = field(default=re.compile(r"\d{9}"))

    def report(self) -> ScanReport:
        findings = [
            Finding("US_SSN", {"row": 2, "column": "SSN"}, self.masked[0], "fa" * 16, 0.95),
            Finding("CREDIT_CARD", {"row": 3, "column": "Card"}, self.masked[1], "fb" * 16, 0.9),
            Finding("US_SSN", {"row": 4, "column": "SSN"}, self.masked[2], "fc" * 16, 0.95),
        ]
        pi = FileResult(
            path=self.hostile,
            format="csv",
            bytes=2048,
            contains_pi=True,
            pi_records=2,
            elements={"US_SSN": 3, "CREDIT_CARD": 1, "US_DRIVER_LICENSE": 0, "US_BANK_NUMBER": 0},
            findings=findings,
        )
        locked = FileResult(path=self.encrypted, format="xlsx", bytes=4096, encrypted=True)
        return ScanReport(
            root="/srv/share",
            summary=ScanSummary(files_scanned=2, bytes_scanned=6144, files_with_pi=1, seconds=0.25),
            files=[pi, locked],
            errors=[ScanError(self.broken, "not a PDF file")],
        )


@pytest.fixture
def sample() -> Sample:
    return Sample()


@pytest.fixture
def report(sample: Sample) -> ScanReport:
    return sample.report()
