"""The corpus's document model: paragraphs, tables and records, with what each one holds.

A `Doc` is written once and rendered into many formats. Every valid element goes in through a
`Doc` method, which counts it, so a label's element counts are the values actually written.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from corpus_values import Person, Values

__all__ = ["ELEMENT_TYPES", "Doc", "Para", "Records", "Table"]

ELEMENT_TYPES = ("US_SSN", "CREDIT_CARD", "US_DRIVER_LICENSE", "US_BANK_NUMBER")


@dataclass
class Para:
    """A paragraph; its lines are line breaks within the paragraph."""

    text: str


@dataclass
class Table:
    """A table with a header row. `formats` maps a column to an Excel number format, for
    cells written as numbers (an SSN column typed as a number, as spreadsheets often hold)."""

    header: list[str]
    rows: list[list[Any]]
    title: str = ""
    formats: dict[int, str] = field(default_factory=dict)


@dataclass
class Records:
    """Structured data (JSON-able) for JSON, JSON Lines and XML."""

    data: Any
    #: XML: write flat records' fields as attributes of one element instead of child elements.
    attributes: bool = False


class Doc:
    """One document's content, its valid elements, and whether a name goes with one of them."""

    def __init__(self, values: Values, title: str = "") -> None:
        self.v = values
        self.rng: random.Random = values.rng
        self.title = title
        self.blocks: list[Para | Table | Records] = []
        #: (type, value as written) of every valid element in the document, in order.
        self.elements: list[tuple[str, str]] = []
        #: Whether some element's owner is named beside it (the 17.02 test).
        self.pi = False

    # Content ------------------------------------------------------------------------------

    def para(self, *lines: str) -> None:
        self.blocks.append(Para("\n".join(lines)))

    def table(self, header: list[str], rows: list[list[Any]], **kw: Any) -> None:
        self.blocks.append(Table(header, rows, **kw))

    def records(self, data: Any, *, attributes: bool = False) -> None:
        self.blocks.append(Records(data, attributes))

    def person(self, *, rare: bool = False) -> Person:
        return self.v.person(rare=rare)

    # Valid elements, counted --------------------------------------------------------------

    def _count(self, kind: str, value: str) -> str:
        self.elements.append((kind, value))
        return value

    def ssn(self, style: str = "dashed") -> str:
        return self._count("US_SSN", self.v.ssn(style))

    def card(self, brand: str | None = None, sep: str | None = None) -> tuple[str, str]:
        number, name = self.v.card(brand, sep)
        return self._count("CREDIT_CARD", number), name

    def license(self, kind: str | None = None) -> str:
        return self._count("US_DRIVER_LICENSE", self.v.license(kind))

    def account(self) -> str:
        return self._count("US_BANK_NUMBER", self.v.account())

    def routing(self) -> str:
        # An ABA routing number names the bank, not the person, but it is half of the pair that
        # identifies an account (and Presidio's ABA_ROUTING_NUMBER maps here), so it counts.
        return self._count("US_BANK_NUMBER", self.v.routing())

    # Summary ------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        c = Counter(kind for kind, _ in self.elements)
        return {t: c.get(t, 0) for t in ELEMENT_TYPES}

    def kinds(self) -> set[str]:
        return {type(b).__name__ for b in self.blocks}
