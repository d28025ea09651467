"""A key provider that derives each root key's subkeys once, not on every record.

17.04(5): the same keys, faster. Deriving a KEK or blind-index key is an HKDF (~6 us); a masked
read unwraps one data key and a write derives up to three subkeys, so on the hot path the
derivations cost as much as the AES they feed.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from typing import ClassVar

from wisp.vault.crypto import Purpose, derive_key
from wisp.vault.keys import KeyProvider, ProviderContext, RootKey

__all__ = ["MemoKeys"]


@dataclass(frozen=True, slots=True, eq=False)
class _MemoRoot(RootKey):
    """A root key that carries its two subkeys, derived when it was made."""

    wrap: bytes = field(default=b"", repr=False)
    index: bytes = field(default=b"", repr=False)

    def kek(self) -> bytes:
        return self.wrap

    def index_key(self) -> bytes:
        return self.index


class MemoKeys:
    """Wraps a provider; hands out its root keys with their subkeys derived once per version.

    A version is re-derived if the provider hands out a different key for it (a keyring reread
    from disk): the cache can never serve a key the provider no longer holds.
    """

    NAME: ClassVar[str] = "memo"

    def __init__(self, inner: KeyProvider) -> None:
        self.inner = inner
        self._memo: dict[int, tuple[RootKey, _MemoRoot]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_context(cls, context: ProviderContext) -> KeyProvider:
        """Not a provider of its own: wrap one instead."""
        raise NotImplementedError("MemoKeys wraps an opened provider")

    def _memoized(self, root: RootKey) -> RootKey:
        hit = self._memo.get(root.version)
        if hit is not None and (hit[0] is root or hmac.compare_digest(hit[0].secret, root.secret)):
            return hit[1]
        memo = _MemoRoot(
            root.version,
            root.secret,
            derive_key(root.secret, Purpose.KEY_WRAP),
            derive_key(root.secret, Purpose.BLIND_INDEX),
        )
        with self._lock:
            self._memo[root.version] = (root, memo)
        return memo

    def current(self) -> RootKey:
        """The newest version, with its subkeys."""
        return self._memoized(self.inner.current())

    def get(self, version: int) -> RootKey:
        """One version, with its subkeys; UnknownKeyVersion as the provider raises it."""
        return self._memoized(self.inner.get(version))

    def rotate(self) -> RootKey:
        """A new newest version from the provider."""
        return self._memoized(self.inner.rotate())

    def versions(self) -> tuple[int, ...]:
        """Every version the provider holds."""
        return self.inner.versions()
