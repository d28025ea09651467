"""The detector contract: declarative patterns, context words, one `validate()` each.

Element detectors find the 17.02 elements (SSN, license, account and card numbers); name
detectors answer whether a record holds a resident's first name (or initial) and last name.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from wisp.discovery.table import Table

__all__ = [
    "Detector",
    "NameDetector",
    "Pattern",
    "context_regex",
    "digits_only",
    "digits_only_all",
]

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def digits_only(raw: str) -> str:
    """The digits of a number matched with separators (space, dash, dot) between them."""
    # Three replaces beat str.translate with a deletion table tenfold on such short strings.
    return raw.replace("-", "").replace(" ", "").replace(".", "")


def digits_only_all(raws: Sequence[str]) -> list[str]:
    """`digits_only` of each of `raws`, done once over them all joined by line breaks."""
    joined = "\n".join(raws)
    if joined.count("\n") != len(raws) - 1:  # a raw with a line break of its own
        return list(map(digits_only, raws))
    digits = digits_only(joined)
    return list(raws) if digits == joined else digits.split("\n")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One way an element is written.

    `regex` is the precise Python pattern (over ASCII bytes); `prefilter` a Hyperscan-compatible
    superset that fires at least once within `max_len` bytes before the end of every candidate.
    A pattern that `needs_context` is only reported near one of its detector's context words.

    An element lies within one table cell: neither pattern matches a line break or a table
    delimiter (tab, comma, semicolon, pipe), except as a prefilter's last character, so a
    header-labelled column's cells can be searched on their own.
    """

    name: str
    regex: str
    prefilter: str
    max_len: int
    score: float
    needs_context: bool = False
    #: The confidence when a context word is near.
    boosted: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "boosted", round(min(1.0, self.score + 0.35), 2))


def context_regex(words: tuple[str, ...]) -> re.Pattern[bytes] | None:
    """One case-insensitive pattern matching any of `words` as whole words."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"[\s_.-]*") for w in words)
    # Bytes of UTF-8 letters (0x80-0xff) are letters too: "Kułach" holds no word "ach".
    return re.compile(
        rf"(?<![a-z0-9\x80-\xff])(?:{alternatives})(?![a-z\x80-\xff])".encode(), re.IGNORECASE
    )


class Detector:
    """Finds one 17.02 element type.

    Subclasses set `ENTITY`, `PATTERNS` and `CONTEXT`, and override `validate` for checksums
    and issuing rules. `normalize` turns the matched text into the canonical value that is
    validated and fingerprinted; `mask` turns it into what reports may show.
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[Pattern, ...]]
    #: Words that, near a candidate or in its column header, say what it is.
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    #: How many trailing characters a mask keeps.
    KEEP: ClassVar[int] = 4

    def normalize(self, raw: str) -> str:
        """The canonical value: by default the digits and letters, upper-cased."""
        return _NOT_ALNUM.sub("", raw).upper()

    def validate(self, value: str, pattern: Pattern) -> bool:
        """Whether `value` (normalized) can be a real element; checksums live here."""
        return True

    def normalize_all(self, raws: Sequence[str]) -> list[str]:
        """`normalize` of each raw match; a subclass may do a whole column at once, through
        the same function `normalize` uses."""
        return list(map(self.normalize, raws))

    def validate_all(self, values: Sequence[str], pattern: Pattern) -> list[bool]:
        """`validate` of each value; a subclass may check a whole column at once, through
        the same function `validate` uses, never by rules of its own."""
        return list(map(self.validate, values, itertools.repeat(pattern)))

    def mask(self, raw: str) -> str:
        """The raw match with all but the last `KEEP` letters and digits starred out."""
        alnum = sum(ch.isalnum() for ch in raw)
        hide = max(alnum - self.KEEP, 0)
        out = []
        for ch in raw:
            if ch.isalnum() and hide:
                out.append("*")
                hide -= 1
            else:
                out.append(ch)
        return "".join(out)


class NameDetector:
    """Decides whether text or a table record holds a person's name as 17.02 counts it."""

    ENTITY: ClassVar[str] = "PERSON"

    def in_text(self, text: bytes, start: int, end: int) -> bool:
        """Whether `text[start:end]` holds a first name (or initial) and a last name."""
        raise NotImplementedError

    def in_cells(self, cells: list[str], columns: tuple[str, ...]) -> bool:
        """Whether a table record, its cells named by `columns` (maybe empty), holds a name."""
        raise NotImplementedError

    def row_has_name(self, cells: list[bytes], columns: tuple[str, ...]) -> bool:
        """`in_cells` for raw cells; detectors may answer faster from the header alone."""
        return self.in_cells([c.decode("utf-8", "replace") for c in cells], columns)

    def rows_with_names(
        self, lines: list[bytes], delimiter: bytes, columns: tuple[str, ...]
    ) -> list[bool] | None:
        """For every line of a table at once, whether it holds a name; None when the header
        alone cannot tell (callers then ask `row_has_name` line by line)."""
        return None

    def name_columns(self, columns: tuple[str, ...]) -> tuple[int, ...]:
        """The columns `rows_with_names_in` reads in a table with this header, so that they
        are split with the engine's in one pass."""
        return ()

    def rows_with_names_in(self, table: Table, columns: tuple[str, ...]) -> list[bool] | None:
        """`rows_with_names` from a table whose columns may be split already (the engine's
        search of labelled columns splits them)."""
        return self.rows_with_names(table.lines, table.delimiter, columns)
