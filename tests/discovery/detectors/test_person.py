"""PERSON: 17.02 counts a first name (or first initial) and a last name, in text or a record."""

from __future__ import annotations

import pytest

from wisp.discovery.detectors.person import PersonDetector, column_role
from wisp.discovery.table import Table

DETECTOR = PersonDetector()

IN_TEXT = [
    # Census first names and surnames, in the ways people write them.
    pytest.param("John Smith", True, id="first-last"),
    pytest.param("Paid by John Smith on Monday.", True, id="in-sentence"),
    pytest.param("J. Smith", True, id="initial-dot"),
    pytest.param("J Smith", True, id="initial"),
    pytest.param("Smith, John", True, id="last-comma-first"),
    pytest.param("SMITH, JOHN", True, id="last-comma-first-caps"),
    pytest.param("JOHN SMITH", True, id="caps"),
    pytest.param("John Q. Smith", True, id="middle-initial-dot"),
    pytest.param("John Q Smith", True, id="middle-initial"),
    pytest.param("John Quincy Smith", True, id="middle-name"),
    pytest.param("Mr. John Smith", True, id="title-first-last"),
    pytest.param("paid to John\nSmith", True, id="wrapped-line"),
    pytest.param("James Smith Jr.", True, id="suffix"),
    pytest.param("Mary McCarthy", True, id="mc"),
    pytest.param("Kevin MacArthur", True, id="mac"),
    pytest.param("Sean O'Brien", True, id="o-apostrophe"),
    pytest.param("SEAN O'BRIEN", True, id="o-apostrophe-caps"),
    pytest.param("O'Brien, Sean", True, id="o-apostrophe-last-first"),
    pytest.param("Anna LeBlanc", True, id="inner-capital"),
    pytest.param("Maria Garcia-Lopez", True, id="hyphenated-last"),
    pytest.param("Jean-Luc Picard", True, id="hyphenated-first"),
    # Names no list knows, with a word that says a name follows.
    pytest.param("Name: Zyxlo Qwertz", True, id="context-name"),
    pytest.param("Dear Zyxlo Qwertz,", True, id="context-dear"),
    pytest.param("Employee: Zyxlo Qwertz", True, id="context-employee"),
    pytest.param("Patient: Zyxlo Qwertz", True, id="context-patient"),
    pytest.param("Cardholder: Zyxlo Qwertz", True, id="context-cardholder"),
    pytest.param("Dr. Zyxlo Qwertz", True, id="context-dr"),
    pytest.param("To: Zyxlo Qwertz", True, id="context-to"),
    # Headings and business words that happen to be capitalized.
    pytest.param("Credit Card", False, id="credit-card"),
    pytest.param("Social Security", False, id="social-security"),
    pytest.param("Main Street", False, id="main-street"),
    pytest.param("Account Number", False, id="account-number"),
    pytest.param("Routing Number", False, id="routing-number"),
    pytest.param("Driver License", False, id="driver-license"),
    pytest.param("Customer Service", False, id="customer-service"),
    pytest.param("Will Pay", False, id="will-pay"),
    pytest.param("New York", False, id="new-york"),
    pytest.param("Name: First Last", False, id="placeholder-first-last"),
    pytest.param("Name: Social Security", False, id="context-stopwords"),
    # One word is not a name; 17.02 needs the first name or initial.
    pytest.param("Smith", False, id="last-only"),
    pytest.param("John", False, id="first-only"),
    pytest.param("Dear John", False, id="dear-first-only"),
    pytest.param("Name: Zyxlo", False, id="context-one-word"),
    pytest.param("Mr. Smith", False, id="title-last"),
    pytest.param("Mr Smith", False, id="title-last-no-dot"),
    pytest.param("Dear Mr. Smith", False, id="dear-title-last"),
    pytest.param("Dr. Smith", False, id="dr-last"),
    pytest.param("Name: Smith", False, id="name-last"),
    # Unknown words without context, and lower case.
    pytest.param("Zyxlo Qwertz", False, id="unknown-no-context"),
    pytest.param("john smith", False, id="lower-case"),
    pytest.param("John, Smith", False, id="first-comma-last"),
]


@pytest.mark.parametrize(("text", "expected"), IN_TEXT)
def test_in_text(text, expected):
    data = text.encode()
    got = DETECTOR.in_text(data, 0, len(data))
    assert got is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(0, 25, True, id="whole"),
        pytest.param(5, 25, False, id="first-name-cut-off"),
        pytest.param(0, 7, False, id="last-name-cut-off"),
    ],
)
def test_in_text_only_looks_inside_the_window(start, end, expected):
    got = DETECTOR.in_text(b"John Smith paid in full.\n", start, end)
    assert got is expected


