"""Fictitious values for the quality corpus: people, valid 17.02 elements and near misses.

Valid values follow the issuing rules real ones follow (SSA, ISO/IEC 7812 + Luhn, ABA, the
Massachusetts RMV), checked here by our own code rather than wisp's, so the corpus is not
built from the detector it measures. No value belongs to anyone: names are drawn at random
from common-name lists and numbers from a seeded generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "FEMALE_FIRST",
    "MALE_FIRST",
    "RARE_FIRST",
    "RARE_SURNAMES",
    "SURNAMES",
    "Person",
    "Values",
    "aba_ok",
    "luhn_ok",
    "ssn_ok",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common US given names (SSA top names of recent decades, and names common among Hispanic,
# Asian and Irish-American residents of Massachusetts).
FEMALE_FIRST = _words(
    """
    Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa
    Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah
    Stephanie Rebecca Laura Kathleen Colleen Maria Ana Rosa Carmen Jasmine Emma Olivia
    Sophia Hannah Megan Erin Grace Julia Nicole Christine Diane Anne Teresa Linh Mei
    """
)
MALE_FIRST = _words(
    """
    James Robert John Michael William David Richard Joseph Thomas Charles Christopher Daniel
    Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kevin Brian George Timothy Ronald
    Jason Sean Patrick Brendan Jose Luis Carlos Juan Miguel Wei Minh Ryan Eric Jonathan
    Peter Francis Edward Dennis Kenneth Gregory Samuel Benjamin
    """
)
SURNAMES = _words(
    """
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
    Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson
    White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott
    Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter
    Roberts O'Brien Sullivan Murphy Kelly Patel Kim Chen Silva Costa Fitzgerald Walsh
    McCarthy Doherty Pereira Santos Tran Le Pham Wong Cohen Shapiro Ryan Byrne
    """
)
# Names that are not in the US Census lists: they are names to a reader only because of a cue
# beside them ("Name:", "Employee:", a name column), so the corpus shows them only with one.
RARE_FIRST = _words(
    """
    Thandiwe Oluwaseun Chidi Ngozi Ayodele Kenji Dmitri Lakshmi Tomasz Anil
    """
)
RARE_SURNAMES = _words(
    """
    Okonkwo Adeyemi Vashchenko Thorvaldsen Achterberg Oyelowo Wojciechowska Bhattacharyya
    Delacroix Oyelaran Yilmaz Kuznetsova Lindqvist Achebe
    """
)

#: SSNs the SSA voided after they were printed in advertising or shown in public.
_VOIDED = frozenset({"078051120", "219099999", "457555462", "123456789"})

# Card networks: (name, prefixes, length). Prefix ranges are the issuer identification ranges
# the networks publish; lengths are the common ones for cards in circulation.
_CARD_RANGES: dict[str, tuple[tuple[int, int], int]] = {
    "visa": ((4, 4), 16),
    "mastercard": ((51, 55), 16),
    "mastercard2": ((2221, 2720), 16),
    "amex": ((34, 34), 15),
    "amex37": ((37, 37), 15),
    "discover": ((6011, 6011), 16),
    "discover64": ((644, 649), 16),
    "discover65": ((65, 65), 16),
    "jcb": ((3528, 3589), 16),
    "diners": ((300, 305), 14),
    "diners36": ((36, 36), 14),
    "unionpay": ((62, 62), 16),
    "unionpay19": ((62, 62), 19),
}
CARD_BRAND_NAMES = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "mastercard2": "Mastercard",
    "amex": "American Express",
    "amex37": "Amex",
    "discover": "Discover",
    "discover64": "Discover",
    "discover65": "Discover",
    "jcb": "JCB",
    "diners": "Diners Club",
    "diners36": "Diners Club",
    "unionpay": "UnionPay",
    "unionpay19": "UnionPay",
}
#: Federal Reserve routing symbol prefixes of ordinary bank routing numbers.
_ABA_PREFIXES = tuple(range(1, 13)) + tuple(range(21, 33))
_CITIES = (
    ("Boston", "02108"),
    ("Worcester", "01602"),
    ("Springfield", "01103"),
    ("Cambridge", "02139"),
    ("Lowell", "01852"),
    ("Quincy", "02169"),
    ("Newton", "02458"),
    ("Salem", "01970"),
    ("Framingham", "01702"),
    ("Pittsfield", "01201"),
)
_STREETS = _words(
    """
    Elm Oak Maple Pleasant Summer Winter Highland Chestnut Washington Park
    """
)
_STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Terrace")


def luhn_ok(digits: str) -> bool:
    """The Luhn mod-10 check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def aba_ok(digits: str) -> bool:
    """An ABA routing number: a Federal Reserve prefix and the 3-7-1 weighted checksum."""
    if len(digits) != 9 or not digits.isdigit() or int(digits[:2]) not in _ABA_PREFIXES:
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def ssn_ok(digits: str) -> bool:
    """Whether the SSA could have issued this SSN (area, group and serial rules)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in _VOIDED


@dataclass(frozen=True)
class Person:
    """A fictitious person; `rare` names are recognizable as names only beside a cue."""

    first: str
    last: str
    female: bool
    rare: bool = False
    middle: str = ""

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def with_middle(self) -> str:
        return f"{self.first} {self.middle}. {self.last}" if self.middle else self.full

    @property
    def initial(self) -> str:
        return f"{self.first[0]}. {self.last}"

    @property
    def last_first(self) -> str:
        return f"{self.last}, {self.first}"

    @property
    def title(self) -> str:
        return f"{'Ms.' if self.female else 'Mr.'} {self.last}"

    @property
    def login(self) -> str:
        return (self.first[0] + self.last).lower().replace("'", "").replace("-", "")


class Values:
    """A seeded source of people and values. Every valid element it makes is remembered in
    `elements`, and every name in `names`, so a test can check that none reaches a report."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.elements: set[str] = set()
        self.names: set[str] = set()
        self._used: set[str] = set()

    def _unique(self, make: object) -> str:
        assert callable(make)
        for _ in range(1000):
            value = make()
            assert isinstance(value, str)
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("value space exhausted")

    def _secret(self, raw: str) -> str:
        self.elements.add(raw)
        return raw

    # People -------------------------------------------------------------------------------

    def person(self, *, rare: bool = False) -> Person:
        r = self.rng
        while True:
            female = r.random() < 0.5
            first = r.choice(
                RARE_FIRST if rare and r.random() < 0.4 else FEMALE_FIRST if female else MALE_FIRST
            )
            last = r.choice(RARE_SURNAMES if rare else SURNAMES)
            if not rare and r.random() < 0.04:
                last = f"{last}-{r.choice(SURNAMES)}"
            middle = r.choice("ABCDEFGHJKLMRST") if r.random() < 0.2 else ""
            p = Person(first, last, female, rare, middle)
            if p.full not in self._used:
                self._used.add(p.full)
                self.names.add(p.full)
                return p

    def address(self) -> tuple[str, str]:
        r = self.rng
        city, zip_code = r.choice(_CITIES)
        street = f"{r.randint(2, 480)} {r.choice(_STREETS)} {r.choice(_STREET_KINDS)}"
        return street, f"{city}, MA {zip_code}"

    # Valid elements -----------------------------------------------------------------------

    def ssn(self, style: str = "dashed") -> str:
        r = self.rng

        def make() -> str:
            while True:
                digits = f"{r.randint(1, 899):03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
                if ssn_ok(digits):
                    return digits

        d = self._unique(make)
        sep = {"dashed": "-", "spaced": " ", "bare": ""}[style]
        return self._secret(f"{d[:3]}{sep}{d[3:5]}{sep}{d[5:]}")

    def card(self, brand: str | None = None, sep: str | None = None) -> tuple[str, str]:
        """A card number and its network's name, grouped as the card prints it."""
        r = self.rng
        brand = brand or r.choice(list(_CARD_RANGES))
        (low, high), length = _CARD_RANGES[brand]

        def make() -> str:
            prefix = str(r.randint(low, high))
            body = prefix + "".join(str(r.randint(0, 9)) for _ in range(length - len(prefix) - 1))
            return body + _luhn_digit(body)

        d = self._unique(make)
        sep = r.choice(("", " ", "-", " ")) if sep is None else sep
        groups = {15: (4, 6, 5), 14: (4, 6, 4), 16: (4, 4, 4, 4), 19: (4, 4, 4, 4, 3)}[length]
        parts, i = [], 0
        for g in groups:
            parts.append(d[i : i + g])
            i += g
        return self._secret(sep.join(parts)), CARD_BRAND_NAMES[brand]

    def routing(self) -> str:
        r = self.rng

        def make() -> str:
            body = f"{r.choice(_ABA_PREFIXES):02d}" + "".join(
                str(r.randint(0, 9)) for _ in range(6)
            )
            weights = (3, 7, 1, 3, 7, 1, 3, 7)
            total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
            return body + str((10 - total % 10) % 10)

        return self._secret(self._unique(make))

    def account(self) -> str:
        r = self.rng
        return self._secret(
            self._unique(lambda: "".join(str(r.randint(0, 9)) for _ in range(r.randint(8, 12))))
        )

    def license(self, kind: str | None = None) -> str:
        """A Massachusetts license or state ID number: S + 8 digits, or SA + 7 digits."""
        r = self.rng
        kind = kind or ("S" if r.random() < 0.75 else "SA")
        n = 8 if kind == "S" else 7
        return self._secret(
            self._unique(lambda: kind + "".join(str(r.randint(0, 9)) for _ in range(n)))
        )

    # Near misses: values real files hold that are not 17.02 elements ---------------------

    def invalid_ssn(self, kind: str) -> str:
        """An SSN-shaped number the SSA never issues (`kind` names the rule it breaks)."""
        r = self.rng
        area, group, serial = r.randint(1, 899), r.randint(1, 99), r.randint(1, 9999)
        if kind == "area000":
            area = 0
        elif kind == "area666":
            area = 666
        elif kind == "area9xx":  # the 9xx range is ITINs and adoption numbers, never SSNs
            area, group = r.randint(900, 999), r.choice((70, 75, 78, 81, 88, 92))
        elif kind == "group00":
            group = 0
        elif kind == "serial0000":
            serial = 0
        elif kind == "voided":
            return "078-05-1120"
        else:
            raise ValueError(kind)
        return f"{area:03d}-{group:02d}-{serial:04d}"

    def order_number(self) -> str:
        """A 16-digit order or confirmation number that fails the Luhn check."""
        r = self.rng
        digits = str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(15))
        if luhn_ok(digits):
            digits = digits[:-1] + str((int(digits[-1]) + 1) % 10)
        return digits

    def digits(self, n: int) -> str:
        """A number of `n` digits with no leading zero (references, tickets, tracking)."""
        r = self.rng
        return str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(n - 1))

    def phone(self) -> str:
        r = self.rng
        area = r.choice(("617", "508", "781", "978", "413", "857"))
        line = f"{r.randint(100, 199):04d}"
        return r.choice((f"({area}) 555-{line}", f"{area}-555-{line}", f"{area}.555.{line}"))

    def date(self) -> str:
        r = self.rng
        y, m, d = r.randint(2019, 2025), r.randint(1, 12), r.randint(1, 28)
        return r.choice((f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}"))

    def birth_date(self) -> str:
        r = self.rng
        return f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/{r.randint(1950, 2003)}"

    def zip4(self) -> str:
        r = self.rng
        return f"0{r.randint(1000, 2799)}-{r.randint(1000, 9999)}"

    def amount(self) -> str:
        return f"${self.rng.randint(5, 4999)}.{self.rng.randint(0, 99):02d}"

    def invoice(self) -> str:
        r = self.rng
        return r.choice(
            (
                f"INV-{r.randint(2019, 2025)}-{r.randint(1, 99999):05d}",
                f"#{r.randint(100000, 999999)}",
            )
        )


def _luhn_digit(body: str) -> str:
    for check in "0123456789":
        if luhn_ok(body + check):
            return check
    raise AssertionError("unreachable")
