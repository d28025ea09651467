"""Fixtures of the vault tests: a real keyring in a private temporary home."""

from __future__ import annotations

from pathlib import Path

import pytest

from wisp.vault.keyfile import FileKeyProvider


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty wisp state directory, private to its owner as wisp creates it."""
    path = tmp_path / "home"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def keyring(home: Path) -> FileKeyProvider:
    """A new keyring without a passphrase, holding key version 1."""
    return FileKeyProvider.create(home)