IN_CELLS = [
    # First and last name in their own columns, under the headers people use.
    pytest.param(("first", "last", "ssn"), ["John", "Smith", "1"], True, id="first-last"),
    pytest.param(("fname", "lname", "ssn"), ["Zyxlo", "Qwertz", "1"], True, id="fname-lname"),
    pytest.param(
        ("First Name", "Last Name", "SSN"), ["Zyxlo", "Qwertz", "1"], True, id="first-name"
    ),
    pytest.param(
        ("first_name", "last_name", "ssn"), ["Zyxlo", "Qwertz", "1"], True, id="snake-case"
    ),
    pytest.param(("FirstName", "LastName", "ssn"), ["Zyxlo", "Qwertz", "1"], True, id="camel"),
    pytest.param(
        ("Given Name", "Surname", "ssn"), ["Zyxlo", "Qwertz", "1"], True, id="given-surname"
    ),
    pytest.param(("Last Name", "First Name"), ["Qwertz", "Zyxlo"], True, id="last-first-order"),
    pytest.param(
        ("First Initial", "Last Name", "card"), ["Z", "Qwertz", "1"], True, id="first-initial"
    ),
    # A whole name in one column.
    pytest.param(("Employee Name", "SSN"), ["Zyxlo Qwertz", "1"], True, id="employee-name"),
    pytest.param(("Full Name", "SSN"), ["Zyxlo Qwertz", "1"], True, id="full-name"),
    pytest.param(("name", "ssn"), ["Zyxlo Qwertz", "1"], True, id="name"),
    pytest.param(("Name", "SSN"), ["Qwertz, Zyxlo", "1"], True, id="name-last-comma-first"),
    pytest.param(("Name", "SSN"), ["Zyxlo Q. Qwertz", "1"], True, id="name-middle-initial"),
    pytest.param(("Employee", "SSN"), ["Zyxlo Qwertz", "1"], True, id="employee"),
    pytest.param(("Cardholder", "Card"), ["Zyxlo Qwertz", "1"], True, id="cardholder"),
    pytest.param(("Account Holder", "Acct"), ["Zyxlo Qwertz", "1"], True, id="account-holder"),
    pytest.param(("Patient", "SSN"), ["Zyxlo Qwertz", "1"], True, id="patient"),
    # No header: adjacent cells "First,Last" or "Last,First", or a name in one cell.
    pytest.param((), ["John", "Smith", "345678901"], True, id="headerless-first-last"),
    pytest.param((), ["Smith", "John", "345678901"], True, id="headerless-last-first"),
    pytest.param((), ["12", "John Smith", "345678901"], True, id="headerless-full"),
    pytest.param((), ["J", "Smith", "345678901"], True, id="headerless-initial"),
    pytest.param(("id", "notes"), ["12", "John Smith"], True, id="unnamed-columns-full"),
    # Half a name is not a name.
    pytest.param(("Last Name", "SSN"), ["Qwertz", "1"], False, id="last-only"),
    pytest.param(("First Name", "SSN"), ["Zyxlo", "1"], False, id="first-only"),
    pytest.param(("Name", "SSN"), ["Zyxlo", "1"], False, id="name-one-word"),
    pytest.param(("Name", "SSN"), ["Smith", "1"], False, id="name-census-one-word"),
    pytest.param(("first", "last", "ssn"), ["Zyxlo", "", "1"], False, id="empty-last"),
    pytest.param(("first", "last", "ssn"), ["", "Qwertz", "1"], False, id="empty-first"),
    # The gender letter beside a last name is not a first initial.
    pytest.param(
        ("first", "last", "sex", "ssn"), ["", "Smith", "M", "1"], False, id="empty-first-gender"
    ),
    pytest.param(("first", "last", "ssn"), ["N/A", "N/A", "1"], False, id="not-applicable"),
    pytest.param(("first", "last", "ssn"), ["12", "34", "1"], False, id="digits"),
    # Names of things, not people.
    pytest.param(("Company Name", "SSN"), ["Acme Corp", "1"], False, id="company-name"),
    pytest.param(("Bank Name", "Acct"), ["First Federal", "1"], False, id="bank-name"),
    pytest.param(("Product Name", "SKU"), ["Zyxlo Qwertz", "1"], False, id="product-name"),
    pytest.param(("Host Name", "IP"), ["Zyxlo Qwertz", "1"], False, id="host-name"),
    pytest.param(("File Name", "SSN"), ["Zyxlo Qwertz", "1"], False, id="file-name"),
    pytest.param(("Vendor Name", "Account"), ["Zyxlo Supply", "1"], False, id="vendor-name"),
    pytest.param(("username", "SSN"), ["Zyxlo Qwertz", "1"], False, id="username"),
    pytest.param((), ["Credit", "Card", "345678901"], False, id="headerless-heading"),
    pytest.param((), ["Social", "Security", "345678901"], False, id="headerless-social"),
    pytest.param((), ["Main Street", "345678901"], False, id="headerless-street"),
    pytest.param((), ["Zyxlo", "Qwertz", "345678901"], False, id="headerless-unknown"),
    pytest.param((), ["345678901", "4012888888881881"], False, id="digits-only"),
]


