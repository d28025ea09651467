"""The vault's root keys from the `WISP_MASTER_KEY` environment variable (read-only).

17.04(1)(c): keys held by the deployment's secret store, never written by wisp.

For deployments whose secret store injects the environment (systemd credentials, Kubernetes
secrets). The variable holds one key, or comma-separated `VERSION:KEY` entries so that it can be
rotated by hand: add `2:<new key>` beside `1:<old key>`, restart, re-wrap every record under
version 2 (`wisp.vault.envelope.rewrap`), then drop version 1. A key is 32 bytes as 64 hex digits
or as base64 (standard or URL-safe alphabet, padding optional); a bare key is version 1.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from typing import ClassVar

from wisp.errors import KeyMaterialError, ReadOnlyKeys
from wisp.vault.crypto import KEY_BYTES
from wisp.vault.keys import KeySet, ProviderContext, RootKey

__all__ = ["MASTER_KEY_VARIABLE", "EnvKeyProvider", "parse_master_key"]

MASTER_KEY_VARIABLE = "WISP_MASTER_KEY"
#: 32 random bytes show about 30 distinct values; fewer than this is a placeholder or a typo.
_MIN_DISTINCT_BYTES = 16
_ENTRY = re.compile(r"(?:(\d{1,10}):)?([^\s:]+)")


def _decode(text: str, where: str) -> bytes:
    if len(text) == 2 * KEY_BYTES and all(c in string.hexdigits for c in text):
        key = bytes.fromhex(text)
    else:
        padded = text + "=" * (-len(text) % 4)
        alphabet = padded.replace("-", "+").replace("_", "/")
        try:
            key = base64.b64decode(alphabet, validate=True)
        except binascii.Error:
            raise KeyMaterialError(f"{where} is neither 64 hex digits nor base64") from None
    if len(key) != KEY_BYTES:
        raise KeyMaterialError(f"{where} is not a {KEY_BYTES}-byte key")
    if len(set(key)) < _MIN_DISTINCT_BYTES:
        raise KeyMaterialError(f"{where} looks like a placeholder, not a random key")
    return key


def parse_master_key(value: str) -> KeySet:
    """The key versions in a `WISP_MASTER_KEY` value; the message names an entry, never a key."""
    entries = [e.strip() for e in value.split(",")]
    if not any(entries):
        raise KeyMaterialError(f"{MASTER_KEY_VARIABLE} is empty")
    keys = []
    for position, entry in enumerate(entries, start=1):
        where = f"{MASTER_KEY_VARIABLE} entry {position}"
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise KeyMaterialError(f"{where} is not VERSION:KEY")
        version = int(match.group(1) or 1)
        if not 1 <= version < 2**32:
            raise KeyMaterialError(f"{where} has a version outside 1..2**32 - 1")
        keys.append(RootKey(version, _decode(match.group(2), where)))
    return KeySet(tuple(keys))


class EnvKeyProvider:
    """Root keys from `WISP_MASTER_KEY`; it cannot write the variable, so it cannot rotate."""

    NAME: ClassVar[str] = "env"

    __slots__ = ("_keys",)

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys

    @classmethod
    def from_context(cls, context: ProviderContext) -> EnvKeyProvider:
        """Read the variable; KeyMaterialError if it is unset or malformed."""
        value = context.environ.get(MASTER_KEY_VARIABLE)
        if value is None:
            raise KeyMaterialError(f"{MASTER_KEY_VARIABLE} is not set")
        return cls(parse_master_key(value))

    def current(self) -> RootKey:
        """The highest version in the variable."""
        return self._keys.current()

    def get(self, version: int) -> RootKey:
        """One version; UnknownKeyVersion if the variable no longer holds it."""
        return self._keys.get(version)

    def rotate(self) -> RootKey:
        """Always raises: the variable is rotated where it is set (see the module docstring)."""
        raise ReadOnlyKeys(
            f"{MASTER_KEY_VARIABLE} is read-only to wisp: rotate the variable yourself "
            f"(add {self._keys.current().version + 1}:NEWKEY beside the current key, restart, "
            "then re-wrap the records)"
        )

    def versions(self) -> tuple[int, ...]:
        """Every version in the variable, oldest first."""
        return self._keys.versions()
