"""The fingerprint key (created 0600, refused when exposed or malformed) and keyed tokens."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from wisp.discovery.fingerprint import KEY_FILE, Fingerprinter, load_or_create_key
from wisp.errors import KeyMaterialError


def test_key_is_created_private_on_first_use(tmp_path: Path) -> None:
    home = tmp_path / "state" / "wisp"
    old = os.umask(0)
    try:
        key = load_or_create_key(home)
    finally:
        os.umask(old)

    path = home / KEY_FILE
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert re.fullmatch(r"[0-9a-f]{64}\n", path.read_text(encoding="ascii"))
    assert bytes.fromhex(path.read_text(encoding="ascii")) == key


def test_key_is_stable_across_calls(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path)

    assert load_or_create_key(tmp_path) == first
    assert load_or_create_key(tmp_path) == first


def test_each_installation_gets_its_own_key(tmp_path: Path) -> None:
    assert load_or_create_key(tmp_path / "a") != load_or_create_key(tmp_path / "b")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o620, 0o602, 0o700 | 0o070])
def test_key_readable_or_writable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    load_or_create_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(mode)

    with pytest.raises(KeyMaterialError) as info:
        load_or_create_key(tmp_path)

    assert str(tmp_path / KEY_FILE) in str(info.value)
    assert "chmod 600" in str(info.value)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_owner_only_key_is_accepted(tmp_path: Path, mode: int) -> None:
    key = load_or_create_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(mode)

    assert load_or_create_key(tmp_path) == key


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not hex at all, clearly", id="not-hex"),
        pytest.param(b"ab" * 31, id="too-short"),
        pytest.param(b"ab" * 33, id="too-long"),
        pytest.param(b"ab" * 31 + b"zz", id="bad-digit"),
        pytest.param("é".encode() * 32, id="not-ascii"),
    ],
)
def test_malformed_key_is_refused_without_quoting_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(content)
    path.chmod(0o600)

    with pytest.raises(KeyMaterialError) as info:
        load_or_create_key(tmp_path)

    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    if content:
        assert content.decode("utf-8") not in message


@pytest.mark.parametrize(
    "make_home",
    [
        pytest.param(lambda p: (p / "file").joinpath("home"), id="parent-is-a-file"),
        pytest.param(lambda p: p / "file", id="home-is-a-file"),
    ],
)
def test_unusable_home_is_a_key_error(tmp_path: Path, make_home: Callable[[Path], Path]) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")

    with pytest.raises(KeyMaterialError) as info:
        load_or_create_key(make_home(tmp_path))

    assert "fingerprint key" in str(info.value)


def test_same_value_same_fingerprint() -> None:
    fp = Fingerprinter(bytes(32))

    token = fp("US_SSN", "123456788")

    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert fp("US_SSN", "123456788") == token
    assert Fingerprinter(bytes(32))("US_SSN", "123456788") == token


@pytest.mark.parametrize(
    ("key", "entity", "value"),
    [
        pytest.param(bytes([1]) * 32, "US_SSN", "123456788", id="other-key"),
        pytest.param(bytes(32), "US_BANK_NUMBER", "123456788", id="other-entity"),
        pytest.param(bytes(32), "US_SSN", "123456789", id="other-value"),
    ],
)
def test_different_key_entity_or_value_different_fingerprint(
    key: bytes, entity: str, value: str
) -> None:
    assert Fingerprinter(key)(entity, value) != Fingerprinter(bytes(32))("US_SSN", "123456788")


def test_fingerprinter_does_not_show_its_key() -> None:
    key = bytes(range(32))

    shown = repr(Fingerprinter(key)) + str(Fingerprinter(key))

    assert key.hex() not in shown
    assert key.hex()[:8] not in shown
