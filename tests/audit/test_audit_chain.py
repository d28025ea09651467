"""The chain's arithmetic: canonical bytes, HMACs over every field, signed checkpoints."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wisp.audit.chain import (
    GENESIS,
    Checkpoint,
    StoredEntry,
    canonical,
    chain_mac,
    key_id,
    mac_matches,
    sign_checkpoint,
    utc_text,
    verify_checkpoint,
)

KEY = bytes(range(32))
AT = datetime(2025, 3, 1, 12, 0, 0, 5, tzinfo=UTC)


def _entry(**changes: object) -> StoredEntry:
    entry = StoredEntry(
        sequence=1,
        occurred_at=AT,
        actor="7",
        action="vault.reveal",
        target_type="vault_record",
        target_id="42",
        source="10.0.0.1",
        outcome="success",
        details={"reason": "audit", "count": 1},
        prev_hash=GENESIS,
        mac="",
    )
    entry = dataclasses.replace(entry, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(entry, mac=chain_mac(KEY, entry.prev_hash, entry))


def test_canonical_form_is_stable_and_independent_of_key_order_and_zone() -> None:
    a = _entry(details={"count": 1, "reason": "audit"})
    b = _entry(occurred_at=AT.astimezone(timezone(timedelta(hours=-5))))

    assert canonical(a) == canonical(b)
    assert canonical(a).startswith(b'{"action":"vault.reveal","actor":"7"')
    assert b'"occurred_at":"2025-03-01T12:00:00.000005Z"' in canonical(a)


def test_mac_is_the_hmac_of_the_previous_mac_and_the_entry() -> None:
    import hashlib
    import hmac

    entry = _entry(prev_hash="ab" * 32)
    expected = hmac.new(KEY, bytes.fromhex("ab" * 32) + canonical(entry), hashlib.sha256)

    assert entry.mac == expected.hexdigest()
    assert mac_matches(KEY, entry)


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 2},
        {"occurred_at": AT + timedelta(microseconds=1)},
        {"actor": "8"},
        {"actor": None},
        {"action": "vault.export"},
        {"target_type": "user"},
        {"target_id": "43"},
        {"source": "10.0.0.2"},
        {"outcome": "failure"},
        {"details": {"reason": "audit", "count": 2}},
        {"prev_hash": "11" * 32},
    ],
    ids=lambda c: next(iter(c)),
)
def test_changing_any_field_breaks_the_mac(change: dict[str, object]) -> None:
    entry = _entry()
    altered = dataclasses.replace(entry, **change)  # type: ignore[arg-type]

    assert mac_matches(KEY, entry)
    assert not mac_matches(KEY, altered)


def test_mac_depends_on_the_key_and_tolerates_garbage_links() -> None:
    entry = _entry()

    assert not mac_matches(bytes(32), entry)
    assert not mac_matches(KEY, dataclasses.replace(entry, prev_hash="not hex"))
    assert mac_matches(KEY, dataclasses.replace(entry, sequence=9), sequence=1)


def test_utc_text_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        utc_text(datetime(2025, 1, 1))


def test_checkpoint_signature_round_trips_through_its_line() -> None:
    private = Ed25519PrivateKey.generate()
    signed = sign_checkpoint(private, 10, "cd" * 32, AT, previous="")
    parsed = Checkpoint.from_line(signed.to_line())

    assert parsed == signed
    assert parsed.key_id == key_id(private.public_key())
    assert verify_checkpoint(private.public_key(), parsed)


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 9},
        {"head": "ce" * 32},
        {"signed_at": AT + timedelta(seconds=1)},
        {"previous": "x"},
    ],
    ids=lambda c: next(iter(c)),
)
def test_altered_checkpoint_fails_verification(change: dict[str, object]) -> None:
    private = Ed25519PrivateKey.generate()
    signed = sign_checkpoint(private, 10, "cd" * 32, AT, previous="")

    assert not verify_checkpoint(private.public_key(), dataclasses.replace(signed, **change))  # type: ignore[arg-type]
    assert not verify_checkpoint(Ed25519PrivateKey.generate().public_key(), signed)


@pytest.mark.parametrize("line", ["", "{}", "[1]", '{"format": "other"}', "not json"])
def test_a_line_that_is_not_a_checkpoint_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="not a wisp checkpoint"):
        Checkpoint.from_line(line)
