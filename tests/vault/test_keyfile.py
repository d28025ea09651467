"""The keyring file: created private, refused when exposed, passphrase right and wrong, rotation."""

from __future__ import annotations

import base64
import json
import os
import stat
import time
import unicodedata
from pathlib import Path

import pytest
from vaultdata import FAST_KDF, leaks

from wisp.errors import KeyMaterialError, UnknownKeyVersion, WrongPassphrase
from wisp.vault.keyfile import KEYRING_FILE, FileKeyProvider, KdfParams
from wisp.vault.keys import ProviderContext

PASSPHRASE = "correct horse battery staple"


def _secrets(provider: FileKeyProvider) -> list[bytes]:
    return [provider.get(v).secret for v in provider.versions()]


def _doc(home: Path) -> dict[str, object]:
    doc = json.loads((home / KEYRING_FILE).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _write_doc(home: Path, doc: object) -> None:
    (home / KEYRING_FILE).write_text(json.dumps(doc), encoding="utf-8")


def test_create_writes_a_private_keyring_that_opens_again(
    home: Path, keyring: FileKeyProvider
) -> None:
    path = home / KEYRING_FILE

    assert keyring.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keyring.versions() == (1,)
    assert not keyring.protected
    assert _secrets(FileKeyProvider.open(home)) == _secrets(keyring)
    assert _doc(home)["protection"] == "none"


def test_create_never_replaces_an_existing_keyring(home: Path, keyring: FileKeyProvider) -> None:
    before = (home / KEYRING_FILE).read_bytes()

    with pytest.raises(KeyMaterialError, match="already exists"):
        FileKeyProvider.create(home)
    assert (home / KEYRING_FILE).read_bytes() == before


def test_create_makes_a_private_home(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"

    FileKeyProvider.create(home)

    assert stat.S_IMODE(home.stat().st_mode) & 0o077 == 0


def test_a_missing_keyring_is_a_clear_error(home: Path) -> None:
    with pytest.raises(KeyMaterialError, match=r"no vault keyring at .*; create one first"):
        FileKeyProvider.open(home)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o602, 0o610, 0o644, 0o666])
def test_a_keyring_open_to_others_is_refused(
    home: Path, keyring: FileKeyProvider, mode: int
) -> None:
    (home / KEYRING_FILE).chmod(mode)

    with pytest.raises(KeyMaterialError, match="open to group or others; chmod 600"):
        FileKeyProvider.open(home)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_keyring_private_to_its_owner_opens(
    home: Path, keyring: FileKeyProvider, mode: int
) -> None:
    (home / KEYRING_FILE).chmod(mode)

    assert FileKeyProvider.open(home).versions() == (1,)


def test_a_home_writable_by_others_is_refused(home: Path, keyring: FileKeyProvider) -> None:
    home.chmod(0o777)
    try:
        with pytest.raises(KeyMaterialError, match="writable by others"):
            FileKeyProvider.open(home)
    finally:
        home.chmod(0o700)


def test_a_symlinked_keyring_is_refused(tmp_path: Path, home: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    FileKeyProvider.create(elsewhere)
    (home / KEYRING_FILE).symlink_to(elsewhere / KEYRING_FILE)

    with pytest.raises(KeyMaterialError, match="symbolic link"):
        FileKeyProvider.open(home)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_something_else_in_place_of_the_keyring_is_refused(home: Path, kind: str) -> None:
    if kind == "directory":
        (home / KEYRING_FILE).mkdir(mode=0o700)
    else:
        os.mkfifo(home / KEYRING_FILE, 0o600)

    with pytest.raises(KeyMaterialError, match="not a regular file"):
        FileKeyProvider.open(home)


def test_a_passphrase_protects_the_keys(home: Path) -> None:
    keyring = FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)
    text = (home / KEYRING_FILE).read_text(encoding="utf-8")
    doc = _doc(home)

    assert keyring.protected
    assert leaks(text, *_secrets(keyring), PASSPHRASE) == []
    assert doc["protection"] == "argon2id"
    assert doc["kdf"] == {
        "salt": doc["kdf"]["salt"],  # type: ignore[index]
        "time_cost": 1,
        "memory_cost": 8,
        "parallelism": 1,
        "argon2_version": 19,
    }
    assert len(base64.b64decode(doc["kdf"]["salt"])) == 16  # type: ignore[index]
    assert _secrets(FileKeyProvider.open(home, PASSPHRASE)) == _secrets(keyring)


def test_the_default_kdf_costs_are_rfc_9106s(home: Path) -> None:
    assert KdfParams() == KdfParams(time_cost=3, memory_cost=65536, parallelism=4)

    keyring = FileKeyProvider.create(home, PASSPHRASE)

    assert _secrets(FileKeyProvider.open(home, PASSPHRASE)) == _secrets(keyring)


