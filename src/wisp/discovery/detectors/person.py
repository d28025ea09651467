"""17.02: a resident's first name and last name, or first initial and last name.

Name knowledge is the public-domain 1990 US Census name lists that the `names` package ships
(88,799 surnames, 5,494 first names); context words and name columns catch rare surnames.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable
from importlib import resources

from wisp.discovery.detectors.base import NameDetector
from wisp.discovery.table import Table

__all__ = ["PersonDetector", "column_role", "first_names", "surnames"]

# Capitalized words that are common in business documents and also in the Census lists; as a
# first or last name they would pair up headings ("Credit Card", "Will Pay").
_STOPWORDS = frozenset(
    """
    account accounts address amount april august avenue bank bill birth business card cash
    center chase check city claim code company contact credit customer date day dear debit
    department description direct driver due east employee english federal file final first
    form friday general grant hall home id income insurance invoice issue january july june
    last license line main march may member middle mobile monday month name new north note
    number office order page paid pay payment period phone plan policy post president
    price record report road rose routing saint sales saturday security service social south
    state states status street summary sunday tax the thursday total tuesday type union
    united vice wednesday week west will year zip
    """.split()  # noqa: SIM905 - a block of words reads better than 120 quoted strings
)

_CONTEXT = re.compile(
    rb"(?i)(?:\bname|\bemployee|\bdear|\bpatient|\bcustomer|\bclient|\bapplicant|\bstudent"
    rb"|\bmember|\binsured|\bcardholder|\bholder|\bsigned|\battn|\bfrom|\bto|\bmr|\bmrs"
    rb"|\bms|\bdr|\bresident|\btenant|\bpayee|\bbeneficiary)\b[.:#\s]{0,3}$"
)
# A capitalized word, an all-caps word or an initial; a name may start "O'" or "D'" and have
# one inner capital (McCarthy, MacArthur, LeBlanc, DiMaggio).
_TOKEN = re.compile(
    rb"(?<![A-Za-z])(?:(?:[A-Z]')?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:[-'][A-Z]?[a-z]+)?"
    rb"|(?:[A-Z]')?[A-Z]{2,}(?:[-'][A-Z]{2,})?|[A-Z]\.?)"
    rb"(?![A-Za-z])"
)
# A cell that may hold (part of) a name; a comma for "Last, First".
_CELL_NAME = re.compile(r"^[A-Za-z][A-Za-z.,' -]*$")
# A table cell holding (part of) a name, perhaps quoted or padded.
_NAME_CELL = re.compile(rb"""[\s"]*[A-Za-z][A-Za-z.',\ -]*[\s"]*""")
# A whole name in one cell: two words, or "Last, First".
_FULL_CELL = re.compile(rb"""[\s"]*[A-Za-z][A-Za-z.'-]*(?:,\s*|\s+)[A-Za-z][A-Za-z.',\ -]*[\s"]*""")


def _load(*files: str) -> frozenset[str]:
    names: set[str] = set()
    for file in files:
        text = resources.files("names").joinpath(file).read_text(encoding="ascii")
        names.update(line.split(None, 1)[0].lower() for line in text.splitlines() if line)
    return frozenset(names - _STOPWORDS)


@functools.cache
def surnames() -> frozenset[str]:
    """Lower-case US Census surnames, less common English words."""
    return _load("dist.all.last")


@functools.cache
def first_names() -> frozenset[str]:
    """Lower-case US Census first names, less common English words."""
    return _load("dist.male.first", "dist.female.first")


# Headers that name things, not people ("Company Name", "VendorName", "hostname"): a vendor
# list's bank accounts are not a resident's.
_NOT_PEOPLE = frozenset(
    {
        "bank",
        "branch",
        "business",
        "city",
        "company",
        "country",
        "department",
        "device",
        "domain",
        "employer",
        "file",
        "host",
        "item",
        "merchant",
        "organization",
        "plan",
        "product",
        "project",
        "store",
        "street",
        "supplier",
        "user",
        "vendor",
    }
)

# Headers that hold a whole name without saying "name".
_PERSON_HEADERS = frozenset(
    {
        "account holder",
        "cardholder",
        "client",
        "customer",
        "employee",
        "holder",
        "insured",
        "member",
        "patient",
        "payee",
        "student",
        "tenant",
    }
)


@functools.lru_cache(maxsize=4096)
def column_role(header: str) -> str | None:
    """`first`, `last`, `full` or None: what part of a name a column header says it holds."""
    h = re.sub(r"[^a-z]+", " ", header.lower()).strip()
    words = set(h.split())
    compact = h.replace(" ", "")
    if not words or words & _NOT_PEOPLE or any(compact.startswith(w + "name") for w in _NOT_PEOPLE):
        return None
    if h in ("first", "fname", "given") or (words & {"first", "given", "forename"}):
        return "first" if "last" not in words else "full"
    if h in ("last", "lname", "sn") or (words & {"last", "surname", "family"}):
        return "last"
    if h.replace(" ", "") in ("firstname", "lastname"):
        return "first" if h.startswith("first") else "last"
    if "name" in words or h.endswith("name") or h in _PERSON_HEADERS:
        return "full"
    return None


def _known(name: str, names: frozenset[str]) -> bool:
    """Whether `name` is listed; the Census lists drop apostrophes (OBRIEN) and list each half
    of a hyphenated name on its own (Garcia-Lopez, Jean-Luc)."""
    name = name.replace("'", "")
    return name in names or ("-" in name and any(part in names for part in name.split("-")))


def _pair(first: bytes, last: bytes, context: bool) -> bool:
    f = first.rstrip(b".").decode().lower()
    s = last.decode().lower().removesuffix("'s")  # "Sullivan's SSN"
    if s in _STOPWORDS or f in _STOPWORDS:
        return False
    if context:
        return True
    if len(f) == 1:
        return _known(s, surnames()) and len(s) > 3
    return _known(f, first_names()) and _known(s, surnames())


class PersonDetector(NameDetector):
    ENTITY = "PERSON"

    def in_text(self, text: bytes, start: int, end: int) -> bool:
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
        for i, (a_start, a_end) in enumerate(tokens[:-1]):
            first = text[a_start:a_end]
            context = bool(_CONTEXT.search(text, max(start, a_start - 16), a_start))
            # First [Middle-or-initial] Last, with nothing but blanks between the words.
            for j in (i + 1, i + 2):
                if j >= len(tokens) or not text[tokens[j - 1][1] : tokens[j][0]].isspace():
                    break
                if j == i + 2 and len(text[tokens[i + 1][0] : tokens[i + 1][1]].rstrip(b".")) > 1:
                    # A middle word must be an initial or a known first name.
                    middle = text[tokens[i + 1][0] : tokens[i + 1][1]].decode().lower()
                    if middle not in first_names():
                        break
                if _pair(first, text[tokens[j][0] : tokens[j][1]], context):
                    return True
            # Last, First
            b_start, b_end = tokens[i + 1]
            if (
                text[a_end:b_start].strip() == b","
                and len(first) > 1
                and _pair(text[b_start:b_end], first, False)
            ):
                return True
        return False

    def in_cells(self, cells: list[str], columns: tuple[str, ...]) -> bool:
        roles: dict[str, str] = {}
        for header, cell in zip(columns, cells, strict=False):
            role = column_role(header)
            value = cell.strip().strip('"').strip()
            if role and value and _CELL_NAME.match(value):
                roles.setdefault(role, value)
        if "last" in roles and ("first" in roles or "full" in roles):
            return True
        if "full" in roles:
            full = roles["full"].encode()
            return len(full.split()) > 1 or b"," in full or self.in_text(full, 0, len(full))
        if "last" in roles:
            # The header says where the last name is and the record has no first name: pairing
            # other cells would take a gender or status letter ("M") for an initial.
            return False
        # No name columns: adjacent cells "First,Last" or "Last,First", or a whole name in a cell.
        words = [c.strip().strip('"').strip().encode() for c in cells]
        for a, b in itertools.pairwise(words):
            if (
                a
                and b
                and _CELL_NAME.match(a.decode(errors="replace"))
                and (_pair(a, b, False) or _pair(b, a, False))
            ):
                return True
        return any(len(w.split()) > 1 and self.in_text(w, 0, len(w)) for w in words)

    def row_has_name(self, cells: list[bytes], columns: tuple[str, ...]) -> bool:
        roles = _roles(columns)
        if roles is None:
            return self.in_cells([c.decode("utf-8", "replace") for c in cells], columns)
        given, family = roles
        if given >= len(cells):
            return False
        if family is None:
            return _FULL_CELL.fullmatch(cells[given]) is not None
        return (
            family < len(cells)
            and _NAME_CELL.fullmatch(cells[given]) is not None
            and _NAME_CELL.fullmatch(cells[family]) is not None
        )

    def rows_with_names(
        self, lines: list[bytes], delimiter: bytes, columns: tuple[str, ...]
    ) -> list[bool] | None:
        roles = _roles(columns)
        if roles is None:
            return None
        given, family = roles
        # Split no further than the last name column: the rest of the row is not needed.
        cut = max(given, family if family is not None else given) + 1
        cells = list(map(operator.methodcaller("split", delimiter, cut), lines))
        try:
            if family is None:
                return list(map(bool, map(_FULL_CELL.fullmatch, map(_item(given), cells))))
            first = map(bool, map(_NAME_CELL.fullmatch, map(_item(given), cells)))
            last = map(bool, map(_NAME_CELL.fullmatch, map(_item(family), cells)))
            return list(map(operator.and_, first, last))
        except IndexError:  # a short row: let the caller ask row by row
            return None

    def name_columns(self, columns: tuple[str, ...]) -> tuple[int, ...]:
        roles = _roles(columns)
        if roles is None:
            return ()
        given, family = roles
        return (given,) if family is None else (given, family)

    def rows_with_names_in(self, table: Table, columns: tuple[str, ...]) -> list[bool] | None:
        roles = _roles(columns)
        if roles is None:
            return None
        given, family = roles
        if not table.complete(given) or (family is not None and not table.complete(family)):
            return None  # a short row: let the caller ask row by row
        if family is None:
            return _fullmatches(_FULL_CELL, table.column(given))
        first = _fullmatches(_NAME_CELL, table.column(given))
        last = _fullmatches(_NAME_CELL, table.column(family))
        return list(map(operator.and_, first, last))


def _fullmatches(regex: re.Pattern[bytes], cells: list[bytes]) -> list[bool]:
    """Whether `regex` matches each cell whole; each distinct cell is matched once, since a
    name column holds the same first and last names over and over."""
    distinct = set(cells)
    if len(distinct) * 2 > len(cells):
        return list(map(bool, map(regex.fullmatch, cells)))
    matched = {cell: regex.fullmatch(cell) is not None for cell in distinct}
    return list(map(matched.__getitem__, cells))


def _item(index: int) -> Callable[[list[bytes]], bytes]:
    return operator.itemgetter(index)


@functools.lru_cache(maxsize=256)
def _roles(columns: tuple[str, ...]) -> tuple[int, int | None] | None:
    """Where a header keeps names: (first-or-full column, last column or None); None if nowhere."""
    found: dict[str, int] = {}
    for index, header in enumerate(columns):
        role = column_role(header)
        if role is not None:
            found.setdefault(role, index)
    if "last" in found and ("first" in found or "full" in found):
        return found.get("first", found.get("full", 0)), found["last"]
    if "full" in found:
        return found["full"], None
    return None
