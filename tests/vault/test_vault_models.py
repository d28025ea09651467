"""The packed ciphertext column: a lossless, unambiguous encoding that refuses damage."""

from __future__ import annotations

import pytest

from wisp.errors import DecryptionError
from wisp.vault.models import pack_fields, unpack_fields


@pytest.mark.parametrize(
    "fields",
    [{}, {"ssn": b"\x01abc"}, {"a": b"", "b": b"\x00" * 70, "ünï": b"x"}],
)
def test_fields_round_trip(fields: dict[str, bytes]) -> None:
    assert unpack_fields(pack_fields(fields)) == fields


def test_the_order_and_boundaries_cannot_be_confused() -> None:
    assert pack_fields({"ab": b"c"}) != pack_fields({"a": b"bc"})


@pytest.mark.parametrize(
    "blob",
    [
        b"\x00\x00\x00",
        b"\x00\x00\x00\x03ssn",
        b"\x00\x00\x00\x01a\x00\x00\x00\x09abc",
        b"\x00\x00\x00\x02\xff\xfe",
    ],
)
def test_damaged_columns_are_refused(blob: bytes) -> None:
    with pytest.raises(DecryptionError, match="sealed record"):
        unpack_fields(blob)
