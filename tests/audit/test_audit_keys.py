"""The audit keys on disk: created 0600 on first use, the same ever after, refused if exposed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wisp.audit.keys import (
    HMAC_KEY_FILE,
    PUBLIC_KEY_FILE,
    SIGNING_KEY_FILE,
    AuditKeys,
    load_or_create_audit_keys,
)
from wisp.errors import KeyMaterialError


def test_keys_are_created_private_and_reloaded_unchanged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = load_or_create_audit_keys(home)
    second = load_or_create_audit_keys(home)

    assert first.hmac_key == second.hmac_key
    assert first.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == (
        second.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    for name in (HMAC_KEY_FILE, SIGNING_KEY_FILE):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600
    public = bytes.fromhex((home / PUBLIC_KEY_FILE).read_text().strip())
    assert public == first.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert first.hmac_key.hex() not in repr(first)


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create_audit_keys(tmp_path)
    (tmp_path / SIGNING_KEY_FILE).chmod(0o644)

    with pytest.raises(KeyMaterialError, match="open to others"):
        load_or_create_audit_keys(tmp_path)


def test_a_malformed_key_is_refused(tmp_path: Path) -> None:
    load_or_create_audit_keys(tmp_path)
    (tmp_path / HMAC_KEY_FILE).write_text("abcd\n")

    with pytest.raises(KeyMaterialError, match="64 hex digits"):
        load_or_create_audit_keys(tmp_path)


def test_a_short_hmac_key_is_refused() -> None:
    with pytest.raises(KeyMaterialError, match="at least 32 bytes"):
        AuditKeys(b"short", Ed25519PrivateKey.generate())
