"""Field values: checked against type and classification, kept in one canonical form."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest

from wisp.errors import InvalidInput
from wisp.vault.values import clean_value, index_form
from wisp.vault.views import Classification as C
from wisp.vault.views import FieldType as T
from wisp.vault.views import FieldView


def _field(kind: C, type_: T = T.TEXT, max_length: int = 1000) -> FieldView:
    return FieldView(uuid.uuid4(), "f", kind, type_, False, False, max_length)


CLEAN = [
    (C.SSN, T.TEXT, "123 45 6789", "123-45-6789"),
    (C.SSN, T.TEXT, "123456789", "123-45-6789"),
    (C.CARD, T.TEXT, " 4556-7375-8689-9855 ", "4556-7375-8689-9855"),
    (C.ACCOUNT, T.TEXT, "GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    (C.DRIVERS_LICENSE, T.TEXT, "s1234-5678", "s1234-5678"),
    (C.NAME, T.TEXT, "  Jane  ", "Jane"),
    (C.OTHER_PI, T.TEXT, "line one\nline two", "line one\nline two"),
    (C.NOT_PI, T.TEXT, 42, "42"),
    (C.NOT_PI, T.NUMBER, "1234.50", "1234.50"),
    (C.NOT_PI, T.NUMBER, 7, "7"),
    (C.NOT_PI, T.NUMBER, 2.5, "2.5"),
    (C.NOT_PI, T.NUMBER, Decimal("-3"), "-3"),
    (C.OTHER_PI, T.DATE, " 1984-07-09 ", "1984-07-09"),
    (C.OTHER_PI, T.DATE, date(1984, 7, 9), "1984-07-09"),
    (C.OTHER_PI, T.DATE, datetime(1984, 7, 9, 13, 5), "1984-07-09"),
    (C.SSN, T.TEXT, "", None),
    (C.NAME, T.TEXT, None, None),
]


@pytest.mark.parametrize(("kind", "type_", "value", "clean"), CLEAN)
def test_good_values_are_kept_canonical(kind: C, type_: T, value: object, clean: str) -> None:
    assert clean_value(_field(kind, type_), value) == clean  # type: ignore[arg-type]


BAD = [
    (C.SSN, T.TEXT, "123-45-678", "9 digits"),
    (C.SSN, T.TEXT, "１２３４５６７８９", "9 digits"),
    (C.CARD, T.TEXT, "4556 7375 8689 9856", "checksum"),
    (C.CARD, T.TEXT, "12345", "12-19 digits"),
    (C.ACCOUNT, T.TEXT, "12/34/56", "letters and digits"),
    (C.DRIVERS_LICENSE, T.TEXT, "S1", "letters and digits"),
    (C.NAME, T.TEXT, "Agent 47", "no digits"),
    (C.NAME, T.TEXT, "--", "letters"),
    (C.NAME, T.TEXT, "Jane\nDoe", "control character"),
    (C.NOT_PI, T.NUMBER, "1,000", "a number"),
    (C.NOT_PI, T.NUMBER, "NaN", "finite"),
    (C.NOT_PI, T.NUMBER, True, "a number"),
    (C.NOT_PI, T.DATE, "2025-02-30", "date"),
    (C.NOT_PI, T.DATE, 20250101, "date"),
    (C.NOT_PI, T.TEXT, 1.5, "text"),
    (C.NOT_PI, T.TEXT, b"bytes", "text"),
]


@pytest.mark.parametrize(("kind", "type_", "value", "message"), BAD)
def test_bad_values_name_the_field_and_never_the_value(
    kind: C, type_: T, value: object, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        clean_value(_field(kind, type_), value)  # type: ignore[arg-type]

    assert str(caught.value).startswith("field 'f': ")
    assert str(value) not in str(caught.value)


def test_values_longer_than_the_field_allows_are_refused() -> None:
    assert clean_value(_field(C.NOT_PI, max_length=3), "abc") == "abc"
    with pytest.raises(InvalidInput, match="longer than 3"):
        clean_value(_field(C.NOT_PI, max_length=3), "abcd")


@pytest.mark.parametrize(
    ("kind", "value", "form"),
    [
        (C.SSN, "123-45-6789", "123456789"),
        (C.CARD, "4556 7375-8689 9855", "4556737586899855"),
        (C.ACCOUNT, "gb82 west-1234", "GB82WEST1234"),
        (C.DRIVERS_LICENSE, "s1234-5678", "S12345678"),
    ],
)
def test_index_forms_ignore_separators_and_case(kind: C, value: str, form: str) -> None:
    assert index_form(kind, value) == form
