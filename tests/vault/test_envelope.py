"""Records: sealed per field under their own data key, rotated by re-wrap, found by blind index,
and shredded beyond recovery."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from vaultdata import ACCOUNT, SSN, SSN_DIGITS, leaks

from wisp.errors import DecryptionError, Shredded, UnknownKeyVersion
from wisp.vault.crypto import KEY_BYTES, DataKey, Purpose, RecordRef, derive_key, open_, unwrap_key
from wisp.vault.envelope import (
    BlindIndex,
    SealedRecord,
    open_field,
    open_record,
    reseal,
    rewrap,
    seal_record,
    search_terms,
    shred,
)
from wisp.vault.keyenv import EnvKeyProvider
from wisp.vault.keyfile import KEYRING_FILE, FileKeyProvider
from wisp.vault.keys import KeySet

ALICE = RecordRef("employees", "e-0001")
BOB = RecordRef("employees", "e-0002")
CUSTOMER = RecordRef("customers", "e-0001")
VALUES = {"ssn": SSN.encode(), "account": ACCOUNT.encode(), "name": b"Jane Q. Example"}
INDEXED = {"ssn": SSN_DIGITS, "account": ACCOUNT}


@pytest.fixture
def alice(keyring: FileKeyProvider) -> SealedRecord:
    return seal_record(ALICE, VALUES, keyring, INDEXED)


def _only(keyring: FileKeyProvider, *versions: int) -> EnvKeyProvider:
    """A provider holding only some of the keyring's versions, as after retiring old ones."""
    return EnvKeyProvider(KeySet(tuple(keyring.get(v) for v in versions)))


def test_a_sealed_record_opens_field_by_field_and_whole(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    assert {name: open_field(alice, name, keyring) for name in VALUES} == VALUES
    assert open_record(alice, keyring) == VALUES
    assert alice.kek_version == 1
    assert not alice.shredded


def test_nothing_stored_shows_the_plaintext(alice: SealedRecord) -> None:
    stored = b"".join([alice.wrapped_key or b"", *alice.fields.values()])
    stored += "".join(i.digest for i in alice.indexes.values()).encode()

    assert leaks(stored.decode("latin-1"), SSN, SSN_DIGITS, ACCOUNT, "Jane") == []
    assert leaks(repr(alice), SSN, SSN_DIGITS, ACCOUNT) == []


def test_a_sealed_record_cannot_be_changed_in_place(alice: SealedRecord) -> None:
    with pytest.raises(TypeError):
        alice.fields["ssn"] = b"x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("target", "field"),
    [(ALICE, "account"), (BOB, "ssn"), (CUSTOMER, "ssn")],
    ids=["other-field", "other-record", "other-collection"],
)
def test_a_field_ciphertext_moved_anywhere_else_fails(
    keyring: FileKeyProvider, alice: SealedRecord, target: RecordRef, field: str
) -> None:
    victim = seal_record(target, VALUES, keyring) if target != ALICE else alice
    moved = dict(victim.fields, **{field: alice.fields["ssn"]})
    doctored = replace(victim, fields=moved)

    with pytest.raises(DecryptionError, match="failed to authenticate") as caught:
        open_field(doctored, field, keyring)
    assert leaks(str(caught.value), SSN, SSN_DIGITS) == []


@pytest.mark.parametrize("target", [BOB, CUSTOMER], ids=["other-record", "other-collection"])
def test_a_wrapped_key_moved_to_another_record_fails(
    keyring: FileKeyProvider, alice: SealedRecord, target: RecordRef
) -> None:
    victim = seal_record(target, VALUES, keyring)

    with pytest.raises(DecryptionError, match=r"data key .* failed to authenticate"):
        open_field(replace(victim, wrapped_key=alice.wrapped_key), "ssn", keyring)


