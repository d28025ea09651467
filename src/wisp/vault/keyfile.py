"""The vault's root keys in a 0600 keyring file in the state directory, optionally passphrased.

17.04(1)(c): data security keys kept in a location and format that does not compromise the data.

`vault-keyring.json` in the state directory, created mode 0600 and refused if group or others
have any bit on it, if it is a symbolic link, or if its directory is writable by others (who
could swap it for a keyring of their own). JSON, one of two shapes:

    {"format": "wisp-keyring", "format_version": 1, "protection": "none",
     "keys": [{"version": 1, "key": "<base64 of 32 bytes>"}, ...]}

    {"format": "wisp-keyring", "format_version": 1, "protection": "argon2id",
     "kdf": {"salt": "<base64, 16 bytes>", "time_cost": 3, "memory_cost": 65536,
             "parallelism": 4, "argon2_version": 19},
     "nonce": "<base64, 12 bytes>", "sealed": "<base64 of AES-256-GCM({"keys": [...]})>"}

With a passphrase, the file key is Argon2id(NFC passphrase, salt, the stored parameters), and the
GCM AAD is the canonical JSON of every member but `nonce` and `sealed`: a wrong passphrase and a
doctored file both fail as WrongPassphrase. Rotation rewrites the file atomically (temporary file,
fsync, rename) under an exclusive lock, so two rotating processes cannot lose a version.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import fcntl
import hmac
import json
import os
import secrets
import stat
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from wisp.errors import KeyMaterialError, UnknownKeyVersion, WrongPassphrase
from wisp.vault.crypto import KEY_BYTES, frame
from wisp.vault.keys import KeySet, ProviderContext, RootKey

__all__ = ["KEYRING_FILE", "FileKeyProvider", "KdfParams"]

KEYRING_FILE = "vault-keyring.json"
_FORMAT = "wisp-keyring"
_FORMAT_VERSION = 1
_SALT_BYTES = 16
_NONCE_BYTES = 12
_MAX_FILE_BYTES = 1 << 20
_OPEN_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC
_Doc = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id costs. The defaults are RFC 9106's second recommended option (64 MiB, 3 passes,
    4 lanes); the upper bounds stop a doctored file from making start-up allocate gigabytes."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024  # KiB
    parallelism: int = 4

    def __post_init__(self) -> None:
        values = (self.time_cost, self.memory_cost, self.parallelism)
        if any(type(v) is not int for v in values):
            raise ValueError("Argon2id parameters are integers")
        if not (1 <= self.time_cost <= 32 and 1 <= self.parallelism <= 64):
            raise ValueError("Argon2id time cost or parallelism out of range")
        if not 8 * self.parallelism <= self.memory_cost <= 4 * 1024 * 1024:
            raise ValueError("Argon2id memory cost out of range")

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        """The 32-byte file key of a passphrase (normalized to NFC, as RFC 8265 advises)."""
        secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        return hash_secret_raw(
            secret,
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
            version=ARGON2_VERSION,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, path: Path, what: str) -> bytes:
    if not isinstance(value, str):
        raise _corrupt(path, f"{what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise _corrupt(path, f"{what} is not base64") from None


def _corrupt(path: Path, reason: str) -> KeyMaterialError:
    return KeyMaterialError(f"vault keyring {path} is corrupt: {reason}")


def _canonical(doc: _Doc) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True, eq=False)
class _Lock:
    """A passphrase-protected keyring's file key, with the salt and costs it was derived with."""

    key: bytes = field(repr=False)
    salt: bytes
    params: KdfParams

    @classmethod
    def new(cls, passphrase: str, params: KdfParams) -> _Lock:
        if not passphrase:
            raise KeyMaterialError("an empty passphrase protects nothing; give a real one")
        salt = secrets.token_bytes(_SALT_BYTES)
        return cls(params.derive(passphrase, salt), salt, params)

    def header(self) -> dict[str, object]:
        kdf = {
            "salt": _b64(self.salt),
            "time_cost": self.params.time_cost,
            "memory_cost": self.params.memory_cost,
            "parallelism": self.params.parallelism,
            "argon2_version": ARGON2_VERSION,
        }
        return {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "protection": "argon2id",
            "kdf": kdf,
        }

    def seal(self, payload: bytes) -> dict[str, object]:
        header = self.header()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self.key).encrypt(
            nonce, payload, frame(b"wisp.keyring", _canonical(header))
        )
        return {**header, "nonce": _b64(nonce), "sealed": _b64(sealed)}

    def open(self, doc: _Doc, path: Path) -> bytes:
        header = {k: v for k, v in doc.items() if k not in {"nonce", "sealed"}}
        nonce = _unb64(doc.get("nonce"), path, "the nonce")
        sealed = _unb64(doc.get("sealed"), path, "the sealed keys")
        if len(nonce) != _NONCE_BYTES:
            raise _corrupt(path, "the nonce has the wrong length")
        try:
            return AESGCM(self.key).decrypt(
                nonce, sealed, frame(b"wisp.keyring", _canonical(header))
            )
        except InvalidTag:
            raise WrongPassphrase(
                f"wrong passphrase for vault keyring {path}, or the file was altered"
            ) from None


