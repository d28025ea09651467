"""17.02: a resident's first name and last name, or first initial and last name.

Name knowledge is the public-domain 1990 US Census name lists that the `names` package ships
(88,799 surnames, 5,494 first names); context words and name columns catch rare surnames.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from wisp.discovery.detectors.base import NameDetector

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
    """.split()
)

_CONTEXT = re.compile(
    rb"(?i)(?:\bname|\bemployee|\bdear|\bpatient|\bcustomer|\bclient|\bapplicant|\bstudent"
    rb"|\bmember|\binsured|\bcardholder|\bholder|\bsigned|\battn|\bfrom|\bto|\bmr|\bmrs"
    rb"|\bms|\bdr|\bresident|\btenant|\bpayee|\bbeneficiary)\b[.:#\s]{0,3}$"
)
_TOKEN = re.compile(
    rb"(?<![A-Za-z])(?:[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?|[A-Z]{2,}(?:[-'][A-Z]{2,})?|[A-Z]\.?)"
    rb"(?![A-Za-z])"
)
_CELL_NAME = re.compile(r"^[A-Za-z][A-Za-z.' -]*$")


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


@functools.lru_cache(maxsize=4096)
def column_role(header: str) -> str | None:
    """`first`, `last`, `full` or None: what part of a name a column header says it holds."""
    h = re.sub(r"[^a-z]+", " ", header.lower()).strip()
    words = set(h.split())
    if not words or words & {"user", "file", "company", "business", "product", "host", "bank"}:
        return None
    if h in ("first", "fname", "given") or (words & {"first", "given", "forename"}):
        return "first" if "last" not in words else "full"
    if h in ("last", "lname", "sn") or (words & {"last", "surname", "family"}):
        return "last"
    if h.replace(" ", "") in ("firstname", "lastname"):
        return "first" if h.startswith("first") else "last"
    if "name" in words or h.endswith("name") or h in {
        "employee",
        "customer",
        "client",
        "patient",
        "student",
        "cardholder",
        "account holder",
        "holder",
        "insured",
        "member",
        "tenant",
        "payee",
    }:
        return "full"
    return None


def _pair(first: bytes, last: bytes, context: bool) -> bool:
    f = first.rstrip(b".").decode().lower()
    s = last.decode().lower()
    if s in _STOPWORDS or f in _STOPWORDS:
        return False
    if context:
        return True
    if len(f) == 1:
        return s in surnames() and len(s) > 3
    return f in first_names() and s in surnames()


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
            if text[a_end:b_start].strip() == b"," and len(first) > 1:
                if _pair(text[b_start:b_end], first, False):
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
        # No name columns: adjacent cells "First,Last" or "Last,First", or a whole name in a cell.
        words = [c.strip().strip('"').strip().encode() for c in cells]
        for a, b in zip(words, words[1:], strict=False):
            if a and b and _CELL_NAME.match(a.decode(errors="replace")):
                if _pair(a, b, False) or _pair(b, a, False):
                    return True
        return any(len(w.split()) > 1 and self.in_text(w, 0, len(w)) for w in words)
