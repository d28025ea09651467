"""The memoizing provider hands out the same keys, with subkeys derived once per version."""

from __future__ import annotations

import pytest

from wisp.errors import UnknownKeyVersion
from wisp.vault.crypto import Purpose, derive_key
from wisp.vault.keyenv import EnvKeyProvider
from wisp.vault.keyfile import FileKeyProvider
from wisp.vault.keys import KeySet, RootKey
from wisp.vault.memokeys import MemoKeys


def test_subkeys_are_the_derived_ones(keyring: FileKeyProvider) -> None:
    memo = MemoKeys(keyring)
    root = keyring.current()

    assert memo.current().kek() == derive_key(root.secret, Purpose.KEY_WRAP)
    assert memo.current().index_key() == derive_key(root.secret, Purpose.BLIND_INDEX)
    assert memo.get(1) is memo.current()


def test_rotation_and_versions_pass_through(keyring: FileKeyProvider) -> None:
    memo = MemoKeys(keyring)

    new = memo.rotate()

    assert new.version == 2
    assert memo.versions() == (1, 2)
    assert memo.current().kek() == keyring.get(2).kek()
    with pytest.raises(UnknownKeyVersion):
        memo.get(3)


def test_a_different_key_under_the_same_version_is_derived_afresh(
    keyring: FileKeyProvider,
) -> None:
    memo = MemoKeys(EnvKeyProvider(KeySet((keyring.get(1),))))
    before = memo.get(1).kek()
    replacement = RootKey(1, b"\x07" * 32)
    memo.inner = EnvKeyProvider(KeySet((replacement,)))

    assert memo.get(1).kek() != before
    assert memo.get(1).kek() == derive_key(replacement.secret, Purpose.KEY_WRAP)