def _lock_of(doc: _Doc, path: Path, passphrase: str | None, known: _Lock | None) -> _Lock:
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict):
        raise _corrupt(path, "the key-derivation parameters are missing")
    if kdf.get("argon2_version") != ARGON2_VERSION:
        raise _corrupt(path, "unsupported Argon2 version")
    salt = _unb64(kdf.get("salt"), path, "the salt")
    if len(salt) < _SALT_BYTES:
        raise _corrupt(path, "the salt is too short")
    costs = [kdf.get(name) for name in ("time_cost", "memory_cost", "parallelism")]
    ints = [c for c in costs if isinstance(c, int) and not isinstance(c, bool)]
    if len(ints) != len(costs):
        raise _corrupt(path, "an Argon2id cost is not an integer")
    try:
        params = KdfParams(*ints)
    except ValueError as exc:
        raise _corrupt(path, str(exc)) from None
    if known is not None and hmac.compare_digest(known.salt, salt) and known.params == params:
        return known
    if passphrase is None:
        raise KeyMaterialError(f"vault keyring {path} is passphrase-protected; give its passphrase")
    return _Lock(params.derive(passphrase, salt), salt, params)


def _keys_of(doc: object, path: Path) -> KeySet:
    entries = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise _corrupt(path, "there is no list of keys")
    keys = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"version", "key"}:
            raise _corrupt(path, "a key entry is malformed")
        version = entry["version"]
        secret = _unb64(entry["key"], path, "a key")
        if type(version) is not int:
            raise _corrupt(path, "a key version is not an integer")
        try:
            keys.append(RootKey(version, secret))
        except ValueError as exc:
            raise _corrupt(path, str(exc)) from None
    try:
        return KeySet(tuple(keys))
    except KeyMaterialError as exc:
        raise _corrupt(path, str(exc)) from None


def _check_private(fd: int, path: Path) -> None:
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise KeyMaterialError(f"vault keyring {path} is not a regular file")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyMaterialError(f"vault keyring {path} is open to group or others; chmod 600 it")
    if os.stat(path.parent).st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise KeyMaterialError(f"directory of vault keyring {path} is writable by others")


def _read_private(path: Path) -> bytes:
    try:
        # O_NONBLOCK: a FIFO planted in place of the keyring must not hang start-up.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _OPEN_FLAGS)
    except FileNotFoundError:
        raise KeyMaterialError(f"no vault keyring at {path}; create one first") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise KeyMaterialError(f"vault keyring {path} is a symbolic link; refusing") from None
        raise KeyMaterialError(f"cannot open vault keyring {path}: {exc.strerror}") from None
    try:
        _check_private(fd, path)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(_MAX_FILE_BYTES + 1)
    if len(data) > _MAX_FILE_BYTES:
        raise _corrupt(path, "it is too large")
    return data


def _parse(data: bytes, path: Path) -> object:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _corrupt(path, "it is not JSON") from None


def _load(
    path: Path, passphrase: str | None, known: _Lock | None = None
) -> tuple[KeySet, _Lock | None]:
    doc = _parse(_read_private(path), path)
    if not isinstance(doc, dict):
        raise _corrupt(path, "it is not a JSON object")
    if doc.get("format") != _FORMAT or doc.get("format_version") != _FORMAT_VERSION:
        raise _corrupt(path, "it is not a wisp keyring of a known format version")
    protection = doc.get("protection")
    if protection == "none":
        if passphrase is not None or known is not None:
            # The operator expects a protected keyring; a plain one here may be a swapped file.
            raise KeyMaterialError(f"vault keyring {path} is not passphrase-protected")
        return _keys_of(doc, path), None
    if protection != "argon2id":
        raise _corrupt(path, "unknown protection")
    lock = _lock_of(doc, path, passphrase, known)
    return _keys_of(_parse(lock.open(doc, path), path), path), lock


