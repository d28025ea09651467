"""The pure crypto layer: sealing bound to its place, key wrapping, subkeys and blind indexes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaultdata import ACCOUNT, SSN, SSN_DIGITS, leaks

from wisp.errors import DecryptionError
from wisp.vault.crypto import (
    FORMAT_VERSION,
    KEY_BYTES,
    WRAPPED_KEY_BYTES,
    Aad,
    DataKey,
    Purpose,
    RecordRef,
    blind_index,
    derive_key,
    frame,
    open_,
    open_fields,
    seal,
    unwrap_key,
    wrap_key,
    wrapped_kek_version,
)

PLACE = Aad("employees", "e-0001", "ssn")
RECORD = RecordRef("employees", "e-0001")
KEK = bytes(range(100, 132))
names = st.text(min_size=1, max_size=12)


@pytest.fixture
def data_key() -> DataKey:
    return DataKey.generate()


@pytest.mark.parametrize("plaintext", [b"", SSN.encode(), "Ñoño Pérez".encode(), bytes(10_000)])
def test_seal_then_open_gives_the_plaintext_back(data_key: DataKey, plaintext: bytes) -> None:
    ciphertext = seal(plaintext, data_key, PLACE)

    assert open_(ciphertext, data_key, PLACE) == plaintext
    assert ciphertext[0] == FORMAT_VERSION
    assert len(ciphertext) == 1 + 12 + len(plaintext) + 16


@settings(database=None, max_examples=50)
@given(plaintext=st.binary(max_size=256), collection=names, record=names, field=names)
def test_round_trip_for_any_value_and_place(
    plaintext: bytes, collection: str, record: str, field: str
) -> None:
    key = DataKey.generate()
    place = Aad(collection, record, field)

    assert open_(seal(plaintext, key, place), key, place) == plaintext


def test_sealing_twice_never_repeats_a_ciphertext(data_key: DataKey) -> None:
    sealed = {seal(SSN.encode(), data_key, PLACE) for _ in range(50)}

    assert len(sealed) == 50
    assert all(SSN.encode() not in c and SSN_DIGITS.encode() not in c for c in sealed)


@pytest.mark.parametrize(
    "elsewhere",
    [
        Aad("employees", "e-0001", "account"),  # another field of the same record
        Aad("employees", "e-0002", "ssn"),  # the same field of another record
        Aad("customers", "e-0001", "ssn"),  # the same record id in another collection
        Aad("employees", "e-00011", "ssn"),
    ],
    ids=["field", "record", "collection", "longer-id"],
)
def test_a_ciphertext_opens_only_in_its_own_place(data_key: DataKey, elsewhere: Aad) -> None:
    ciphertext = seal(SSN.encode(), data_key, PLACE)

    with pytest.raises(DecryptionError, match="failed to authenticate") as caught:
        open_(ciphertext, data_key, elsewhere)
    assert leaks(str(caught.value), SSN, SSN_DIGITS, data_key.secret) == []


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Aad("ab", "c", "d"), Aad("a", "bc", "d")),
        (Aad("a", "b:c", "d"), Aad("a:b", "c", "d")),
        (Aad("a", "b", "cd"), Aad("a", "bc", "d")),
    ],
)
def test_place_encoding_is_unambiguous(data_key: DataKey, left: Aad, right: Aad) -> None:
    assert left.encode() != right.encode()
    with pytest.raises(DecryptionError):
        open_(seal(b"x", data_key, left), data_key, right)


@settings(database=None, max_examples=200)
@given(st.lists(st.binary(max_size=8), max_size=4), st.lists(st.binary(max_size=8), max_size=4))
def test_frame_is_injective(left: list[bytes], right: list[bytes]) -> None:
    assert (frame(*left) == frame(*right)) == (left == right)


@pytest.mark.parametrize(
    ("collection", "record", "field"), [("", "r", "f"), ("c", "", "f"), ("c", "r", "")]
)
def test_an_empty_part_of_a_place_is_refused(collection: str, record: str, field: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Aad(collection, record, field)


def test_the_wrong_data_key_fails(data_key: DataKey) -> None:
    ciphertext = seal(SSN.encode(), data_key, PLACE)

    with pytest.raises(DecryptionError, match="failed to authenticate"):
        open_(ciphertext, DataKey.generate(), PLACE)


def test_every_altered_byte_is_detected(data_key: DataKey) -> None:
    ciphertext = seal(SSN.encode(), data_key, PLACE)

    for position in range(len(ciphertext)):
        altered = bytearray(ciphertext)
        altered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            open_(bytes(altered), data_key, PLACE)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda c: b"", "empty"),
        (lambda c: c[:28], "truncated"),
        (lambda c: bytes([2]) + c[1:], "unknown format version 2"),
        (lambda c: c[:-1], "failed to authenticate"),
        (lambda c: c + b"\x00", "failed to authenticate"),
    ],
    ids=["empty", "truncated", "future-version", "short-tag", "extra-byte"],
)
def test_malformed_ciphertexts_fail_with_a_reason(
    data_key: DataKey, mangle: Callable[[bytes], bytes], message: str
) -> None:
    ciphertext = seal(SSN.encode(), data_key, PLACE)

    with pytest.raises(DecryptionError, match=message):
        open_(mangle(ciphertext), data_key, PLACE)


def test_data_keys_are_random_and_never_shown(data_key: DataKey) -> None:
    other = DataKey.generate()

    assert len(data_key.secret) == KEY_BYTES
    assert data_key.secret != other.secret
    assert leaks(repr(data_key), data_key.secret) == []
    # eq=False: keys are never compared with a short-circuiting ==.
    assert data_key != DataKey(data_key.secret)


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_a_data_key_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        DataKey(bytes(length))


def test_wrap_then_unwrap_gives_the_data_key_back(data_key: DataKey) -> None:
    wrapped = wrap_key(data_key, KEK, 7, RECORD)

    assert unwrap_key(wrapped, KEK, RECORD).secret == data_key.secret
    assert len(wrapped) == WRAPPED_KEY_BYTES == 65
    assert wrapped_kek_version(wrapped) == 7
    assert data_key.secret not in wrapped


@pytest.mark.parametrize(
    ("kek", "record"),
    [
        (bytes(range(32)), RECORD),
        (KEK, RecordRef("employees", "e-0002")),
        (KEK, RecordRef("customers", "e-0001")),
    ],
    ids=["other-kek", "other-record", "other-collection"],
)
def test_unwrap_fails_under_another_kek_or_record(
    data_key: DataKey, kek: bytes, record: RecordRef
) -> None:
    wrapped = wrap_key(data_key, KEK, 1, RECORD)

    with pytest.raises(DecryptionError, match="failed to authenticate") as caught:
        unwrap_key(wrapped, kek, record)
    assert leaks(str(caught.value), KEK, data_key.secret) == []


def test_every_altered_byte_of_a_wrapped_key_is_detected(data_key: DataKey) -> None:
    wrapped = wrap_key(data_key, KEK, 1, RECORD)

    for position in range(len(wrapped)):
        altered = bytearray(wrapped)
        altered[position] ^= 0x80
        with pytest.raises(DecryptionError):
            unwrap_key(bytes(altered), KEK, RECORD)


def test_relabelling_the_kek_version_fails(data_key: DataKey) -> None:
    wrapped = bytearray(wrap_key(data_key, KEK, 1, RECORD))
    wrapped[1:5] = (2).to_bytes(4, "big")

    assert wrapped_kek_version(bytes(wrapped)) == 2
    with pytest.raises(DecryptionError):
        unwrap_key(bytes(wrapped), KEK, RECORD)


@pytest.mark.parametrize("version", [0, -1, 2**32])
def test_kek_versions_out_of_range_are_refused(data_key: DataKey, version: int) -> None:
    with pytest.raises(ValueError, match="KEK version"):
        wrap_key(data_key, KEK, version, RECORD)


@pytest.mark.parametrize("wrapped", [b"", b"\x01" * 10, b"\x01" * 66, b"\x09" + bytes(64)])
def test_malformed_wrapped_keys_are_refused(wrapped: bytes) -> None:
    with pytest.raises(DecryptionError, match="wrapped data key"):
        wrapped_kek_version(wrapped)


def test_subkeys_are_separated_by_purpose_and_deterministic() -> None:
    root = secrets.token_bytes(32)
    subkeys = {p: derive_key(root, p) for p in Purpose}

    assert len(set(subkeys.values()) | {root}) == len(Purpose) + 1
    assert all(derive_key(root, p) == k for p, k in subkeys.items())
    assert derive_key(secrets.token_bytes(32), Purpose.KEY_WRAP) != subkeys[Purpose.KEY_WRAP]
    with pytest.raises(ValueError, match="root key"):
        derive_key(root[:16], Purpose.KEY_WRAP)


INDEX_KEY = bytes(range(32))


def test_blind_index_is_equal_for_equal_values() -> None:
    first = blind_index(SSN_DIGITS, INDEX_KEY, "ssn")

    assert first == blind_index(SSN_DIGITS, INDEX_KEY, "ssn")
    assert len(first) == 32
    assert int(first, 16) >= 0


@pytest.mark.parametrize(
    ("value", "key", "field"),
    [
        ("123456789", INDEX_KEY, "ssn"),  # another value
        (SSN_DIGITS, INDEX_KEY, "account"),  # another field
        (SSN_DIGITS, bytes(range(1, 33)), "ssn"),  # another key
        (SSN, INDEX_KEY, "ssn"),  # not normalized: the caller's job
    ],
    ids=["value", "field", "key", "unnormalized"],
)
def test_blind_index_differs_when_anything_differs(value: str, key: bytes, field: str) -> None:
    assert blind_index(value, key, field) != blind_index(SSN_DIGITS, INDEX_KEY, "ssn")


def test_blind_index_does_not_reveal_the_value() -> None:
    index = blind_index(SSN_DIGITS, INDEX_KEY, "ssn")
    unkeyed = [
        hashlib.sha256(v.encode()).hexdigest()[:32] for v in (SSN_DIGITS, f"ssn:{SSN_DIGITS}")
    ]

    assert SSN_DIGITS not in index
    assert SSN_DIGITS[-4:] not in index
    # Not an unkeyed hash: a dictionary of the 10**9 SSNs without the key finds nothing.
    assert index not in unkeyed
    neighbours = {blind_index(f"12345678{d}", INDEX_KEY, "ssn") for d in range(10)}
    assert len(neighbours) == 10
    assert len({n[:4] for n in neighbours}) > 1


def test_blind_index_refuses_a_short_key() -> None:
    with pytest.raises(ValueError, match="blind-index key"):
        blind_index(ACCOUNT, INDEX_KEY[:16], "account")


@pytest.mark.parametrize("field_name", ["ssn", "first_name", "é", "x" * 300])
def test_a_records_field_place_equals_the_place_built_alone(field_name: str) -> None:
    record = RecordRef("employees", "0b5e3d1c-6c1f-4c2b-9d38-0f2a1e7c9a10")

    fast = record.aad(field_name)
    alone = Aad("employees", record.record_id, field_name)

    assert fast == alone
    assert fast.encode() == alone.encode()


def test_a_records_field_place_refuses_an_empty_field() -> None:
    with pytest.raises(ValueError, match="field"):
        RecordRef("employees", "r1").aad("")


def test_opening_a_records_fields_together_equals_opening_each() -> None:
    record = RecordRef("employees", "r-17")
    key = DataKey.generate()
    plain = {"ssn": SSN.encode(), "first": b"Ann", "note": b""}
    sealed = {name: seal(value, key, record.aad(name)) for name, value in plain.items()}

    assert open_fields(sealed, key, record) == plain
    assert {n: open_(c, key, record.aad(n)) for n, c in sealed.items()} == plain


def test_opening_fields_together_refuses_a_swapped_field() -> None:
    record = RecordRef("employees", "r-17")
    key = DataKey.generate()
    sealed = {name: seal(name.encode(), key, record.aad(name)) for name in ("ssn", "first")}
    swapped = {"ssn": sealed["first"], "first": sealed["ssn"]}

    with pytest.raises(DecryptionError, match="failed to authenticate"):
        open_fields(swapped, key, record)