@pytest.mark.parametrize("where", ["wrapped_key", "field"])
def test_an_altered_byte_anywhere_fails(
    keyring: FileKeyProvider, alice: SealedRecord, where: str
) -> None:
    blob = bytearray(alice.wrapped_key if where == "wrapped_key" else alice.fields["ssn"])
    blob[len(blob) // 2] ^= 0x04
    if where == "wrapped_key":
        doctored = replace(alice, wrapped_key=bytes(blob))
    else:
        doctored = replace(alice, fields=dict(alice.fields, ssn=bytes(blob)))

    with pytest.raises(DecryptionError):
        open_field(doctored, "ssn", keyring)


def test_a_kek_version_the_provider_lacks_fails(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    keyring.rotate()

    with pytest.raises(UnknownKeyVersion, match="version 1"):
        open_field(alice, "ssn", _only(keyring, 2))


def test_another_providers_key_of_the_same_version_fails(
    tmp_path: Path, alice: SealedRecord
) -> None:
    stranger_home = tmp_path / "stranger"
    stranger = FileKeyProvider.create(stranger_home)

    assert stranger.current().version == alice.kek_version
    with pytest.raises(DecryptionError, match="wrong key-encryption key"):
        open_field(alice, "ssn", stranger)


def test_rotation_keeps_old_records_readable_and_seals_new_ones_under_the_new_version(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    keyring.rotate()
    bob = seal_record(BOB, VALUES, keyring)

    assert open_record(alice, keyring) == VALUES
    assert alice.kek_version == 1
    assert bob.kek_version == 2


def test_rewrap_moves_the_data_key_to_the_newest_version_and_leaves_fields_alone(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    keyring.rotate()

    moved = rewrap(alice, keyring)

    assert moved.kek_version == 2
    assert moved.wrapped_key != alice.wrapped_key
    assert moved.fields == alice.fields
    assert moved.indexes == alice.indexes
    # Version 1 can now be retired: the record opens with version 2 alone.
    assert open_record(moved, _only(keyring, 2)) == VALUES
    assert rewrap(moved, keyring) is moved


def test_reseal_reencrypts_every_field_under_a_fresh_data_key(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    keyring.rotate()

    kept = reseal(alice, keyring)
    reindexed = reseal(alice, keyring, INDEXED)

    for record in (kept, reindexed):
        assert record.kek_version == 2
        assert all(record.fields[n] != alice.fields[n] for n in VALUES)
        assert open_record(record, _only(keyring, 2)) == VALUES
    assert kept.indexes == alice.indexes
    assert {i.key_version for i in reindexed.indexes.values()} == {2}


def test_search_finds_records_indexed_under_any_version(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    keyring.rotate()
    bob = seal_record(BOB, {"ssn": b"123-45-6789"}, keyring, {"ssn": "123456789"})
    terms = search_terms("ssn", SSN_DIGITS, keyring)

    assert [t.key_version for t in terms] == [1, 2]
    assert alice.indexes["ssn"] in terms
    assert bob.indexes["ssn"] not in terms
    assert bob.indexes["ssn"] in search_terms("ssn", "123456789", keyring)
    assert alice.indexes["account"] not in terms  # same value, other field, other token


def test_blind_indexes_compare_by_version_and_digest() -> None:
    index = BlindIndex(1, "ab" * 16)

    assert index == BlindIndex(1, "ab" * 16)
    assert index != BlindIndex(2, "ab" * 16)
    assert index != BlindIndex(1, "ac" * 16)
    assert len({index, BlindIndex(1, "ab" * 16)}) == 1
    assert index != "ab" * 16


def test_rewrap_and_search_leave_a_shredded_record_shredded(
    keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    gone = shred(alice)
    keyring.rotate()

    assert rewrap(gone, keyring) is gone
    terms = search_terms("ssn", SSN_DIGITS, keyring)
    assert alice.indexes["ssn"] in terms
    assert not set(terms) & set(gone.indexes.values())
    with pytest.raises(Shredded, match="was shredded; its fields cannot be recovered"):
        open_record(gone, keyring)


def _every_key_the_provider_can_give(keyring: FileKeyProvider) -> list[bytes]:
    roots = [keyring.get(v).secret for v in keyring.versions()]
    return roots + [derive_key(root, purpose) for root in roots for purpose in Purpose]


def test_after_shredding_no_key_in_the_provider_can_decrypt_the_fields(
    home: Path, keyring: FileKeyProvider, alice: SealedRecord
) -> None:
    assert alice.wrapped_key is not None
    data_key = unwrap_key(alice.wrapped_key, keyring.current().kek(), ALICE)  # only for the check
    keyring.rotate()

    gone = shred(alice)

    assert gone.shredded
    assert gone.wrapped_key is None
    assert gone.kek_version is None
    assert gone.indexes == {}
    assert gone.fields == alice.fields  # the ciphertexts survive, as in a backup
    # Control: the surviving ciphertexts are real, and do open under the destroyed key.
    assert open_(gone.fields["ssn"], data_key, ALICE.aad("ssn")) == SSN.encode()
    candidates = _every_key_the_provider_can_give(keyring)
    assert len(candidates) == 2 * (1 + len(Purpose))
    for key in candidates:
        for name, ciphertext in gone.fields.items():
            with pytest.raises(DecryptionError):
                open_(ciphertext, DataKey(key), ALICE.aad(name))
    # The data key itself was never stored anywhere but in the wrapped key that is now gone.
    keyring_file = (home / KEYRING_FILE).read_bytes()
    assert leaks(keyring_file.decode(), data_key.secret) == []
    assert all(data_key.secret not in key for key in candidates)
    assert len(data_key.secret) == KEY_BYTES
    with pytest.raises(Shredded):
        open_field(gone, "ssn", keyring)


def test_a_running_provider_finds_what_another_process_sealed_after_rotating(
    home: Path, keyring: FileKeyProvider
) -> None:
    other = FileKeyProvider.open(home)
    other.rotate()
    bob = seal_record(BOB, {"ssn": SSN.encode()}, other, {"ssn": SSN_DIGITS})

    assert bob.indexes["ssn"].key_version == 2
    assert bob.indexes["ssn"] in search_terms("ssn", SSN_DIGITS, keyring)
    assert open_field(bob, "ssn", keyring) == SSN.encode()