@pytest.mark.parametrize(
    "wrong", ["correct horse battery stapl", "Correct horse battery staple", "x", PASSPHRASE + " "]
)
def test_a_wrong_passphrase_is_a_clear_error(home: Path, wrong: str) -> None:
    FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)

    with pytest.raises(WrongPassphrase, match="wrong passphrase for vault keyring") as caught:
        FileKeyProvider.open(home, wrong)
    assert leaks(str(caught.value), PASSPHRASE, wrong) == []


def test_the_passphrase_is_compared_in_one_unicode_form(home: Path) -> None:
    composed = unicodedata.normalize("NFC", "contraseña ünd café")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    keyring = FileKeyProvider.create(home, composed, FAST_KDF)

    assert _secrets(FileKeyProvider.open(home, decomposed)) == _secrets(keyring)


def test_a_protected_keyring_without_a_passphrase_says_so(home: Path) -> None:
    FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)

    with pytest.raises(KeyMaterialError, match="passphrase-protected; give its passphrase"):
        FileKeyProvider.open(home)


def test_a_plain_keyring_where_a_protected_one_is_expected_is_refused(
    home: Path, keyring: FileKeyProvider
) -> None:
    with pytest.raises(KeyMaterialError, match="not passphrase-protected"):
        FileKeyProvider.open(home, PASSPHRASE)


def test_an_empty_passphrase_is_refused(home: Path) -> None:
    with pytest.raises(KeyMaterialError, match="empty passphrase"):
        FileKeyProvider.create(home, "", FAST_KDF)
    assert not (home / KEYRING_FILE).exists()


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("kdf.time_cost", 2),  # weaker or stronger costs derive another key
        ("kdf.salt", base64.b64encode(bytes(16)).decode()),
        ("format_version_note", "added"),  # any member outside nonce/sealed is authenticated
        ("sealed", None),  # one bit of the ciphertext
    ],
)
def test_a_doctored_protected_keyring_fails_like_a_wrong_passphrase(
    home: Path, member: str, value: object
) -> None:
    FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)
    doc = _doc(home)
    if member == "sealed":
        sealed = bytearray(base64.b64decode(str(doc["sealed"])))
        sealed[-1] ^= 1
        doc["sealed"] = base64.b64encode(sealed).decode()
    elif member.startswith("kdf."):
        doc["kdf"][member[4:]] = value  # type: ignore[index]
    else:
        doc[member] = value
    _write_doc(home, doc)

    with pytest.raises(WrongPassphrase):
        FileKeyProvider.open(home, PASSPHRASE)


KEY = base64.b64encode(bytes(range(32))).decode()
PLAIN = {"format": "wisp-keyring", "format_version": 1, "protection": "none"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "not a JSON object"),
        (json.dumps({**PLAIN, "format": "other"}).encode(), "known format version"),
        (json.dumps({**PLAIN, "format_version": 2}).encode(), "known format version"),
        (json.dumps({**PLAIN, "protection": "rot13"}).encode(), "unknown protection"),
        (json.dumps(PLAIN).encode(), "no list of keys"),
        (json.dumps({**PLAIN, "keys": []}).encode(), "holds no key"),
        (json.dumps({**PLAIN, "keys": [1]}).encode(), "malformed"),
        (json.dumps({**PLAIN, "keys": [{"version": 1}]}).encode(), "malformed"),
        (json.dumps({**PLAIN, "keys": [{"version": 1, "key": "!!"}]}).encode(), "not base64"),
        (json.dumps({**PLAIN, "keys": [{"version": 1, "key": "AAAA"}]}).encode(), "32 bytes"),
        (json.dumps({**PLAIN, "keys": [{"version": "1", "key": KEY}]}).encode(), "integer"),
        (json.dumps({**PLAIN, "keys": [{"version": True, "key": KEY}]}).encode(), "integer"),
        (json.dumps({**PLAIN, "keys": [{"version": 0, "key": KEY}]}).encode(), "version"),
        (
            json.dumps({**PLAIN, "keys": [{"version": 1, "key": KEY}] * 2}).encode(),
            "same key version twice",
        ),
        (b" " * (1 << 20) + b"{}", "too large"),
    ],
)
def test_a_corrupt_keyring_is_named_without_its_keys(
    home: Path, content: bytes, reason: str
) -> None:
    path = home / KEYRING_FILE
    path.write_bytes(content)
    path.chmod(0o600)

    with pytest.raises(KeyMaterialError, match=f"is corrupt: .*{reason}") as caught:
        FileKeyProvider.open(home)
    assert leaks(str(caught.value), KEY, bytes(range(32))) == []


