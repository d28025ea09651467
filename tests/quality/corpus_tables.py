"""Tabular and structured scenarios: the rosters, payroll sheets and exports offices keep,
and the look-alike tables (directories, orders, asset lists) that hold no 17.02 element."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corpus_docs import Doc
from corpus_values import Person

__all__ = ["RECORD_SCENARIOS", "SSN_HEADERS", "TABLE_SCENARIOS"]

SSN_HEADERS = ("SSN", "Social Security Number", "soc_sec_no", "SS#", "Social Security No.", "ssn")
_SPLIT_HEADERS = (
    ("First Name", "Last Name"),
    ("first_name", "last_name"),
    ("FirstName", "LastName"),
    ("Given Name", "Surname"),
    ("FNAME", "LNAME"),
)
_DEPTS = ("Accounting", "Facilities", "Sales", "IT", "Operations", "Human Resources", "Legal")
_TITLES = ("Analyst", "Coordinator", "Manager", "Technician", "Associate", "Director", "Clerk")
_BANKS = ("Eastern Bank", "Citizens Bank", "Rockland Trust", "Santander", "Cambridge Savings Bank")


def _n(doc: Doc, low: int = 4, high: int = 12) -> int:
    return doc.rng.randint(low, high)


def _people(doc: Doc, n: int, rare: float = 0.0) -> list[Person]:
    return [doc.person(rare=doc.rng.random() < rare) for _ in range(n)]


def _name(p: Person, style: str) -> str:
    return {
        "full": p.full,
        "last_first": p.last_first,
        "initial": p.initial,
        "middle": p.with_middle,
        "upper": p.full.upper(),
    }[style]


def _exp(doc: Doc) -> str:
    return f"{doc.rng.randint(1, 12):02d}/{doc.rng.randint(25, 31)}"


# Positives ---------------------------------------------------------------------------------


def roster_split(doc: Doc, ssn_header: str = "SSN", names: int = 0, rare: float = 0.0) -> None:
    """An HR roster with first and last name columns and an SSN column."""
    r = doc.rng
    style = (
        "bare" if ssn_header in ("soc_sec_no", "ssn") else r.choice(("dashed", "dashed", "spaced"))
    )
    first_h, last_h = _SPLIT_HEADERS[names % len(_SPLIT_HEADERS)]
    rows = []
    for i, p in enumerate(_people(doc, _n(doc), rare)):
        rows.append(
            [f"E{10400 + i * 7}", p.first, p.last, doc.ssn(style), r.choice(_DEPTS), doc.v.date()]
        )
    doc.table(
        ["Employee ID", first_h, last_h, ssn_header, "Department", "Hire Date"],
        rows,
        title="Roster",
    )
    doc.pi = True


def roster_full(
    doc: Doc,
    name_header: str = "Employee Name",
    style: str = "full",
    dl_header: str = "DL#",
    rare: float = 0.0,
) -> None:
    """Names in one column (First Last, Last, First, ...) and a Massachusetts license."""
    rows = [
        [_name(p, style), doc.v.birth_date(), doc.license(), doc.v.phone()]
        for p in _people(doc, _n(doc), rare)
    ]
    doc.table([name_header, "Date of Birth", dl_header, "Phone"], rows, title="Drivers")
    doc.pi = True


def direct_deposit(doc: Doc, split: bool = False) -> None:
    """Payroll direct-deposit set-up: routing and account number per employee."""
    r = doc.rng
    rows: list[list[Any]] = []
    for p in _people(doc, _n(doc, 3, 9)):
        who = [p.first, p.last] if split else [p.full]
        rows.append(
            [
                *who,
                r.choice(_BANKS),
                doc.routing(),
                doc.account(),
                r.choice(("Checking", "Savings")),
            ]
        )
    names = ["First", "Last"] if split else ["Employee"]
    doc.table(
        [*names, "Bank", "Routing Number", "Account Number", "Account Type"],
        rows,
        title="Direct Deposit",
    )
    doc.pi = True


def cards_on_file(doc: Doc, name_header: str = "Customer", style: str = "full") -> None:
    """Customer cards kept for recurring billing."""
    rows = []
    for p in _people(doc, _n(doc)):
        number, brand = doc.card()
        rows.append([_name(p, style), brand, number, _exp(doc), doc.v.zip4()[:5]])
    doc.table(
        [name_header, "Card Type", "Card Number", "Exp", "Billing ZIP"], rows, title="Cards on File"
    )
    doc.pi = True


def benefits(doc: Doc) -> None:
    """Benefits enrollment: the employee's SSN and a dependent's, each beside their name."""
    r = doc.rng
    rows = []
    for p in _people(doc, _n(doc, 3, 8)):
        dep = Person(
            r.choice(("Emma", "Liam", "Noah", "Ava", "Mia", "Lucas")), p.last, r.random() < 0.5
        )
        doc.v.names.add(dep.full)
        rows.append([p.full, doc.ssn(), dep.full, r.choice(("Child", "Spouse")), doc.ssn()])
    doc.table(
        ["Employee Name", "SSN", "Dependent Name", "Relationship", "Dependent SSN"],
        rows,
        title="Enrollment",
    )
    doc.pi = True


def mixed(doc: Doc) -> None:
    """A background-check export: every element type on each row."""
    rows = []
    for p in _people(doc, _n(doc, 3, 8)):
        rows.append([p.last, p.first, doc.ssn(), doc.license(), doc.card()[0]])
    doc.table(["Last Name", "First Name", "SSN", "Driver's License", "Credit Card"], rows)
    doc.pi = True


def numeric_ssn(doc: Doc) -> None:
    """A spreadsheet whose SSN column is typed as numbers, shown with the 000-00-0000 format."""
    rows = []
    for p in _people(doc, _n(doc)):
        rows.append([p.full, int(doc.ssn("bare")), doc.rng.choice(_DEPTS)])
    doc.table(
        ["Employee Name", "SSN", "Department"], rows, title="Payroll", formats={1: "000-00-0000"}
    )
    doc.pi = True


# Negatives ---------------------------------------------------------------------------------


def ssn_only(doc: Doc) -> None:
    """An audit sample of SSNs with no names: elements, but no personal information."""
    r = doc.rng
    rows = [[i + 1, doc.ssn(), r.choice(("Y", "N"))] for i in range(_n(doc))]
    doc.table(["Record", "SSN", "Verified"], rows)


def staff_directory(doc: Doc) -> None:
    r = doc.rng
    rows = [
        [
            p.full,
            r.choice(_TITLES),
            f"x{r.randint(200, 499)}",
            doc.v.phone(),
            f"{p.login}@example.com",
            f"Room {r.randint(100, 450)}",
        ]
        for p in _people(doc, _n(doc))
    ]
    doc.table(["Name", "Title", "Extension", "Mobile", "Email", "Office"], rows, title="Directory")


def invalid_ssns(doc: Doc) -> None:
    """Training data with SSN-shaped placeholders the SSA never issues."""
    kinds = ("area000", "area666", "area9xx", "group00", "serial0000", "voided")
    rows = [
        [p.first, p.last, doc.v.invalid_ssn(kinds[i % len(kinds)]), "test record"]
        for i, p in enumerate(_people(doc, _n(doc, 6, 10)))
    ]
    doc.table(["First Name", "Last Name", "SSN", "Notes"], rows, title="Sample Data")


def itins(doc: Doc) -> None:
    """A tax preparer's client list with ITINs (9xx), which are not SSNs."""
    r = doc.rng
    rows = [
        [p.full, doc.v.invalid_ssn("area9xx"), r.choice(("Single", "Joint"))]
        for p in _people(doc, _n(doc))
    ]
    doc.table(["Client Name", "ITIN", "Filing Status"], rows)