@pytest.mark.parametrize(("columns", "cells", "expected"), IN_CELLS)
def test_in_cells(columns, cells, expected):
    got = DETECTOR.in_cells(cells, columns)
    assert got is expected


@pytest.mark.parametrize(
    ("header", "role"),
    [
        pytest.param("first", "first", id="first"),
        pytest.param("First Name", "first", id="first-name"),
        pytest.param("fname", "first", id="fname"),
        pytest.param("given_name", "first", id="given-name"),
        pytest.param("Forename", "first", id="forename"),
        pytest.param("last", "last", id="last"),
        pytest.param("Last Name", "last", id="last-name"),
        pytest.param("lname", "last", id="lname"),
        pytest.param("Surname", "last", id="surname"),
        pytest.param("family_name", "last", id="family-name"),
        pytest.param("LastName", "last", id="camel-last"),
        pytest.param("FirstName", "first", id="camel-first"),
        pytest.param("First & Last Name", "full", id="first-and-last"),
        pytest.param("Name", "full", id="name"),
        pytest.param("Employee Name", "full", id="employee-name"),
        pytest.param("Customer", "full", id="customer"),
        pytest.param("Cardholder", "full", id="cardholder"),
        pytest.param("Company Name", None, id="company-name"),
        pytest.param("Bank Name", None, id="bank-name"),
        pytest.param("User Name", None, id="user-name"),
        pytest.param("username", None, id="username"),
        pytest.param("hostname", None, id="hostname"),
        pytest.param("CompanyName", None, id="camel-company-name"),
        pytest.param("Vendor Name", None, id="vendor-name"),
        pytest.param("VendorName", None, id="camel-vendor-name"),
        pytest.param("Merchant Name", None, id="merchant-name"),
        pytest.param("Street Name", None, id="street-name"),
        pytest.param("Employer Name", None, id="employer-name"),
        pytest.param("Planet Name", "full", id="not-plan-name"),
        pytest.param("SSN", None, id="ssn"),
        pytest.param("Account Number", None, id="account-number"),
        pytest.param("", None, id="empty"),
    ],
)
def test_column_role(header, role):
    assert column_role(header) == role


NAME_TABLES = [
    pytest.param(("first", "last", "ssn"), [b"Ann,Lee,1", b"Zyxlo,Qwertz,2"], id="first-last"),
    pytest.param(("Name", "ssn"), [b"Ann Lee,1", b"Lee,2", b"Lee, Ann,3"], id="full-name"),
    pytest.param(("first", "last"), [b"Ann,Lee", b"Ann"], id="short-row"),
    pytest.param(("first", "last"), [b'" Ann ",Lee', b"Ann,9", b",Lee", b"Ann,Lee,x"], id="odd"),
    pytest.param(("ssn", "notes"), [b"1,Ann Lee"], id="no-name-columns"),
    pytest.param(("first", "last"), [b"Ann,Lee"] * 30 + [b"Ann,L33"], id="repeated-names"),
]


@pytest.mark.parametrize(("columns", "lines"), NAME_TABLES)
def test_rows_with_names_in_a_table_as_in_its_lines(columns, lines):
    table = Table(b"\n".join(lines) + b"\n", b",")
    table.require(DETECTOR.name_columns(columns))
    got = DETECTOR.rows_with_names_in(table, columns)
    assert got == DETECTOR.rows_with_names(lines, b",", columns)