@pytest.mark.parametrize(
    ("kdf", "reason"),
    [
        ({"memory_cost": 1 << 30}, "memory cost out of range"),
        ({"parallelism": 0}, "time cost or parallelism"),
        ({"time_cost": "3"}, "not an integer"),
        ({"argon2_version": 16}, "unsupported Argon2 version"),
        ({"salt": "%%"}, "not base64"),
        ({"salt": base64.b64encode(bytes(4)).decode()}, "salt is too short"),
    ],
)
def test_unsafe_kdf_parameters_are_refused_before_deriving(
    home: Path, kdf: dict[str, object], reason: str
) -> None:
    FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)
    doc = _doc(home)
    doc["kdf"] = {**doc["kdf"], **kdf}  # type: ignore[dict-item]
    _write_doc(home, doc)

    with pytest.raises(KeyMaterialError, match=reason):
        FileKeyProvider.open(home, PASSPHRASE)


def test_rotation_adds_a_version_and_keeps_the_old_ones(
    home: Path, keyring: FileKeyProvider
) -> None:
    first = keyring.current().secret

    new = keyring.rotate()

    assert new.version == 2
    assert keyring.current().version == 2
    assert keyring.get(1).secret == first
    assert new.secret != first
    assert _secrets(FileKeyProvider.open(home)) == [first, new.secret]
    assert stat.S_IMODE((home / KEYRING_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == [KEYRING_FILE, KEYRING_FILE + ".lock"]


def test_rotation_keeps_the_passphrase(home: Path) -> None:
    keyring = FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)

    keyring.rotate()

    reopened = FileKeyProvider.open(home, PASSPHRASE)
    assert reopened.versions() == (1, 2)
    assert _secrets(reopened) == _secrets(keyring)
    with pytest.raises(WrongPassphrase):
        FileKeyProvider.open(home, "not it")


def test_a_provider_sees_versions_another_process_added(
    home: Path, keyring: FileKeyProvider
) -> None:
    other = FileKeyProvider.open(home)
    added = other.rotate()

    assert keyring.versions() == (1, 2)
    assert keyring.current().secret == added.secret
    assert keyring.get(2).secret == added.secret
    # Rotating from the stale provider continues from the file: version 2 is never lost.
    assert keyring.rotate().version == 3
    assert _secrets(FileKeyProvider.open(home))[1] == added.secret


def test_a_keyring_removed_under_a_running_provider_fails_closed(
    home: Path, keyring: FileKeyProvider
) -> None:
    (home / KEYRING_FILE).unlink()

    with pytest.raises(KeyMaterialError, match="no vault keyring"):
        keyring.current()


def test_a_version_edited_on_disk_under_a_running_provider_fails_closed(
    tmp_path: Path, home: Path, keyring: FileKeyProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    FileKeyProvider.create(other)
    os.replace(other / KEYRING_FILE, home / KEYRING_FILE)
    later = time.monotonic() + FileKeyProvider.RECHECK_SECONDS + 1
    monkeypatch.setattr("wisp.vault.keyfile.time.monotonic", lambda: later)

    with pytest.raises(KeyMaterialError, match="changed key version 1 on disk"):
        keyring.get(1)


def test_a_held_version_is_served_without_a_look_at_the_file_for_a_second(
    tmp_path: Path, home: Path, keyring: FileKeyProvider
) -> None:
    held = keyring.get(1)
    (home / KEYRING_FILE).unlink()

    assert keyring.get(1) == held  # within RECHECK_SECONDS of the last look
    with pytest.raises(KeyMaterialError):
        keyring.current()  # current() always looks


def test_an_unknown_version_is_unknown_even_after_rereading(keyring: FileKeyProvider) -> None:
    with pytest.raises(UnknownKeyVersion, match="version 5"):
        keyring.get(5)


def test_rotation_refuses_a_keyring_swapped_on_disk(
    tmp_path: Path, home: Path, keyring: FileKeyProvider
) -> None:
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    FileKeyProvider.create(other)
    os.replace(other / KEYRING_FILE, home / KEYRING_FILE)

    with pytest.raises(KeyMaterialError, match="changed key version 1 on disk"):
        keyring.rotate()


def test_from_context_opens_with_the_contexts_passphrase(home: Path) -> None:
    keyring = FileKeyProvider.create(home, PASSPHRASE, FAST_KDF)

    opened = FileKeyProvider.from_context(ProviderContext(home, {}, PASSPHRASE))

    assert _secrets(opened) == _secrets(keyring)
    with pytest.raises(KeyMaterialError):
        FileKeyProvider.from_context(ProviderContext(home, {}))