def orders(doc: Doc) -> None:
    """An order export: 16-digit order numbers that fail Luhn, phones, dates, ZIP+4."""
    rows = [
        [doc.v.order_number(), p.full, doc.v.date(), doc.v.zip4(), doc.v.phone(), doc.v.amount()]
        for p in _people(doc, _n(doc))
    ]
    doc.table(
        ["Order Number", "Customer", "Order Date", "Ship ZIP", "Phone", "Total"],
        rows,
        title="Orders",
    )


def masked_cards(doc: Doc) -> None:
    r = doc.rng
    rows = []
    for p in _people(doc, _n(doc)):
        last4 = f"{r.randint(0, 9999):04d}"
        masked = r.choice((f"**** **** **** {last4}", f"XXXX-XXXX-XXXX-{last4}", f"ending {last4}"))
        rows.append([p.full, masked, doc.v.amount(), doc.v.date()])
    doc.table(["Customer", "Card", "Amount", "Date"], rows, title="Payments")


def manifest(doc: Doc) -> None:
    """A shipping manifest: recipients and bare nine-digit reference numbers."""
    r = doc.rng
    rows = [
        [p.full, doc.v.digits(9), f"{r.randint(1, 40)} lb", doc.v.date()]
        for p in _people(doc, _n(doc))
    ]
    doc.table(["Recipient", "Reference", "Weight", "Ship Date"], rows)


def asset_tags(doc: Doc) -> None:
    """IT assets tagged S + 8 digits, the shape of a Massachusetts license number."""
    r = doc.rng
    rows = [
        [
            p.full,
            f"S{doc.v.digits(8)}",
            r.choice(("Latitude 5440", "ThinkPad T14", "MacBook Air")),
            f"{r.choice('CPHJ')}{doc.v.digits(6)}X",
        ]
        for p in _people(doc, _n(doc))
    ]
    doc.table(["Assigned To", "Asset Tag", "Model", "Serial"], rows, title="Assets")


