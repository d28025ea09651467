"""Collection and field definitions are checked when made: names, purpose, indexes, retention."""

from __future__ import annotations

import pytest

from wisp.errors import InvalidInput
from wisp.vault.views import Classification as C
from wisp.vault.views import CollectionSpec, FieldSpec, FieldType, RetentionBasis

NAME = FieldSpec("first", C.NAME)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FieldSpec("First", C.NAME), "field name must be"),
        (lambda: FieldSpec("1st", C.NAME), "field name must be"),
        (lambda: FieldSpec("first", "nickname"), "unknown classification 'nickname'"),  # type: ignore[arg-type]
        (lambda: FieldSpec("first", C.NAME, indexed=True), "can be indexed"),
        (lambda: FieldSpec("ssn", C.SSN, FieldType.NUMBER, indexed=True), "indexed field is text"),
        (lambda: FieldSpec("n", C.NOT_PI, "blob"), "unknown fieldtype"),  # type: ignore[arg-type]
        (lambda: FieldSpec("n", C.NOT_PI, max_length=0), "max_length"),
        (lambda: CollectionSpec("Staff", "Why.", (NAME,)), "collection name must be"),
        (lambda: CollectionSpec("staff", "   ", (NAME,)), "states its purpose"),
        (lambda: CollectionSpec("staff", "x" * 2001, (NAME,)), "states its purpose"),
        (lambda: CollectionSpec("staff", "Why.", ()), "1-64 fields"),
        (lambda: CollectionSpec("staff", "Why.", (NAME, NAME)), "'first' is defined twice"),
        (lambda: CollectionSpec("staff", "Why.", (NAME,), retention_days=0), "retention"),
        (lambda: CollectionSpec("staff", "Why.", (NAME,), retention_basis="touched"), "unknown"),  # type: ignore[arg-type]
        (lambda: CollectionSpec("staff", "Why.", (NAME,), reasons=("a", "A")), "listed twice"),
        (lambda: CollectionSpec("staff", "Why.", (NAME,), reasons=("a\nb",)), "one line"),
    ],
)
def test_bad_definitions_are_refused(make: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        make()  # type: ignore[operator]


def test_a_good_definition_is_kept_trimmed_and_typed() -> None:
    spec = CollectionSpec(
        "staff",
        "  Payroll.  ",
        (FieldSpec("ssn", "ssn", indexed=True), NAME),  # type: ignore[arg-type]
        retention_days=365,
        retention_basis="updated",  # type: ignore[arg-type]
        reasons=(" Payroll ",),
    )

    assert spec.purpose == "Payroll."
    assert spec.fields[0].classification is C.SSN
    assert spec.retention_basis is RetentionBasis.UPDATED
    assert spec.reasons == ("Payroll",)


@pytest.mark.parametrize("kind", [C.SSN, C.ACCOUNT, C.CARD, C.DRIVERS_LICENSE])
def test_numbers_with_one_canonical_form_can_be_indexed(kind: C) -> None:
    assert FieldSpec("n", kind, indexed=True).indexed
