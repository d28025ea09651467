"""The values discovery passes around: extracted units, findings and per-file results."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "ELEMENT_TYPES",
    "FileResult",
    "Finding",
    "Layout",
    "Member",
    "ScanError",
    "ScanReport",
    "ScanSummary",
    "Unit",
]

#: The 17.02 elements that, with a name, make personal information; in report order.
ELEMENT_TYPES: tuple[str, ...] = ("US_SSN", "CREDIT_CARD", "US_DRIVER_LICENSE", "US_BANK_NUMBER")


class Layout(enum.Enum):
    """How the lines of a unit relate to the records of the 17.02 rule."""

    #: Free text: a name and an element belong together when they are near each other.
    PROSE = "prose"
    #: One record per line, cells split by `Unit.delimiter`, named by `Unit.columns`.
    TABLE = "table"
    #: One record per line (a JSON/XML object), fields `key: value` split by tabs.
    RECORDS = "records"


@dataclass(frozen=True, slots=True)
class Unit:
    """A run of extracted text scanned as one buffer.

    `text` is UTF-8 and ends with a newline. `where` is merged into every finding's location
    (e.g. {"sheet": "Payroll"} or {"page": 3}); `first_line` numbers the unit's first line,
    and `line_key` names what a line is (a `line` of text, a sheet's `row`, a JSON `record`).
    """

    text: bytes
    layout: Layout = Layout.PROSE
    columns: tuple[str, ...] = ()
    delimiter: bytes = b"\t"
    where: Mapping[str, str | int] = field(default_factory=dict)
    first_line: int = 1
    #: What a line of this unit is called in a finding's location: line, row, record.
    line_key: str = "line"

    def __post_init__(self) -> None:
        if not self.text.endswith(b"\n"):
            object.__setattr__(self, "text", self.text + b"\n")


@dataclass(frozen=True, slots=True)
class Member:
    """A file inside a container (archive member, mail attachment), scanned as its own file.

    An `encrypted` member (e.g. of a password-protected zip) has no data and is reported as such.
    """

    name: str
    data: bytes
    encrypted: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected element, never holding the raw value: only a mask and a keyed fingerprint."""

    type: str
    location: Mapping[str, str | int]
    masked: str
    fingerprint: str
    confidence: float


@dataclass(slots=True)
class FileResult:
    """What a scan learned about one file or archive member."""

    path: str
    format: str
    bytes: int
    encrypted: bool = False
    contains_pi: bool = False
    pi_records: int = 0
    elements: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ELEMENT_TYPES, 0))
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file that could not be scanned, with a one-line reason that holds no PI."""

    path: str
    error: str


@dataclass(slots=True)
class ScanSummary:
    """Totals over a scan."""

    files_scanned: int = 0
    bytes_scanned: int = 0
    files_with_pi: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class ScanReport:
    """The whole result of `wisp scan`: the document behind every output format."""

    root: str
    summary: ScanSummary = field(default_factory=ScanSummary)
    files: list[FileResult] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