def gl_expenses(doc: Doc) -> None:
    """Expense approvals coded to general-ledger accounts."""
    r = doc.rng
    rows = [
        [
            doc.v.date(),
            p.full,
            f"{r.choice((5100, 6100, 6200, 7300))}-{r.randint(10, 99)}",
            r.choice(("Office supplies", "Travel", "Software", "Catering")),
            doc.v.amount(),
        ]
        for p in _people(doc, _n(doc))
    ]
    doc.table(["Date", "Approver", "GL Account", "Description", "Amount"], rows, title="Expenses")


def contacts(doc: Doc) -> None:
    rows = []
    for p in _people(doc, _n(doc)):
        street, city = doc.v.address()
        rows.append([p.full, doc.v.birth_date(), street, city, doc.v.phone()])
    doc.table(["Name", "Date of Birth", "Street", "City", "Phone"], rows, title="Contacts")


TABLE_SCENARIOS: dict[str, Callable[..., None]] = {
    f.__name__: f
    for f in (
        roster_split,
        roster_full,
        direct_deposit,
        cards_on_file,
        benefits,
        mixed,
        numeric_ssn,
        ssn_only,
        staff_directory,
        invalid_ssns,
        itins,
        orders,
        masked_cards,
        manifest,
        asset_tags,
        gl_expenses,
        contacts,
    )
}


# Structured records ------------------------------------------------------------------------


def people_flat(doc: Doc, keys: str = "snake", attributes: bool = False) -> None:
    first, last, ssn = {
        "snake": ("first_name", "last_name", "ssn"),
        "camel": ("firstName", "lastName", "socialSecurityNumber"),
    }[keys]
    items = [
        {
            "id": 3000 + i,
            first: p.first,
            last: p.last,
            ssn: doc.ssn(),
            "department": doc.rng.choice(_DEPTS),
        }
        for i, p in enumerate(_people(doc, _n(doc)))
    ]
    doc.records({"employees": items}, attributes=attributes)
    doc.pi = True


def company_nested(doc: Doc) -> None:
    """An HRIS export: the person's object holds the SSN; a nested object holds the bank."""
    items = [
        {
            "name": p.full,
            "title": doc.rng.choice(_TITLES),
            "ssn": doc.ssn(),
            "direct_deposit": {"routing_number": doc.routing(), "account_number": doc.account()},
        }
        for p in _people(doc, _n(doc, 3, 6))
    ]
    doc.records({"company": "Harborview Office Supply", "employees": items})
    doc.pi = True


def name_object(doc: Doc) -> None:
    """API-style people whose name is itself an object."""
    items = [
        {"id": 510 + i, "name": {"first": p.first, "last": p.last}, "ssn": doc.ssn()}
        for i, p in enumerate(_people(doc, _n(doc, 3, 6)))
    ]
    doc.records(items)
    doc.pi = True


def customers_cards(doc: Doc) -> None:
    items = [
        {"customer": p.full, "card": doc.card()[0], "exp": _exp(doc)} for p in _people(doc, _n(doc))
    ]
    doc.records(items)
    doc.pi = True


def drivers(doc: Doc) -> None:
    items = [
        {
            "driver": {"name": p.full, "license_number": doc.license(), "state": "MA"},
            "vehicle": doc.rng.choice(("Van 3", "Truck 7", "Sedan 2")),
        }
        for p in _people(doc, _n(doc, 3, 6), rare=0.3)
    ]
    doc.records({"fleet": items})
    doc.pi = True


def ssn_records(doc: Doc) -> None:
    doc.records(
        [
            {"record": i + 1, "ssn": doc.ssn(), "matched": doc.rng.random() < 0.5}
            for i in range(_n(doc))
        ]
    )


def orders_records(doc: Doc) -> None:
    doc.records(
        [
            {
                "order_id": doc.v.order_number(),
                "customer": p.full,
                "zip": doc.v.zip4(),
                "phone": doc.v.phone(),
                "total": doc.v.amount(),
                "placed": doc.v.date(),
            }
            for p in _people(doc, _n(doc))
        ]
    )


def app_config(doc: Doc) -> None:
    r = doc.rng
    doc.records(
        {
            "service": "timeclock",
            "build": int(doc.v.digits(9)),
            "port": 8443,
            "database": {"host": "db.internal", "port": 5432, "pool": r.randint(5, 20)},
            "features": {"export": True, "sso": False},
            "timeout_ms": 30000,
        }
    )


def users_export(doc: Doc) -> None:
    r = doc.rng
    doc.records(
        [
            {
                "username": p.login,
                "display_name": p.full,
                "email": f"{p.login}@example.com",
                "phone": doc.v.phone(),
                "role": r.choice(("staff", "admin", "viewer")),
                "last_login": doc.v.date(),
            }
            for p in _people(doc, _n(doc))
        ]
    )


RECORD_SCENARIOS: dict[str, Callable[..., None]] = {
    f.__name__: f
    for f in (
        people_flat,
        company_nested,
        name_object,
        customers_cards,
        drivers,
        ssn_records,
        orders_records,
        app_config,
        users_export,
    )
}
