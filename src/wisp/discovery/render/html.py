"""The HTML report: one self-contained page an office manager can open, read and print.

Rendered from the package template `templates/scan.html.j2` with autoescaping on, since paths
and error lines are user data; the page loads nothing from outside and runs no script.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TextIO

import jinja2

from wisp.discovery.models import ELEMENT_TYPES, FileResult, Finding, ScanReport
from wisp.discovery.render.base import Renderer

__all__ = ["FINDINGS_SHOWN", "HtmlRenderer", "describe_location"]

#: Findings listed per file on the page; the JSON report has the rest.
FINDINGS_SHOWN = 10
_TEMPLATE = "templates/scan.html.j2"

#: Plain-word names of the element types: (column heading, one item).
_LABELS: Mapping[str, tuple[str, str]] = {
    "US_SSN": ("Social Security numbers", "Social Security number"),
    "CREDIT_CARD": ("Credit/debit card numbers", "Credit/debit card number"),
    "US_DRIVER_LICENSE": ("Driver's license / state ID numbers", "Driver's license / state ID"),
    "US_BANK_NUMBER": ("Bank account numbers", "Bank account number"),
}
_UNITS = ("KB", "MB", "GB", "TB")
# Coarse to fine: "sheet Payroll, row 4, column SSN".
_PLACE_ORDER = ("message", "sheet", "page", "slide", "record", "row", "line", "column")


def describe_location(location: Mapping[str, str | int]) -> str:
    """Where in a file a finding is, in plain words, e.g. `sheet Payroll, row 4`."""
    keys = [k for k in _PLACE_ORDER if k in location]
    keys += sorted(k for k in location if k not in _PLACE_ORDER)
    return ", ".join(f"{k} {location[k]}" for k in keys) or "somewhere in the file"


def _size(n: int) -> str:
    if n < 1000:
        return "1 byte" if n == 1 else f"{n:,} bytes"
    value = n / 1000
    for unit in _UNITS[:-1]:
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} {_UNITS[-1]}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


@dataclass(frozen=True, slots=True)
class _Row:
    """One finding as the page shows it."""

    kind: str
    place: str
    masked: str


@dataclass(frozen=True, slots=True)
class _PiFile:
    """A file with personal information as the page shows it."""

    path: str
    format: str
    pi_records: int
    counts: tuple[int, ...]
    found: int
    rows: tuple[_Row, ...]


def _row(x: Finding) -> _Row:
    kind = _LABELS[x.type][1] if x.type in _LABELS else x.type
    return _Row(kind=kind, place=describe_location(x.location), masked=x.masked)


def _pi_file(f: FileResult) -> _PiFile:
    return _PiFile(
        path=f.path,
        format=f.format,
        pi_records=f.pi_records,
        counts=tuple(f.elements.get(k, 0) for k in ELEMENT_TYPES),
        found=sum(f.elements.values()),
        rows=tuple(_row(x) for x in f.findings[:FINDINGS_SHOWN]),
    )


@functools.cache
def _template() -> jinja2.Template:
    source = resources.files(__package__).joinpath(_TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["size"] = _size
    return env.from_string(source)


class HtmlRenderer(Renderer):
    """`--format html`: summary, files with personal information, encrypted files, errors."""

    FORMAT = "html"
    SUFFIX = ".html"

    def render(self, report: ScanReport, out: TextIO) -> None:
        with_pi = sorted((f for f in report.files if f.contains_pi), key=lambda f: -f.pi_records)
        out.write(
            _template().render(
                root=report.root,
                summary=report.summary,
                duration=_duration(report.summary.seconds),
                headings=[_LABELS[k][0] if k in _LABELS else k for k in ELEMENT_TYPES],
                pi_files=[_pi_file(f) for f in with_pi],
                encrypted=[f for f in report.files if f.encrypted],
                errors=report.errors,
            )
        )