def _dump(keys: KeySet, lock: _Lock | None) -> bytes:
    payload = {"keys": [{"version": k.version, "key": _b64(k.secret)} for k in keys.keys]}
    if lock is None:
        plain = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "protection": "none"}
        doc: dict[str, object] = {**plain, **payload}
    else:
        doc = lock.seal(_canonical(payload))
    return (json.dumps(doc, indent=2) + "\n").encode()


def _write(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600)
    except FileExistsError:
        raise KeyMaterialError(
            f"a vault keyring already exists at {path}; not replacing it"
        ) from None
    except OSError as exc:
        raise KeyMaterialError(f"cannot create vault keyring {path}: {exc.strerror}") from None
    _write(fd, data)
    _sync_dir(path.parent)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600)
    try:
        _write(fd, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when the keyring file is rewritten (rotation replaces it: a new inode)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class FileKeyProvider:
    """Root keys in the state directory's keyring file (see the module docstring).

    Each call first checks (one `stat`) whether another process rewrote the file, and if so
    re-reads it: a long-running server then seals under, and searches with, the versions a
    `wisp keys rotate` elsewhere has just added.
    """

    NAME: ClassVar[str] = "file"

    #: How long `get` trusts its last look at the file for versions it holds.
    RECHECK_SECONDS: ClassVar[float] = 1.0

    __slots__ = ("_checked", "_keys", "_lock", "_path", "_seen")

    def __init__(self, path: Path, keys: KeySet, lock: _Lock | None) -> None:
        self._path = path
        self._keys = keys
        self._lock = lock
        self._seen = _signature(path)
        self._checked = time.monotonic()

    @property
    def path(self) -> Path:
        """Where the keyring lives."""
        return self._path

    @property
    def protected(self) -> bool:
        """Whether the keyring is encrypted under a passphrase."""
        return self._lock is not None

    @classmethod
    def create(
        cls, home: Path, passphrase: str | None = None, params: KdfParams | None = None
    ) -> FileKeyProvider:
        """A new keyring holding version 1; KeyMaterialError if one is already there."""
        path = home / KEYRING_FILE
        lock = None if passphrase is None else _Lock.new(passphrase, params or KdfParams())
        keys = KeySet((RootKey(1, secrets.token_bytes(KEY_BYTES)),))
        _create(path, _dump(keys, lock))
        return cls(path, keys, lock)

    @classmethod
    def open(cls, home: Path, passphrase: str | None = None) -> FileKeyProvider:
        """The existing keyring; WrongPassphrase, or KeyMaterialError when missing or unsafe."""
        path = home / KEYRING_FILE
        keys, lock = _load(path, passphrase)
        return cls(path, keys, lock)

    @classmethod
    def from_context(cls, context: ProviderContext) -> FileKeyProvider:
        """The keyring in the context's home, opened with its passphrase if one was given."""
        return cls.open(context.home, context.passphrase)

    def current(self) -> RootKey:
        """The newest version in the keyring."""
        return self._fresh().current()

    def get(self, version: int) -> RootKey:
        """One version; UnknownKeyVersion if the keyring does not hold it.

        A version held already is served without looking at the file if the file was checked
        less than `RECHECK_SECONDS` ago: this is called for every record read, and a keyring
        swapped on disk is still refused, within that second, by the next call.
        """
        if time.monotonic() - self._checked < self.RECHECK_SECONDS:
            try:
                return self._keys.get(version)
            except UnknownKeyVersion:
                pass
        return self._fresh().get(version)

    def versions(self) -> tuple[int, ...]:
        """Every version in the keyring, oldest first."""
        return self._fresh().versions()

    def rotate(self) -> RootKey:
        """Add a new newest version and write the keyring back; older versions are kept."""
        with _exclusive(self._path):
            keys = self._reread()
            key = RootKey(keys.current().version + 1, secrets.token_bytes(KEY_BYTES))
            keys = keys.with_key(key)
            _replace(self._path, _dump(keys, self._lock))
            self._keys, self._seen = keys, _signature(self._path)
        return key

    def _fresh(self) -> KeySet:
        self._checked = time.monotonic()
        seen = _signature(self._path)
        if seen != self._seen:
            self._keys, self._seen = self._reread(), seen
        return self._keys

    def _reread(self) -> KeySet:
        """The keyring on disk, which must still hold every version held here, unchanged."""
        keys, _ = _load(self._path, None, self._lock)
        for mine in self._keys.keys:
            try:
                theirs = keys.get(mine.version)
            except UnknownKeyVersion:
                raise KeyMaterialError(
                    f"vault keyring {self._path} lost key version {mine.version}"
                ) from None
            if not hmac.compare_digest(mine.secret, theirs.secret):
                raise KeyMaterialError(
                    f"vault keyring {self._path} changed key version {mine.version} on disk"
                )
        return keys
